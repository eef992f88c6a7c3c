#!/usr/bin/env python3
"""Run real Django's static system checks on a fixture project and print them as JSON.

Runs INSIDE a conformance venv (see scripts/setup-venvs.sh):

    <venv>/bin/python tests/conformance/django_checks.py tests/fixtures/basic_errors

What it does, step by step:
  1. reads DJANGO_SETTINGS_MODULE from the fixture's manage.py
     (the ``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "...")`` line);
  2. puts the fixture directory first on sys.path and runs ``django.setup()``;
  3. runs ``django.core.checks.run_checks(tags=["models", "admin"])`` -- the same
     as ``manage.py check --tag models --tag admin``: field and model checks
     (check_all_models, lazy references), contrib.auth / contrib.contenttypes
     model checks and the admin checks; no database, deploy or other tags;
  4. drops messages silenced by SILENCED_SYSTEM_CHECKS, like ``manage.py check``.

Output (stdout, one JSON object):
    {"django_version": "5.2.19", "python_version": "3.11.7",
     "settings_module": "proj.settings",
     "findings": [{"id": "fields.E120", "level": "error", "object": "shop.Item.name",
                   "message": "...", "hint": null}, ...]}

"object" is exactly what CheckMessage.__str__ prints before the colon.
If reading manage.py, django.setup() or the checks raise, the exception is
reported as one finding with id "djsa-conformance.setup" / "djsa-conformance.checks"
(level "critical") and the exit status is 1, so a broken fixture is visible.
"""

import json
import os
import platform
import re
import sys
import traceback

TAGS = ["models", "admin"]

SETTINGS_RE = re.compile(
    r"""os\.environ\.setdefault\(\s*["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([^"']+)["']\s*\)"""
)


def settings_module_of(fixture_dir):
    manage = os.path.join(fixture_dir, "manage.py")
    with open(manage, encoding="utf-8") as f:
        text = f.read()
    m = SETTINGS_RE.search(text)
    if not m:
        raise RuntimeError(
            "%s has no os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...) line" % manage
        )
    return m.group(1)


def level_name(level):
    from django.core import checks

    names = {
        checks.DEBUG: "debug",
        checks.INFO: "info",
        checks.WARNING: "warning",
        checks.ERROR: "error",
        checks.CRITICAL: "critical",
    }
    if level in names:
        return names[level]
    # Non-standard numeric level: name it by the nearest standard level below it.
    for threshold in sorted(names, reverse=True):
        if level >= threshold:
            return names[threshold]
    return "debug"


def object_of(message):
    """Exactly what CheckMessage.__str__ prints before the colon."""
    from django.db import models

    obj = message.obj
    if obj is None:
        return "?"
    if isinstance(obj, models.base.ModelBase):
        return obj._meta.label
    return str(obj)


def as_finding(message):
    return {
        "id": message.id,
        "level": level_name(message.level),
        "object": object_of(message),
        "message": str(message.msg),
        "hint": None if message.hint is None else str(message.hint),
    }


def exception_finding(check_id, exc):
    return {
        "id": check_id,
        "level": "critical",
        "object": "?",
        "message": "%s: %s" % (type(exc).__name__, exc),
        "hint": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    }


def new_sqlite_files():
    """SQLite database files that do not exist yet.

    Some model checks open a connection (fields.E180 asks SQLite whether it supports
    JSON, which creates an empty database file); the fixture tree should stay clean.
    """
    from django.conf import settings

    paths = []
    for db in settings.DATABASES.values():
        name = str(db.get("NAME") or "")
        if "sqlite" in str(db.get("ENGINE", "")) and name and not name.startswith(("file:", ":memory:")):
            if not os.path.exists(name):
                paths.append(os.path.abspath(name))
    return paths


def remove_empty(paths):
    if not paths:
        return
    from django.db import connections

    connections.close_all()
    for path in paths:
        try:
            if os.path.getsize(path) == 0:
                os.remove(path)
        except OSError:
            pass


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print("usage: django_checks.py FIXTURE_DIR", file=sys.stderr)
        return 2
    fixture = os.path.abspath(argv[1])

    report = {
        "django_version": None,
        "python_version": platform.python_version(),
        "settings_module": None,
        "tags": TAGS,
        "findings": [],
    }
    status = 0
    try:
        import django

        report["django_version"] = django.get_version()
        settings_module = settings_module_of(fixture)
        report["settings_module"] = settings_module
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
        sys.path.insert(0, fixture)
        os.chdir(fixture)
        django.setup()
    except Exception as exc:  # noqa: BLE001 - report anything, the fixture is broken
        report["findings"].append(exception_finding("djsa-conformance.setup", exc))
        status = 1
    else:
        created = new_sqlite_files()
        try:
            from django.core import checks

            messages = checks.run_checks(tags=TAGS)
            report["findings"] = [as_finding(m) for m in messages if not m.is_silenced()]
        except Exception as exc:  # noqa: BLE001
            report["findings"].append(exception_finding("djsa-conformance.checks", exc))
            status = 1
        finally:
            remove_empty(created)

    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Build a migration conformance case from a spec (used once per case; the results are committed).

    make_case.py SPEC.py OUTDIR PYTHON

SPEC.py defines APPS (list of app labels), BEFORE and AFTER: dicts app -> models.py source,
optionally SETTINGS_EXTRA (appended to settings.py), MAKE_ARGS (extra args for djsa/Django) and
EXTRA_FILES (path in the case -> text, e.g. an app's fields.py, written before both states).
The "before" models get their migrations from real Django (PYTHON is a venv interpreter), then
the "after" models are written: the case's migrations are behind its models by one change.
"""

import os
import runpy
import shutil
import subprocess
import sys

SETTINGS = '''"""Settings of a migration conformance case."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "migration-conformance"
DEBUG = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
%(apps)s]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
%(extra)s'''

MANAGE = '''#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''


def main():
    spec_path, out, python = sys.argv[1:4]
    spec = runpy.run_path(spec_path)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "proj"))
    with open(os.path.join(out, "manage.py"), "w") as f:
        f.write(MANAGE)
    open(os.path.join(out, "proj", "__init__.py"), "w").close()
    apps = "".join('    "%s",\n' % a for a in spec["APPS"])
    with open(os.path.join(out, "proj", "settings.py"), "w") as f:
        f.write(SETTINGS % {"apps": apps, "extra": spec.get("SETTINGS_EXTRA", "")})
    for app in spec["APPS"]:
        d = os.path.join(out, app)
        os.makedirs(os.path.join(d, "migrations"))
        open(os.path.join(d, "__init__.py"), "w").close()
        open(os.path.join(d, "migrations", "__init__.py"), "w").close()
        with open(os.path.join(d, "models.py"), "w") as f:
            f.write(spec["BEFORE"].get(app, "from django.db import models\n"))
    for rel, text in spec.get("EXTRA_FILES", {}).items():
        with open(os.path.join(out, rel), "w") as f:
            f.write(text)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    if spec.get("BEFORE_MIGRATE", True):
        subprocess.run([python, "manage.py", "makemigrations", "--noinput", "-v", "0"], cwd=out, check=True, env=env)
    for app in spec["APPS"]:
        with open(os.path.join(out, app, "models.py"), "w") as f:
            f.write(spec["AFTER"].get(app, spec["BEFORE"].get(app, "from django.db import models\n")))
    if spec.get("MAKE_ARGS"):
        with open(os.path.join(out, "args.txt"), "w") as f:
            f.write(" ".join(spec["MAKE_ARGS"]) + "\n")
    for root, dirs, files in os.walk(out):
        for d in list(dirs):
            if d == "__pycache__":
                shutil.rmtree(os.path.join(root, d))
                dirs.remove(d)
    db = os.path.join(out, "db.sqlite3")
    if os.path.exists(db):
        os.remove(db)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Conformance harness: djsa must report exactly what real Django reports.

For every fixture project tests/fixtures/<case>/ that has a manage.py (or only the
cases named on the command line), and for every conformance venv (dj52, dj61; see
scripts/setup-venvs.sh):

  1. Django's findings: <venv>/bin/python tests/conformance/django_checks.py <fixture>
     (real ``run_checks(tags=["models", "admin"])``, SILENCED_SYSTEM_CHECKS honoured);
  2. djsa's findings:   djsa check <fixture> --output-format json
     with VIRTUAL_ENV=<venv> and <venv>/bin first on PATH, so djsa finds that venv's
     Python, Django version and installed apps;
  3. compares them as multisets of (code, object, message, hint), and the severity of
     each matched finding against Django's level. djsa's own codes (DJSA...) are not
     Django's and are left out; so are third-party apps' check IDs on Django's side.

Per fixture:
  expected_ids.txt  IDs that Django MUST report (guards against a fixture silently
                    turning clean). One per line, '#' comments; an ID may be followed
                    by the venvs it applies to: ``fields.E130 dj52`` or ``X dj52,dj61``.
  venvs.txt         if present, the venvs this fixture applies to (one per line);
                    other venvs are skipped for it.

Usage:
  tests/conformance/run_conformance.py                       # all fixtures, both venvs
  tests/conformance/run_conformance.py basic_errors --venv dj61
  tests/conformance/run_conformance.py --expect-django basic_errors   # Django's side only
  tests/conformance/run_conformance.py --json-report target/conformance.json

Prints OK or a readable diff per fixture x venv and ends with the line
``N passed, M failed`` (N/M count fixture x venv pairs). Exit status 1 if any failed,
2 on a usage error. Standard library only; runs with any python3 >= 3.8.
"""

import argparse
import collections
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
DJANGO_CHECKS = os.path.join(HERE, "django_checks.py")
ALL_VENVS = ("dj52", "dj61")
LEVELS = ("debug", "info", "warning", "error", "critical")
DJSA_PREFIX = "DJSA"
# Check-ID namespaces that belong to Django itself (core and django.contrib). Any other
# namespace (wagtailadmin.W001, taggit.E001, treebeard.E001, ...) is a third-party
# package's own check: out of djsa's scope, so not compared.
DJANGO_NAMESPACES = frozenset(
    """
    admin admindocs async auth caches commands contenttypes csrf database fields files
    flatpages gis humanize mail messages models postgres redirects security sessions
    signals sitemaps sites staticfiles syndication templates translation urls 4_0
    """.split()
)
TIMEOUT = 300  # seconds, per subprocess


# --------------------------------------------------------------------------- helpers


def read_lines(path):
    """Non-empty, non-comment lines of a text file ('#' starts a comment)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


def is_django_id(check_id):
    if not check_id:
        return False
    return check_id.split(".", 1)[0] in DJANGO_NAMESPACES


def tail(text, limit=2000):
    text = (text or "").strip()
    if len(text) > limit:
        return "...\n" + text[-limit:]
    return text


def indent(text, prefix="      "):
    return "\n".join(prefix + line for line in text.splitlines())


class Finding(object):
    """One check message, from either side, normalised for comparison."""

    __slots__ = ("code", "level", "object", "message", "hint", "where")

    def __init__(self, code, level, obj, message, hint, where=None):
        self.code = code
        self.level = level
        self.object = obj
        self.message = message
        self.hint = hint
        self.where = where  # "file:line:col" for djsa findings

    def key(self):
        return (self.code, self.object, self.message, self.hint)

    def as_json(self):
        d = {
            "code": self.code,
            "level": self.level,
            "object": self.object,
            "message": self.message,
            "hint": self.hint,
        }
        if self.where:
            d["where"] = self.where
        return d

    def render(self, mark):
        s = "%s %s [%s] %s: %s" % (mark, self.code, self.level, self.object, self.message)
        if self.hint is not None:
            s += "\n      HINT: %s" % self.hint
        if self.where:
            s += "\n      at %s" % self.where
        return s


# --------------------------------------------------------------------------- Django side


def run_django(venv_python, fixture):
    """Return (report dict or None, error text or None)."""
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("PYTHONPATH", None)
    try:
        proc = subprocess.run(
            [venv_python, DJANGO_CHECKS, fixture],
            cwd=fixture,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            encoding="utf-8",
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None, "django_checks.py timed out after %ss" % TIMEOUT
    except OSError as exc:
        return None, "cannot run %s: %s" % (venv_python, exc)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return None, "django_checks.py exited %s without JSON output\n%s" % (
            proc.returncode,
            tail(proc.stdout + "\n" + proc.stderr),
        )
    if proc.returncode != 0:
        lines = ["Django could not check this fixture (django_checks.py exited %s):" % proc.returncode]
        for f in report.get("findings", []):
            if str(f.get("id", "")).startswith("djsa-conformance."):
                lines.append("%s: %s" % (f["id"], f["message"]))
                if f.get("hint"):
                    lines.append(tail(f["hint"]))
        if proc.stderr.strip():
            lines.append(tail(proc.stderr))
        return report, "\n".join(lines)
    return report, None


def django_findings(report):
    """Split Django's findings into (compared, third-party-ignored)."""
    compared, ignored = [], []
    for f in report.get("findings", []):
        finding = Finding(f.get("id"), f.get("level"), f.get("object"), f.get("message"), f.get("hint"))
        (compared if is_django_id(finding.code) else ignored).append(finding)
    return compared, ignored


def check_expected_ids(fixture, venv, findings):
    """Return the IDs expected_ids.txt requires for this venv that Django did not report."""
    path = os.path.join(fixture, "expected_ids.txt")
    if not os.path.exists(path):
        return []
    reported = set(f.code for f in findings)
    missing = []
    for line in read_lines(path):
        parts = line.split(None, 1)
        check_id = parts[0]
        if len(parts) == 2:
            applies = [v.strip() for v in parts[1].replace(",", " ").split()]
            if venv not in applies:
                continue
        if check_id not in reported:
            missing.append(check_id)
    return missing


# --------------------------------------------------------------------------- djsa side


def run_djsa(djsa_bin, venv_dir, fixture):
    """Return (list of Finding (DJSA codes included) or None, error text or None, info)."""
    info = {"exit_code": None, "djsa_own_codes": 0}
    if not os.path.exists(djsa_bin):
        return None, (
            "djsa binary not found at %s\n"
            "build it with `cargo build -p djsa`, or pass --djsa PATH / set DJSA_BIN" % djsa_bin
        ), info
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = venv_dir
    env["PATH"] = os.path.join(venv_dir, "bin") + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("PYTHONPATH", None)
    cmd = [djsa_bin, "check", fixture, "--output-format", "json"]
    try:
        proc = subprocess.run(
            cmd,
            cwd=fixture,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            universal_newlines=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return None, "`%s` timed out after %ss" % (" ".join(cmd), TIMEOUT), info
    except OSError as exc:
        return None, "cannot run %s: %s" % (djsa_bin, exc), info
    info["exit_code"] = proc.returncode
    where = "`%s` (exit %s)" % (" ".join(cmd), proc.returncode)
    if proc.returncode not in (0, 1):
        return None, "%s failed\nstderr:\n%s\nstdout:\n%s" % (
            where,
            indent(tail(proc.stderr) or "(empty)", "  "),
            indent(tail(proc.stdout, 1000) or "(empty)", "  "),
        ), info
    try:
        doc = json.loads(proc.stdout)
    except ValueError as exc:
        return None, "%s printed invalid JSON (%s)\nstdout:\n%s\nstderr:\n%s" % (
            where,
            exc,
            indent(tail(proc.stdout, 1000) or "(empty)", "  "),
            indent(tail(proc.stderr, 1000) or "(empty)", "  "),
        ), info
    problems = []
    if not isinstance(doc, dict) or not isinstance(doc.get("diagnostics"), list):
        return None, '%s: JSON is not {"version": 1, "diagnostics": [...]}:\n  %s' % (
            where,
            tail(proc.stdout, 500),
        ), info
    if doc.get("version") != 1:
        problems.append('JSON "version" is %r, expected 1' % (doc.get("version"),))
    findings = []
    for i, d in enumerate(doc["diagnostics"]):
        if not isinstance(d, dict) or not isinstance(d.get("code"), str):
            problems.append("diagnostics[%d] has no string 'code': %r" % (i, d))
            continue
        for field in ("severity", "message"):
            if not isinstance(d.get(field), str):
                problems.append("diagnostics[%d] (%s) has no string '%s'" % (i, d.get("code"), field))
        obj = d.get("object")
        loc = None
        if d.get("file") is not None:
            loc = "%s:%s:%s" % (d.get("file"), d.get("line"), d.get("column"))
        findings.append(
            Finding(
                d["code"],
                d.get("severity"),
                "?" if obj is None else obj,
                d.get("message"),
                d.get("hint"),
                loc,
            )
        )
    has_any = bool(doc["diagnostics"])
    if proc.returncode == 0 and has_any:
        problems.append("exit code 0 (clean) but %d diagnostics printed" % len(doc["diagnostics"]))
    if proc.returncode == 1 and not has_any:
        problems.append("exit code 1 (findings) but no diagnostics printed")
    info["djsa_own_codes"] = sum(1 for f in findings if f.code.startswith(DJSA_PREFIX))
    return findings, ("\n".join(problems) if problems else None), info


# --------------------------------------------------------------------------- comparison


def compare(django, djsa):
    """Return (missing, extra, near_misses, severity_mismatches)."""
    dj_by_key = collections.defaultdict(list)
    for f in django:
        dj_by_key[f.key()].append(f)
    sa_by_key = collections.defaultdict(list)
    for f in djsa:
        sa_by_key[f.key()].append(f)

    missing, extra, severity = [], [], []
    for key in sorted(set(dj_by_key) | set(sa_by_key), key=lambda k: tuple(str(x) for x in k)):
        dj = dj_by_key.get(key, [])
        sa = sa_by_key.get(key, [])
        n = min(len(dj), len(sa))
        dj_levels = sorted(f.level for f in dj[:n])
        sa_levels = sorted(f.level for f in sa[:n])
        if dj_levels != sa_levels:
            severity.append((dj[0], dj_levels, sa_levels, sa[0]))
        missing.extend(dj[n:])
        extra.extend(sa[n:])

    # Pair a missing finding with an extra one of the same code and object: a finding
    # that djsa has, but with different text, reads better as one "differs" entry.
    near = []
    for m in list(missing):
        for e in extra:
            if e.code == m.code and e.object == m.object:
                near.append((m, e))
                missing.remove(m)
                extra.remove(e)
                break
    return missing, extra, near, severity


def render_near(m, e):
    lines = ["~ %s %s: djsa reports it, but differently" % (m.code, m.object)]
    for attr in ("message", "hint", "level"):
        a, b = getattr(m, attr), getattr(e, attr)
        if a != b:
            lines.append("      %-7s Django: %r" % (attr, a))
            lines.append("      %-7s djsa:   %r" % ("", b))
    if e.where:
        lines.append("      at %s" % e.where)
    return "\n".join(lines)


# --------------------------------------------------------------------------- driver


def discover_fixtures(names):
    if not os.path.isdir(FIXTURES):
        return [], ["no fixtures directory %s" % FIXTURES]
    available = sorted(
        d for d in os.listdir(FIXTURES) if os.path.isfile(os.path.join(FIXTURES, d, "manage.py"))
    )
    if not names:
        return [os.path.join(FIXTURES, d) for d in available], []
    chosen, errors = [], []
    for name in names:
        path = name if os.path.isdir(name) else os.path.join(FIXTURES, name.rstrip("/"))
        if os.path.isfile(os.path.join(path, "manage.py")):
            chosen.append(os.path.abspath(path))
        else:
            errors.append("unknown fixture %r (fixtures with a manage.py: %s)" % (name, ", ".join(available)))
    return chosen, errors


def fixture_venvs(fixture):
    path = os.path.join(fixture, "venvs.txt")
    if not os.path.exists(path):
        return None
    return set(read_lines(path))


def main(argv=None):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")
        except (AttributeError, ValueError):
            pass

    parser = argparse.ArgumentParser(
        description="Compare djsa's findings with real Django's system checks on fixture projects.",
    )
    parser.add_argument("fixtures", nargs="*", metavar="FIXTURE", help="fixture names under tests/fixtures/ (default: all)")
    parser.add_argument("--venv", action="append", choices=ALL_VENVS, help="venv(s) to use (repeatable; default: all)")
    parser.add_argument(
        "--venv-dir",
        default=os.environ.get("DJSA_VENV_DIR") or os.path.join(REPO, "target", "venvs"),
        help="where scripts/setup-venvs.sh put the venvs (default: $DJSA_VENV_DIR or target/venvs)",
    )
    parser.add_argument(
        "--djsa",
        default=os.environ.get("DJSA_BIN") or os.path.join(REPO, "target", "debug", "djsa"),
        help="djsa binary (default: $DJSA_BIN or target/debug/djsa)",
    )
    parser.add_argument(
        "--expect-django",
        action="store_true",
        help="only run Django and print its findings (for fixture authors); djsa is not run",
    )
    parser.add_argument("--json-report", metavar="FILE", help="also write every result as JSON to FILE")
    args = parser.parse_args(argv)

    fixtures, errors = discover_fixtures(args.fixtures)
    if errors:
        for e in errors:
            print("error: " + e, file=sys.stderr)
        return 2
    if not fixtures:
        print("error: no fixtures found under %s" % FIXTURES, file=sys.stderr)
        return 2
    venvs = args.venv or list(ALL_VENVS)
    djsa_bin = os.path.abspath(args.djsa)
    venv_root = os.path.abspath(args.venv_dir)

    results = []
    passed = failed = skipped = 0
    for fixture in fixtures:
        case = os.path.basename(fixture)
        applies = fixture_venvs(fixture)
        for venv in venvs:
            if applies is not None and venv not in applies:
                print("SKIP %s [%s]: not listed in venvs.txt" % (case, venv))
                skipped += 1
                continue
            result = run_pair(case, fixture, venv, os.path.join(venv_root, venv), djsa_bin, args.expect_django)
            results.append(result)
            if result["status"] == "ok":
                passed += 1
            else:
                failed += 1

    if args.json_report:
        report = {
            "djsa": None if args.expect_django else djsa_bin,
            "venv_dir": venv_root,
            "results": results,
            "passed": passed,
            "failed": failed,
            "skipped": skipped,
        }
        report_dir = os.path.dirname(os.path.abspath(args.json_report))
        if not os.path.isdir(report_dir):
            os.makedirs(report_dir)
        with open(args.json_report, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("JSON report written to %s" % args.json_report)
    if skipped:
        print("(%d fixture x venv pair(s) skipped by venvs.txt)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def run_pair(case, fixture, venv, venv_dir, djsa_bin, expect_django):
    result = {
        "fixture": case,
        "venv": venv,
        "django_version": None,
        "status": "ok",
        "errors": [],
        "django_findings": [],
        "django_ignored_third_party": [],
        "djsa_findings": [],
        "missing_in_djsa": [],
        "extra_in_djsa": [],
        "differs": [],
        "severity_mismatches": [],
    }
    out = []

    def fail(msg):
        result["status"] = "fail"
        result["errors"].append(msg)
        out.append(indent(msg, "  "))

    venv_python = os.path.join(venv_dir, "bin", "python")
    if not os.path.exists(venv_python):
        fail("venv %s not found at %s: run scripts/setup-venvs.sh" % (venv, venv_dir))
        return finish(result, case, venv, out)

    report, error = run_django(venv_python, fixture)
    if report is not None:
        result["django_version"] = report.get("django_version")
    if error:
        fail(error)
        return finish(result, case, venv, out)
    django, ignored = django_findings(report)
    result["django_findings"] = [f.as_json() for f in django]
    result["django_ignored_third_party"] = [f.as_json() for f in ignored]
    if ignored:
        out.append("  note: %d third-party check message(s) not compared: %s"
                   % (len(ignored), ", ".join(sorted(set(str(f.code) for f in ignored)))))
    missing_ids = check_expected_ids(fixture, venv, django)
    if missing_ids:
        fail("expected_ids.txt: Django did not report %s -- has the fixture stopped triggering them?"
             % ", ".join(missing_ids))

    if expect_django:
        ids = collections.Counter(f.code for f in django)
        out.append("  Django %s reports %d finding(s)%s" % (
            result["django_version"], len(django), (": " + ", ".join(
                "%s x%d" % (k, v) if v > 1 else k for k, v in sorted(ids.items()))) if ids else ""))
        for f in django:
            out.append(indent(f.render("*"), "    "))
        return finish(result, case, venv, out)

    djsa, error, info = run_djsa(djsa_bin, venv_dir, fixture)
    result["djsa_exit_code"] = info["exit_code"]
    if error:
        fail(error)
    if djsa is None:
        return finish(result, case, venv, out)
    result["djsa_findings"] = [f.as_json() for f in djsa]
    compared = [f for f in djsa if not f.code.startswith(DJSA_PREFIX)]
    if info["djsa_own_codes"]:
        out.append("  note: %d djsa-specific (DJSA*) diagnostic(s) not compared" % info["djsa_own_codes"])

    missing, extra, near, severity = compare(django, compared)
    result["missing_in_djsa"] = [f.as_json() for f in missing]
    result["extra_in_djsa"] = [f.as_json() for f in extra]
    result["differs"] = [{"django": m.as_json(), "djsa": e.as_json()} for m, e in near]
    result["severity_mismatches"] = [
        {"code": f.code, "object": f.object, "message": f.message, "django": dl, "djsa": sl}
        for f, dl, sl, _ in severity
    ]
    if missing or extra or near or severity:
        result["status"] = "fail"
        if missing:
            out.append("  missing in djsa (Django reports it, djsa does not):")
            out.extend(indent(f.render("-"), "    ") for f in missing)
        if extra:
            out.append("  extra in djsa (djsa reports it, Django does not):")
            out.extend(indent(f.render("+"), "    ") for f in extra)
        if near:
            out.append("  different in djsa (same code and object):")
            out.extend(indent(render_near(m, e), "    ") for m, e in near)
        if severity:
            out.append("  severity differs:")
            for f, dl, sl, sa in severity:
                out.append("    ~ %s %s: Django %s, djsa %s%s" % (
                    f.code, f.object, "/".join(dl), "/".join(str(x) for x in sl),
                    ("  (at %s)" % sa.where) if sa.where else ""))
    return finish(result, case, venv, out, len(django))


def finish(result, case, venv, out, count=None):
    label = "%s [%s%s]" % (case, venv, ", Django %s" % result["django_version"] if result["django_version"] else "")
    if result["status"] == "ok":
        suffix = " (%d finding(s) agree)" % count if count is not None else ""
        print("OK   %s%s" % (label, suffix))
    else:
        print("FAIL %s" % label)
    for line in out:
        print(line)
    sys.stdout.flush()
    return result


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Alembic conformance: `djsa alembic check` / `djsa alembic revision --autogenerate` against the
real Alembic, on every case tests/alembic_fixtures/<case>/ (alembic.ini, env.py, models.py,
versions/*.py; the default script.py.mako is copied from the installed alembic at test time).

For every case, in a fresh copy with a fresh SQLite database:
  1. `alembic upgrade head`, then `alembic check` (the verdict: clean, drift or error) and the
     operations alembic's comparison finds (alembic.autogenerate.compare_metadata, normalised to
     (kind, table, column)); djsa's verdict and operations (`djsa alembic check --output-format
     json`) must be the same. A case with expect.txt = "error" must make both refuse.
  2. on drift: `alembic revision --autogenerate` in one copy, `djsa alembic revision
     --autogenerate` in another; their texts are compared with the revision id and date masked
     (reported as "text: same" or "text: differs", not a failure), then in djsa's copy
     `alembic upgrade head` must succeed and `alembic check` must be clean, unless alembic's own
     revision fails to upgrade the same way (then both must fail: reported, not a failure).

Needs the `sqla` venv (created or refreshed by scripts/setup-venvs.sh sqla, which this script runs)
and a djsa binary (built with `cargo build -p djsa` unless --djsa is given).
Prints one line per case and `alembic conformance: N passed, M failed`; exit 1 on any failure.
Usage: run_alembic_conformance.py [CASE...] [--djsa PATH] [--venv DIR] [--show-diff]
"""
import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CASES = os.path.join(REPO, "tests", "alembic_fixtures")
TIMEOUT = 300

# Runs inside the venv in a case directory after `alembic upgrade head`: alembic's own comparison
# of the database with env.py's metadata, as JSON [(kind, table, column), ...].
COMPARE = textwrap.dedent(r'''
    import json, sys
    sys.path.insert(0, ".")
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    import sqlalchemy as sa
    import models
    engine = sa.create_engine(sys.argv[1])
    out = []
    def norm(d):
        kind = d[0]
        if kind in ("add_table", "remove_table"):
            return (kind, d[1].name, None)
        if kind in ("add_column", "remove_column"):
            return (kind, d[2], d[3].name)
        if kind.startswith("modify_"):
            return (kind, d[2], d[3])
        if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
            return (kind, d[1].table.name, None)
        if kind in ("add_fk", "remove_fk"):
            return (kind, d[1].parent.name, None)
        if kind.endswith("table_comment"):
            return (kind, d[1].name, None)
        return (kind, None, None)
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn)
        for d in compare_metadata(mc, models.Base.metadata):
            for x in (d if isinstance(d, list) else [d]):
                out.append(norm(x))
    print(json.dumps(out))
''')


def run(cmd, cwd=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timeout"


def fresh_copy(case_dir, tmp, name, template, url):
    d = os.path.join(tmp, name)
    shutil.copytree(case_dir, d)
    shutil.copy(template, os.path.join(d, "script.py.mako"))
    db = os.path.join(d, "test.db")
    if os.path.exists(db):
        os.remove(db)
    if url != SQLITE_URL:
        ini = os.path.join(d, "alembic.ini")
        with open(ini) as f:
            text = f.read()
        text = re.sub(r"(?m)^sqlalchemy\.url = .*$", "sqlalchemy.url = " + url.replace("%", "%%"), text)
        with open(ini, "w") as f:
            f.write(text)
    return d


SQLITE_URL = "sqlite:///test.db"

# Runs inside the venv: create or drop a PostgreSQL database (argv: server URL, action, name).
PG_ADMIN = textwrap.dedent(r'''
    import sys
    import sqlalchemy as sa
    engine = sa.create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text('DROP DATABASE IF EXISTS "%s"' % sys.argv[3]))
        if sys.argv[2] == "create":
            conn.execute(sa.text('CREATE DATABASE "%s"' % sys.argv[3]))
''')


def pg_url(server, dbname):
    return server.rsplit("/", 1)[0] + "/" + dbname


def mask(text):
    text = re.sub(r"Revision ID: \w+", "Revision ID: <rev>", text)
    text = re.sub(r"Create Date: .*", "Create Date: <date>", text)
    text = re.sub(r"revision: str = '\w+'", "revision: str = '<rev>'", text)
    return text


def new_revision(d, before):
    after = set(os.listdir(os.path.join(d, "versions")))
    new = sorted(after - before)
    new = [n for n in new if n.endswith(".py")]
    if len(new) != 1:
        return None
    with open(os.path.join(d, "versions", new[0])) as f:
        return f.read()


def check_case(name, alembic, python, djsa, template, show_diff, url=SQLITE_URL):
    """Returns (ok, detail)."""
    case_dir = os.path.join(CASES, name)
    expect = ""
    if os.path.exists(os.path.join(case_dir, "expect.txt")):
        expect = open(os.path.join(case_dir, "expect.txt")).read().strip()
    with tempfile.TemporaryDirectory(prefix="djsa-alembic-") as tmp:
        pg = []
        if url != SQLITE_URL:
            server = url
            url_a = pg_url(server, "djsa_alembic_%d_a" % os.getpid())
            url_d = pg_url(server, "djsa_alembic_%d_d" % os.getpid())
            for u in (url_a, url_d):
                name_db = u.rsplit("/", 1)[1]
                code, _, err = run([python, "-c", PG_ADMIN, server, "create", name_db])
                if code != 0:
                    return False, "cannot create PostgreSQL database: %s" % err.strip()[-300:]
                pg.append(name_db)
        else:
            url_a = url_d = SQLITE_URL
        try:
            return check_in(name, case_dir, tmp, alembic, python, djsa, template, show_diff, expect, url_a, url_d)
        finally:
            for name_db in pg:
                run([python, "-c", PG_ADMIN, url, "drop", name_db])


def check_in(name, case_dir, tmp, alembic, python, djsa, template, show_diff, expect, url_a, url_d):
    """One case on one database: (ok, detail)."""
    a = fresh_copy(case_dir, tmp, "alembic", template, url_a)
    up_code, _, up_err = run([alembic, "upgrade", "head"], cwd=a)
    if up_code == 0:
        chk_code, chk_out, chk_err = run([alembic, "check"], cwd=a)
    else:
        chk_code, chk_out, chk_err = up_code, "", up_err
    if up_code != 0:
        verdict = "error"
    elif chk_code == 0:
        verdict = "clean"
    elif "New upgrade operations detected" in chk_out + chk_err:
        verdict = "drift"
    else:
        verdict = "error"
    alembic_ops = []
    if up_code == 0:
        code, out, err = run([python, "-c", COMPARE, url_a], cwd=a)
        if code != 0:
            return False, "alembic compare_metadata failed: %s" % err.strip()[-400:]
        alembic_ops = sorted(tuple(x) for x in json.loads(out))

    d = fresh_copy(case_dir, tmp, "djsa", template, url_d)
    code, out, err = run([djsa, "alembic", "check", d, "--output-format", "json"])
    try:
        report = json.loads(out)
    except ValueError:
        return False, "djsa alembic check printed no JSON (exit %d): %s" % (code, err.strip()[-400:])
    djsa_ops = []
    compared = all(e["compared"] for e in report["environments"])
    for e in report["environments"]:
        for op in e["operations"]:
            djsa_ops.append((op["kind"], op["table"], op["column"]))
    djsa_ops.sort()
    djsa_verdict = "error" if code == 2 or not compared else ("drift" if code == 1 else "clean")
    if expect and verdict != expect:
        return False, "alembic verdict %s, expected %s" % (verdict, expect)
    if djsa_verdict != verdict:
        return False, "verdict: alembic %s (exit %d), djsa %s (exit %d) %s" % (
            verdict, chk_code, djsa_verdict, code, (chk_out + chk_err).strip()[-300:])
    if verdict != "error" and djsa_ops != alembic_ops:
        return False, "operations differ: alembic %s, djsa %s" % (alembic_ops, djsa_ops)
    if verdict != "drift":
        return True, "%s, %d operations" % (verdict, len(alembic_ops))

    # 2. The revision file.
    before = set(os.listdir(os.path.join(a, "versions")))
    code, _, err = run([alembic, "revision", "--autogenerate", "-m", "auto"], cwd=a)
    alembic_text = new_revision(a, before) if code == 0 else None
    before = set(os.listdir(os.path.join(d, "versions")))
    code, _, err = run([djsa, "alembic", "revision", "--autogenerate", "-m", "auto", d])
    if code != 0:
        return False, "djsa alembic revision failed (exit %d): %s" % (code, err.strip()[-400:])
    djsa_text = new_revision(d, before)
    if djsa_text is None:
        return False, "djsa alembic revision wrote no single new file"
    same = alembic_text is not None and mask(alembic_text) == mask(djsa_text)
    if not same and show_diff and alembic_text is not None:
        sys.stdout.writelines(difflib.unified_diff(
            mask(alembic_text).splitlines(True), mask(djsa_text).splitlines(True),
            "alembic", "djsa"))
    text = "text: same" if same else "text: differs"
    # Does alembic's own revision upgrade? (Some autogenerated revisions cannot run on SQLite.)
    own_code, _, own_err = run([alembic, "upgrade", "head"], cwd=a)
    code, _, up_err = run([alembic, "upgrade", "head"], cwd=d)
    if code != 0:
        if own_code != 0:
            return True, "drift, %d operations, %s; both revisions fail to upgrade on SQLite (%s)" % (
                len(alembic_ops), text, own_err.strip().splitlines()[-1] if own_err.strip() else "")
        return False, "alembic upgrade head of djsa's revision failed: %s" % up_err.strip()[-400:]
    code, out, err = run([alembic, "check"], cwd=d)
    if code != 0:
        return False, "after djsa's revision, alembic check is not clean: %s" % (out + err).strip()[-400:]
    return True, "drift, %d operations, %s; after djsa's revision alembic check is clean" % (
        len(alembic_ops), text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--djsa")
    ap.add_argument("--venv", default=os.path.join(
        os.environ.get("DJSA_VENV_DIR", os.path.join(REPO, "target", "venvs")), "sqla"))
    ap.add_argument("--show-diff", action="store_true")
    ap.add_argument("--postgresql", default=os.environ.get(
        "DJSA_ALEMBIC_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="server URL for the PostgreSQL runs (a database per case is created and dropped)")
    ap.add_argument("--sqlite-only", action="store_true")
    args = ap.parse_args()
    code, out, err = run([os.path.join(REPO, "scripts", "setup-venvs.sh"), "sqla"])
    if code != 0:
        print("setup-venvs.sh sqla failed: %s" % (out + err).strip()[-600:])
        return 1
    djsa = args.djsa
    if djsa is None:
        code, out, err = run(["cargo", "build", "-q", "-p", "djsa"], cwd=REPO)
        if code != 0:
            print("cargo build -p djsa failed: %s" % err.strip()[-600:])
            return 1
        djsa = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "debug", "djsa")
    djsa = os.path.abspath(djsa)
    python = os.path.join(args.venv, "bin", "python")
    alembic = os.path.join(args.venv, "bin", "alembic")
    code, out, err = run([python, "-c", "import alembic, os; print(os.path.dirname(alembic.__file__))"])
    if code != 0:
        print("alembic is not importable in %s" % args.venv)
        return 1
    template = os.path.join(out.strip(), "templates", "generic", "script.py.mako")
    names = args.cases or sorted(
        n for n in os.listdir(CASES) if os.path.isdir(os.path.join(CASES, n)))
    runs = [("sqlite", SQLITE_URL)]
    if not args.sqlite_only:
        code, _, err = run([python, "-c", "import sqlalchemy as sa, sys; sa.create_engine(sys.argv[1]).connect().close()", args.postgresql])
        if code == 0:
            runs.append(("postgresql", args.postgresql))
        else:
            print("postgresql: not reachable at %s: PostgreSQL runs skipped (%s)" % (
                args.postgresql, err.strip().splitlines()[-1] if err.strip() else "?"))
    passed = failed = 0
    same_text = 0
    for n in names:
        for dialect, url in runs:
            ok, detail = check_case(n, alembic, python, djsa, template, args.show_diff, url)
            print("%s %s [%s]: %s" % ("PASS" if ok else "FAIL", n, dialect, detail))
            if ok:
                passed += 1
            else:
                failed += 1
            if "text: same" in detail:
                same_text += 1
    print("revision text identical to alembic's (id and date masked): %d run(s)" % same_text)
    print("alembic conformance: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

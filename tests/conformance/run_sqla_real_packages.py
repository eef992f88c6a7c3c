#!/usr/bin/env python3
"""Index accuracy on real code: for installed PyPI packages with SQLAlchemy models, the tables and
columns djsa finds statically must equal what importing the package's metadata reports.

Needs a venv with the packages installed (not part of scripts/test.sh: it downloads large
packages). Example:

    python3 -m venv /tmp/real && /tmp/real/bin/pip install optuna
    python3 tests/conformance/run_sqla_real_packages.py --venv /tmp/real optuna=optuna.storages._rdb.models

Each argument is PACKAGE[=MODULE,...] (default: every module of the package that declares tables,
outside migration directories; those that fail to import are left out on both sides): the package directory is copied from the venv's
site-packages to a temporary tree (so djsa sees it as a project), djsa runs `debug-sqla` on it, and
the venv imports the modules and walks their MetaData. Same comparison as
run_sqla_conformance.py (a). Prints per-table results and ends with ``N passed, M failed``.
"""

import argparse
import glob
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_sqla_conformance as conf  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("packages", nargs="+")
    ap.add_argument("--venv", required=True)
    ap.add_argument("--djsa", default=os.path.join(conf.REPO, "target", "debug", "djsa"))
    args = ap.parse_args()
    py = os.path.join(args.venv, "bin", "python")
    site = glob.glob(os.path.join(args.venv, "lib", "python3*", "site-packages"))[0]
    passed = failed = 0
    for spec in args.packages:
        pkg, _, mods = spec.partition("=")
        tmp = tempfile.mkdtemp(prefix="djsa-real-")
        try:
            shutil.copytree(os.path.join(site, pkg), os.path.join(tmp, pkg),
                            ignore=shutil.ignore_patterns("__pycache__", "tests", "*.so"))

            def report(ok, what, detail=""):
                nonlocal passed, failed
                if ok:
                    passed += 1
                    print("ok   %s: %s" % (pkg, what))
                else:
                    failed += 1
                    print("FAIL %s: %s: %s" % (pkg, what, detail))

            if mods:
                modules = mods.split(",")
            else:
                # Every module that declares tables, outside migration directories; optional
                # ("?"): a module whose dependencies are not installed is left out on both sides.
                modules = []
                for dirpath, dirnames, files in os.walk(os.path.join(tmp, pkg)):
                    dirnames[:] = [d for d in dirnames if d not in ("versions", "migrations", "db_migrations", "alembic", "tests")]
                    for fn in files:
                        if not fn.endswith(".py"):
                            continue
                        path = os.path.join(dirpath, fn)
                        with open(path, encoding="utf-8", errors="replace") as f:
                            text = f.read()
                        if "__tablename__" in text or "Table(" in text:
                            rel = os.path.relpath(path, tmp)[:-3].replace(os.sep, ".")
                            modules.append("?" + rel.removesuffix(".__init__"))
            conf.compare_index(tmp, py, args.djsa, report, modules)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check that generated projects are clean according to real Django.

    python3 bench/verify_project.py --python /path/to/venv/bin/python [--python ...] \
        [--config APPS,MODELS,MIGRATIONS,SEED ...] [--migrate] [--keep DIR]

For each config it generates a project with bench/gen_project.py and, with every interpreter,
runs `manage.py check` (must report no issues), `manage.py makemigrations --check --dry-run`
(must print "No changes detected" when the project has migrations) and, with --migrate,
`manage.py migrate` on a fresh SQLite file. Exit status 1 if anything is not clean.
Standard library only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(py, args, cwd):
    p = subprocess.run([py, "manage.py", *args], cwd=cwd, capture_output=True, text=True)
    return p.returncode, (p.stdout + p.stderr).strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--python", action="append", required=True, help="interpreter with Django")
    ap.add_argument("--config", action="append", default=[],
                    help="APPS,MODELS_PER_APP,MIGRATIONS_PER_APP,SEED (repeatable)")
    ap.add_argument("--migrate", action="store_true", help="also run migrate on a fresh SQLite db")
    ap.add_argument("--keep", help="generate under this directory and keep the projects")
    a = ap.parse_args()
    configs = a.config or ["3,12,3,1", "10,20,3,1", "10,20,1,2", "8,15,5,4", "12,11,4,5"]
    base = a.keep or tempfile.mkdtemp(prefix="djsa-verify-")
    bad = 0
    for cfg in configs:
        n, m, k, seed = (int(x) for x in cfg.split(","))
        out = os.path.join(base, f"a{n}_m{m}_k{k}_s{seed}")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_project.py"), out, "--apps", str(n),
                        "--models-per-app", str(m), "--migrations-per-app", str(k),
                        "--seed", str(seed), "--quiet"], check=True)
        for py in a.python:
            ver = subprocess.run([py, "-c", "import django; print(django.get_version())"],
                                 capture_output=True, text=True).stdout.strip()
            results = []
            rc, text = run(py, ["check"], out)
            ok = rc == 0 and "System check identified no issues" in text
            results.append(("check", ok, text))
            if k > 0:
                rc, text = run(py, ["makemigrations", "--check", "--dry-run"], out)
                results.append(("makemigrations", rc == 0 and "No changes detected" in text, text))
                if a.migrate:
                    db = os.path.join(out, "db.sqlite3")
                    if os.path.exists(db):
                        os.remove(db)
                    rc, text = run(py, ["migrate", "--noinput"], out)
                    results.append(("migrate", rc == 0, text))
                    if os.path.exists(db):
                        os.remove(db)
            status = " ".join(f"{name}={'ok' if ok else 'FAIL'}" for name, ok, _ in results)
            print(f"{cfg:>14}  Django {ver:<8} {status}")
            for name, ok, text in results:
                if not ok:
                    bad += 1
                    print(f"--- {name} output:\n{text[-3000:]}\n---")
    if not a.keep:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

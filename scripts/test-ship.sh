#!/usr/bin/env bash
# Shipping as a user meets it:
#  1. the pip wheel: maturin builds it (bin bindings, dev profile to keep the build short) and
#     the sdist, pip installs the wheel into a fresh venv, and the venv's `djsa` checks the
#     bundled example, answers `--version` and serves one LSP session (initialize, diagnostics,
#     shutdown, exit);
#  2. the pre-commit hooks: real pre-commit (PyPI) runs .pre-commit-hooks.yaml from a git
#     snapshot of this working tree on a small Django project in a temporary git repository:
#     clean passes; a model change without a migration fails djsa-makemigrations-check; a check
#     error fails djsa-check.
# Everything lives under target/ship (fresh each run) and target/venvs/ship-*; Rust builds use
# their own target directory (target/ship-cargo) so they never replace the binary other test
# suites use. Needs python3 (3.8+), git, and network access to PyPI for maturin and pre-commit.
# Exits non-zero on the first failure.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

say() { printf 'ship: %s\n' "$*"; }
fail() { printf 'ship: FAIL: %s\n' "$*" >&2; exit 1; }
start=$SECONDS
lap() { say "  ($(( SECONDS - lap_start )) s)"; lap_start=$SECONDS; }
lap_start=$SECONDS

work="$repo/target/ship"
venvs="$repo/target/venvs"
rm -rf "$work" "$venvs"/ship-*
mkdir -p "$work" "$venvs"
# (DJSA_SHIP_TARGET_DIR overrides it, e.g. to share a CI cache.)
export CARGO_TARGET_DIR="${DJSA_SHIP_TARGET_DIR:-$repo/target/ship-cargo}"
# pre-commit and pip must not see the caller's environment or configuration.
unset VIRTUAL_ENV PYTHONPATH PRE_COMMIT_COLOR || true
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

version="$(sed -n '/^version = "/{s/^version = "\(.*\)"/\1/p;q}' Cargo.toml)"
[[ -n "$version" ]] || fail "no workspace version in Cargo.toml"

say "tools venv (maturin, pre-commit; tests/ship/requirements.txt)"
python3 -m venv "$venvs/ship-tools"
"$venvs/ship-tools/bin/pip" install -q -r tests/ship/requirements.txt
tools="$venvs/ship-tools/bin"
lap

# ---------------------------------------------------------------------------------------------
say "1. wheel: maturin build --profile dev"
"$tools/maturin" build --profile dev --out "$work/wheels" >"$work/maturin.log" 2>&1 ||
  { tail -n 30 "$work/maturin.log"; fail "maturin build"; }
wheels=("$work"/wheels/djsa-"$version"-*.whl)
[[ ${#wheels[@]} -eq 1 && -f "${wheels[0]}" ]] || fail "expected one djsa-$version wheel in $work/wheels: $(ls "$work/wheels")"
wheel="${wheels[0]}"
say "  $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
listing="$("$tools/python" -m zipfile -l "$wheel")"
grep -q "djsa-$version.data/scripts/djsa" <<<"$listing" || fail "the wheel has no djsa-$version.data/scripts/djsa:\n$listing"
grep -q 'METADATA' <<<"$listing" || fail "the wheel has no METADATA"
lap

say "   sdist (what pip builds from where no wheel fits)"
"$tools/maturin" sdist --out "$work/sdist" >"$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; fail "maturin sdist"; }
"$tools/python" - "$work/sdist/djsa-$version.tar.gz" "$version" <<'PY' || fail "the sdist is incomplete"
import sys, tarfile
names = set(tarfile.open(sys.argv[1]).getnames())
top = f"djsa-{sys.argv[2]}/"
need = ["pyproject.toml", "Cargo.toml", "Cargo.lock", "server/Cargo.toml", "server/src/main.rs",
        "analysis/Cargo.toml", "analysis/src/lib.rs", "alloc/Cargo.toml", "alloc/src/lib.rs", "PKG-INFO"]
missing = [n for n in need if top + n not in names]
if missing:
    sys.exit(f"missing from the sdist: {missing}")
PY
say "   pip install into a fresh venv"
python3 -m venv "$venvs/ship-pip"
"$venvs/ship-pip/bin/pip" install -q --no-index "$wheel"
bin="$venvs/ship-pip/bin/djsa"
[[ -x "$bin" ]] || fail "pip did not install $bin"
got="$("$bin" --version)"
[[ "$got" == "djsa $version" ]] || fail "djsa --version printed '$got', expected 'djsa $version'"
got="$("$venvs/ship-pip/bin/djsa" version)"
[[ "$got" == "djsa $version" ]] || fail "djsa version printed '$got'"
# `python -m pip show` sees the package as any other.
shown="$("$venvs/ship-pip/bin/pip" show djsa)"
grep -q "^Version: $version" <<<"$shown" || fail "pip show djsa: $shown"
say "   djsa check examples/bookshop (from the venv)"
set +e
"$bin" check examples/bookshop --python none >"$work/bookshop.txt" 2>"$work/bookshop.err"
code=$?
set -e
[[ $code -eq 1 ]] || { cat "$work/bookshop.txt" "$work/bookshop.err"; fail "djsa check examples/bookshop exited $code, expected 1 (it has findings)"; }
grep -q '^error\[fields.E001\]: catalog.Book.isbn_: Field names must not end with an underscore.' "$work/bookshop.txt" ||
  { cat "$work/bookshop.txt"; fail "the bookshop's fields.E001 is missing"; }
grep -q -- '--> catalog/models.py:33:5' "$work/bookshop.txt" || fail "code frame location missing"
grep -q '^Found [0-9]* issues\.$' "$work/bookshop.txt" || fail "no summary line"
! grep -q $'\x1b' "$work/bookshop.err" || fail "escape sequences on piped stderr"
# The same findings as the binary built by cargo for the tests, in machine-readable form.
"$bin" check examples/bookshop --python none --output-format json --exit-zero >"$work/bookshop.json"
n="$("$tools/python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["diagnostics"]))' "$work/bookshop.json")"
say "   $n findings, exit 1 as expected"
say "   djsa server: LSP handshake over stdio"
"$tools/python" tests/ship/lsp_smoke.py "$bin" examples/bookshop catalog/models.py fields.E001
lap

# ---------------------------------------------------------------------------------------------
say "2. pre-commit hooks from a git snapshot of this working tree"
hookrepo="$work/hook-repo"
mkdir -p "$hookrepo"
# Tracked and new (not ignored) files, as they are now: the lead commits later.
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [[ -e "$f" ]] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$hookrepo"
[[ -f "$hookrepo/.pre-commit-hooks.yaml" && -f "$hookrepo/pyproject.toml" ]] || fail "snapshot lacks the hook manifest or pyproject.toml"
write_migrations() {  # what Django's makemigrations writes, by the installed djsa
  "$bin" makemigrations --path . --python none >"$work/makemigrations.log" 2>&1 ||
    { cat "$work/makemigrations.log"; fail "djsa makemigrations in $PWD"; }
}
gitq() { git -c user.name=ship -c user.email=ship@example.invalid -c init.defaultBranch=main -c commit.gpgsign=false "$@"; }
(cd "$hookrepo" && gitq init -q && gitq add -A && gitq commit -q -m snapshot)
rev="$(git -C "$hookrepo" rev-parse HEAD)"
"$tools/pre-commit" validate-manifest "$hookrepo/.pre-commit-hooks.yaml"
say "   hook repo $hookrepo @ ${rev:0:12}"

proj="$work/project"
mkdir -p "$proj"
cd "$proj"
gitq init -q
cat >manage.py <<'EOF'
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notes_site.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
EOF
mkdir -p notes_site notes/migrations
: >notes_site/__init__.py
cat >notes_site/settings.py <<'EOF'
SECRET_KEY = "not-a-secret"
INSTALLED_APPS = ["notes"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EOF
: >notes/__init__.py
: >notes/migrations/__init__.py
cat >notes/models.py <<'EOF'
from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=100)
    body = models.TextField()
EOF
# The initial migration, written by the installed djsa (what Django's makemigrations writes).
write_migrations
[[ -f notes/migrations/0001_initial.py ]] || fail "djsa makemigrations wrote no 0001_initial.py"
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $hookrepo
    rev: $rev
    hooks:
      - id: djsa-check
        args: [--python, none]
      - id: djsa-makemigrations-check
        args: [--python, none]
EOF
gitq add -A && gitq commit -q -m clean

export PRE_COMMIT_HOME="$work/pre-commit-home"
# pip builds the hook repository with maturin: a dev build into the suite's own target dir.
export MATURIN_PEP517_ARGS="--profile dev"
run_hooks() {  # run_hooks NAME -> exit code in $hooks_code, output in $work/NAME.log
  set +e
  "$tools/pre-commit" run --all-files --color never >"$work/$1.log" 2>&1
  hooks_code=$?
  set -e
}
hook_status() {  # hook_status NAME HOOK-NAME -> Passed | Failed | ...
  sed -n "/^$2\.\{1,\}\(Passed\|Failed\|Skipped\)/{s/^$2\.\{1,\}\([A-Za-z]*\).*/\1/p;q}" "$work/$1.log"
}

say "   clean project (the first run installs the hooks: pip builds djsa with maturin)"
run_hooks clean
[[ $hooks_code -eq 0 ]] || { cat "$work/clean.log"; fail "pre-commit failed on a clean project"; }
[[ "$(hook_status clean 'djsa check')" == Passed ]] || { cat "$work/clean.log"; fail "djsa-check did not pass"; }
[[ "$(hook_status clean 'djsa makemigrations --check')" == Passed ]] || { cat "$work/clean.log"; fail "djsa-makemigrations-check did not pass"; }
hook_bin="$(find "$PRE_COMMIT_HOME" -path '*/py_env-*/bin/djsa' -print -quit)"
[[ -n "$hook_bin" ]] || fail "no djsa installed in the pre-commit environment"
[[ "$("$hook_bin" --version)" == "djsa $version" ]] || fail "pre-commit's djsa is not $version"
say "   passed (hook environment: ${hook_bin#"$work/"})"
lap

say "   a model change without a migration"
cat >>notes/models.py <<'EOF'
    summary = models.CharField(max_length=200, blank=True, default="")
EOF
gitq add -A
run_hooks missing-migration
[[ $hooks_code -ne 0 ]] || { cat "$work/missing-migration.log"; fail "pre-commit passed a model change without a migration"; }
[[ "$(hook_status missing-migration 'djsa makemigrations --check')" == Failed ]] ||
  { cat "$work/missing-migration.log"; fail "djsa-makemigrations-check did not fail"; }
grep -q "Add field summary to note" "$work/missing-migration.log" ||
  { cat "$work/missing-migration.log"; fail "the hook output does not name the missing operation"; }
say "   failed as expected (djsa-check: $(hook_status missing-migration 'djsa check'))"
# Writing the migration makes both hooks pass again.
write_migrations
gitq add -A
run_hooks migrated
[[ $hooks_code -eq 0 ]] || { cat "$work/migrated.log"; fail "pre-commit failed after the migration was written"; }
gitq commit -q -m "summary"
lap

say "   a check error (the migration is there)"
cat >notes/models.py <<'EOF'
from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=100)
    body = models.TextField()
    summary = models.CharField(max_length=200, blank=True, default="")


class Tag(models.Model):
    name = models.CharField(max_length=30)
    note = models.ForeignKey(Note, on_delete=models.CASCADE)
    main_note = models.ForeignKey(Note, on_delete=models.CASCADE)
EOF
write_migrations
gitq add -A
run_hooks check-error
[[ $hooks_code -ne 0 ]] || { cat "$work/check-error.log"; fail "pre-commit passed a project with a check error"; }
[[ "$(hook_status check-error 'djsa check')" == Failed ]] || { cat "$work/check-error.log"; fail "djsa-check did not fail"; }
[[ "$(hook_status check-error 'djsa makemigrations --check')" == Passed ]] ||
  { cat "$work/check-error.log"; fail "djsa-makemigrations-check should pass: the migration exists"; }
grep -q 'fields.E304' "$work/check-error.log" || { cat "$work/check-error.log"; fail "fields.E304 not reported"; }
say "   failed as expected (fields.E304)"
lap
cd "$repo"

say "all ship tests passed in $(( SECONDS - start )) s"
echo "ship: 6 passed, 0 failed"  # wheel, pip venv, LSP, and three pre-commit cases

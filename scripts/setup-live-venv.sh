#!/usr/bin/env bash
# Create the Python venvs the live-database tests run real Django `migrate` in:
#   target/venvs/live    (Python 3.12+, Django 6.1,     psycopg[binary], PyMySQL, SQLAlchemy, Alembic)
#   target/venvs/live52  (Python 3.12+, Django 5.2 LTS, psycopg[binary], PyMySQL)
#   scripts/setup-live-venv.sh [live|live52]   (default: both)
# Separate from dj52/dj61 (those hold the conformance pins and are not touched here).
# Idempotent: a marker holds a hash of the requirements and the Python version; a changed
# requirement file (or Python) reinstalls.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${DJSA_VENV_DIR:-$REPO/target/venvs}"

say() { printf 'setup-live-venv: %s\n' "$*"; }
die() { printf 'setup-live-venv: error: %s\n' "$*" >&2; exit 1; }

python_ok() {
    [ -n "$1" ] && "$1" -c "import sys; sys.exit(0 if sys.version_info[:2] >= (3, 12) else 1)" >/dev/null 2>&1
}

find_python() {
    local cand candidates=()
    [ -n "${DJSA_PYTHON_DJ61:-}" ] && candidates+=("$DJSA_PYTHON_DJ61")
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root 2>/dev/null || true)"
        if [ -n "$root" ]; then
            while IFS= read -r cand; do candidates+=("$cand"); done < <(
                ls -d "$root"/versions/3.12.*/bin/python3 2>/dev/null | sort -rV
                ls -d "$root"/versions/3.13.*/bin/python3 2>/dev/null | sort -rV
            )
        fi
    fi
    candidates+=("$(command -v python3.12 || true)" "$(command -v python3.13 || true)" "$(command -v python3 || true)")
    for cand in "${candidates[@]}"; do
        if python_ok "$cand"; then printf '%s\n' "$cand"; return 0; fi
    done
    return 1
}

setup() {
    local name="$1"
    local VENV="$VENV_DIR/$name"
    local REQ="$REPO/tests/live/requirements-$name.txt"
    local MARKER="$VENV/.djsa-requirements.sha256"
    local PY PYVER WANT HAVE
    [ -f "$REQ" ] || die "missing $REQ"
    PY="$(find_python)" || die "needs Python >= 3.12 (pyenv 3.12.x, python3.12/3.13 on PATH, or \$DJSA_PYTHON_DJ61)"
    PYVER="$("$PY" -c 'import platform; print(platform.python_version())')"
    WANT="$( { cat "$REQ"; printf 'python %s\n' "$PYVER"; } | sha256sum | cut -d' ' -f1)"
    HAVE=""
    [ -f "$MARKER" ] && HAVE="$(cat "$MARKER")"
    # Every package the requirement file names must import (SQLAlchemy and Alembic in `live`).
    local IMPORTS="import django, psycopg, pymysql"
    grep -qi '^sqlalchemy==' "$REQ" && IMPORTS="$IMPORTS, sqlalchemy"
    grep -qi '^alembic==' "$REQ" && IMPORTS="$IMPORTS, alembic"
    if [ "$HAVE" = "$WANT" ] && "$VENV/bin/python" -c "$IMPORTS" >/dev/null 2>&1; then
        say "$name: up to date ($VENV)"
        return 0
    fi
    if [ -x "$VENV/bin/python" ] && [ "$("$VENV/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null || true)" = "$PYVER" ]; then
        say "$name: installing into $VENV"
    else
        rm -rf "$VENV"
        mkdir -p "$(dirname "$VENV")"
        say "$name: creating $VENV with $PY (Python $PYVER)"
        "$PY" -m venv "$VENV" || die "'$PY -m venv' failed"
    fi
    "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet -r "$REQ"
    printf '%s\n' "$WANT" > "$MARKER"
    say "$name: ready: $("$VENV/bin/python" -c 'import django, platform; print("Python", platform.python_version(), "Django", django.get_version())')"
}

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(live live52)
for n in "${names[@]}"; do
    case "$n" in
        live | live52) setup "$n" ;;
        *) die "unknown venv '$n' (known: live live52)" ;;
    esac
done

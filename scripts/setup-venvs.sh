#!/usr/bin/env bash
# Create the Python virtual environments that the conformance harness runs real Django in.
#
#   scripts/setup-venvs.sh            # both venvs
#   scripts/setup-venvs.sh dj61       # only one
#
# Venvs (under ${DJSA_VENV_DIR:-<repo>/target/venvs}):
#   dj52  Python 3.10+ (the default python3; 3.11 here), Django 5.2 LTS
#   dj61  Python 3.12+ (pyenv's 3.12, else python3.12/python3.13 on PATH), Django 6.1
#   sqla  Python 3.12+ (same interpreter as dj61), SQLAlchemy 2.x, Alembic, Django 6.1
#   sqla52  Python 3.10+ (same interpreter as dj52), SQLAlchemy 2.x, Django 5.2 LTS
# Each gets the exact pins in tests/conformance/requirements-<name>.txt (Django,
# django-taggit, django-allauth, wagtail and their dependencies).
#
# Idempotent: each venv holds a marker with a hash of its requirements file and its
# Python version; when the marker matches, nothing is done. A changed requirements
# file is installed over the existing venv; a changed/broken interpreter recreates it.
#
# Overrides: DJSA_VENV_DIR, DJSA_PYTHON_DJ52, DJSA_PYTHON_DJ61 (interpreter paths).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="${DJSA_VENV_DIR:-$REPO/target/venvs}"
REQ_DIR="$REPO/tests/conformance"
MARKER_NAME=".djsa-requirements.sha256"

say() { printf 'setup-venvs: %s\n' "$*"; }
die() { printf 'setup-venvs: error: %s\n' "$*" >&2; exit 1; }

# python_ok PYTHON MIN_MINOR: true if PYTHON runs and is Python 3.MIN_MINOR or newer.
python_ok() {
    [ -n "$1" ] && "$1" -c "import sys; sys.exit(0 if sys.version_info[:2] >= (3, $2) else 1)" >/dev/null 2>&1
}

find_python_dj52() {
    local cand
    for cand in "${DJSA_PYTHON_DJ52:-}" "$(command -v python3 || true)" "$(command -v python3.11 || true)"; do
        if python_ok "$cand" 10; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    return 1
}

find_python_dj61() {
    local cand candidates=()
    [ -n "${DJSA_PYTHON_DJ61:-}" ] && candidates+=("$DJSA_PYTHON_DJ61")
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root 2>/dev/null || true)"
        if [ -n "$root" ]; then
            # Newest 3.12.x first, then 3.13.x.
            while IFS= read -r cand; do
                candidates+=("$cand")
            done < <(
                ls -d "$root"/versions/3.12.*/bin/python3 2>/dev/null | sort -rV
                ls -d "$root"/versions/3.13.*/bin/python3 2>/dev/null | sort -rV
            )
        fi
    fi
    # pyenv shims for python3.12 exist even when that version is not selected:
    # python_ok rejects a shim that does not run.
    candidates+=("$(command -v python3.12 || true)" "$(command -v python3.13 || true)" "$(command -v python3 || true)")
    for cand in "${candidates[@]}"; do
        if python_ok "$cand" 12; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    return 1
}

# setup_venv NAME PYTHON
setup_venv() {
    local name="$1" python="$2"
    local venv="$VENV_DIR/$name"
    local req="$REQ_DIR/requirements-$name.txt"
    [ -f "$req" ] || die "missing $req"

    local pyver want have=""
    pyver="$("$python" -c 'import platform; print(platform.python_version())')"
    want="$( { cat "$req"; printf 'python %s\n' "$pyver"; } | sha256sum | cut -d' ' -f1)"
    [ -f "$venv/$MARKER_NAME" ] && have="$(cat "$venv/$MARKER_NAME")"

    if [ "$have" = "$want" ] && "$venv/bin/python" -c 'import django' >/dev/null 2>&1; then
        say "$name: up to date ($venv, Python $pyver, $(grep -i '^django==' "$req"))"
        return 0
    fi

    # (Re)create the venv when it is missing or its interpreter differs from the chosen one.
    local venv_pyver=""
    if [ -x "$venv/bin/python" ]; then
        venv_pyver="$("$venv/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null || true)"
    fi
    if [ "$venv_pyver" != "$pyver" ]; then
        if [ -e "$venv" ]; then
            say "$name: recreating $venv (had Python '${venv_pyver:-none}', want $pyver)"
            rm -rf "$venv"
        else
            say "$name: creating $venv with $python (Python $pyver)"
        fi
        mkdir -p "$VENV_DIR"
        "$python" -m venv "$venv" || die "'$python -m venv' failed (on Debian: apt-get install python3-venv)"
    else
        say "$name: installing into existing $venv (no marker, or requirements changed)"
    fi

    say "$name: pip install -r ${req#"$REPO"/}"
    "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req"
    "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null \
        || say "$name: warning: 'pip check' reports conflicts ($venv/bin/python -m pip check)"
    printf '%s\n' "$want" > "$venv/$MARKER_NAME"
    say "$name: ready: $("$venv/bin/python" -c 'import django, platform; print("Python", platform.python_version(), "Django", django.get_version())')"
}

main() {
    local names=("$@")
    [ ${#names[@]} -eq 0 ] && names=(dj52 dj61 sqla sqla52)
    local name python
    for name in "${names[@]}"; do
        case "$name" in
            dj52) python="$(find_python_dj52)" || die "dj52 needs Python >= 3.10 (python3 or \$DJSA_PYTHON_DJ52)" ;;
            dj61) python="$(find_python_dj61)" || die "dj61 needs Python >= 3.12 (pyenv 3.12.x, python3.12/3.13 on PATH, or \$DJSA_PYTHON_DJ61)" ;;
            sqla) python="$(find_python_dj61)" || die "sqla needs Python >= 3.12 (pyenv 3.12.x, python3.12/3.13 on PATH, or \$DJSA_PYTHON_DJ61)" ;;
            sqla52) python="$(find_python_dj52)" || die "sqla52 needs Python >= 3.10 (python3 or \$DJSA_PYTHON_DJ52)" ;;
            *) die "unknown venv '$name' (known: dj52 dj61 sqla sqla52)" ;;
        esac
        setup_venv "$name" "$python"
    done
}

main "$@"

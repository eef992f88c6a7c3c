#!/usr/bin/env bash
# The whole test suite: Rust unit/integration/snapshot tests, then the conformance suite that runs
# real Django 5.2 LTS and 6.1 (from PyPI, in venvs this script creates) on every fixture project
# and compares their findings with djsa's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-venvs.sh
cargo build -p djsa
cargo test --workspace
python3 tests/conformance/run_conformance.py
python3 tests/conformance/run_migrations_conformance.py
python3 tests/conformance/run_sqla_conformance.py
python3 tests/live/run_live_tests.py
scripts/test-editors.sh

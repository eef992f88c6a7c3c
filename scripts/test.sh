#!/usr/bin/env bash
# The whole test suite: Rust unit/integration/snapshot/LSP tests, then the conformance suites that
# run real Django 5.2 LTS and 6.1 (and SQLAlchemy) from PyPI, in venvs this script creates, on every
# fixture project and compare with djsa; the live-database tests (PostgreSQL, MariaDB, SQLite); and
# the editor clients (headless Neovim, the VS Code extension).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-venvs.sh
cargo build -p djsa
cargo test --workspace
# Lints are part of the suite: the workspace stays clippy-clean (analysis purity bans included).
cargo clippy --workspace --all-targets -- -D warnings
python3 tests/conformance/run_conformance.py
python3 tests/conformance/run_migrations_conformance.py
python3 tests/conformance/run_sqla_conformance.py
python3 tests/conformance/run_alembic_conformance.py
python3 tests/live/run_live_tests.py
python3 tests/live/run_live_sqla_tests.py
scripts/test-editors.sh
bash scripts/test-graph-browser.sh
bash scripts/test-ship.sh
# Reached only when every suite above passed (set -e).
echo "suites: 12 passed, 0 failed"

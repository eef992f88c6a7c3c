#!/usr/bin/env bash
# Browser test of `djsa graph` (docs/graph.md): headless Chromium opens the checked-in
# docs/graph/bookshop.svg and checks that every model of examples/bookshop is rendered text and
# the screenshot (target/graph-screenshot.png) is not blank; the real Mermaid library renders the
# Mermaid output of the example and of tests/graph_fixtures/shared_drift.
# Installs what it needs: Debian's chromium (apt-get, needs root) when missing, and the npm
# packages of tests/graph_browser (npm ci). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    echo "== installing chromium (Debian package)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

echo "== npm ci (tests/graph_browser)"
(cd tests/graph_browser && npm ci --no-audit --no-fund --loglevel=error)

echo "== building djsa"
cargo build -q -p djsa
djsa() { cargo run -q -p djsa -- "$@"; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== docs/graph/bookshop.svg is what djsa draws now"
djsa graph examples/bookshop --python none --format svg -o "$tmp/bookshop.svg"
if ! cmp -s "$tmp/bookshop.svg" docs/graph/bookshop.svg; then
    echo "FAIL: docs/graph/bookshop.svg is stale; regenerate it with:" >&2
    echo "  cargo run -p djsa -- graph examples/bookshop --python none --format svg -o docs/graph/bookshop.svg" >&2
    exit 1
fi

djsa graph examples/bookshop --python none --format mermaid -o "$tmp/bookshop.mmd"
djsa graph tests/graph_fixtures/shared_drift --python none --format mermaid -o "$tmp/shared_drift.mmd"

echo "== headless Chromium"
DJSA_GRAPH_MERMAID="$tmp/bookshop.mmd
$tmp/shared_drift.mmd" node tests/graph_browser/test.mjs

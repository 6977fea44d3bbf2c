#!/usr/bin/env bash
# Takes the README's screenshots of the example archive in headless Chromium:
# docs/img/archive.png (home page) and docs/img/search.png (a search with a facet).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
cargo run --release --quiet -- build --output "$out/site"
port=${PORT:-8799}
python3 -m http.server "$port" -d "$out/site" >/dev/null 2>&1 &
server=$!
trap 'kill $server; rm -rf "$out"' EXIT
sleep 1
shot() {
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --hide-scrollbars --window-size=1280,1000 --virtual-time-budget=8000 \
    --screenshot="$1" "http://127.0.0.1:$port/$2" 2>/dev/null
}
shot docs/img/archive.png ""
shot docs/img/search.png "search/?q=physical+therapy&decision=upheld"
echo "wrote docs/img/archive.png and docs/img/search.png"

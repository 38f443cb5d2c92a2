#!/usr/bin/env bash
# The bundle report: raw, gzip and brotli bytes of every WASM, JS and CSS file the browser
# downloads, from the last release build (scripts/build-release.sh writes the twins), what
# a first visit to each page downloads (scripts/size.mjs), and the top contributors to
# the main module by crate (twiggy, built once from crates.io into the tools folder).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/size.mjs target/site
named=target/front/wasm32-unknown-unknown/wasm-release/frontend_split.wasm
[ -f "$named" ] || named=target/front/wasm32-unknown-unknown/wasm-release/frontend.wasm
twiggy_dir="${PRACTICE_ACCESS_TOOLS:-$HOME/.cache/practice-access}/twiggy-0.8.0"
if [ ! -x "$twiggy_dir/bin/twiggy" ]; then
    printf '\033[1m[tools]\033[0m building twiggy 0.8.0 for the bundle report (a few minutes, once)\n' >&2
    cargo install twiggy@0.8.0 --root "$twiggy_dir" >&2
fi
if [ -f "$named" ]; then
    echo
    echo "Main module ($(basename "$named")), top contributors:"
    "$twiggy_dir/bin/twiggy" top -n 100000 -f csv "$named" | node scripts/wasm-top.mjs 15
fi

#!/usr/bin/env bash
# The release build every command uses: server and WASM by cargo-leptos, then brotli and
# gzip twins of the static files (served as they are, see server/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-tools.sh
cargo leptos build --release
node scripts/precompress.mjs target/site

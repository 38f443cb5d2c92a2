#!/usr/bin/env bash
# The release build every command uses: server and WASM by cargo-leptos, then brotli and
# gzip twins of the static files (served as they are, see server/src/lib.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-tools.sh
# Files are named by their content hash (hash-files in Cargo.toml): start from an empty
# pkg/ so the names of earlier builds do not pile up (and are not hashed twice).
rm -rf target/site/pkg
# Only the islands hydrate in the browser (app/src/pages.rs); --split would put a lazy
# island's code in a WASM chunk of its own (none today: every island is small, the matrix's
# included, and lives in the one module).
cargo leptos build --release --split
node scripts/precompress.mjs target/site

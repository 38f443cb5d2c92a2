#!/usr/bin/env bash
# The bundle report: raw, gzip and brotli bytes of every WASM, JS and CSS file the browser
# downloads, from the last release build (scripts/build-release.sh writes the twins).
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=target/site/pkg
[ -d "$pkg" ] || { echo "no release build in $pkg: run make build first" >&2; exit 1; }
size() { if [ -f "$1" ]; then stat -c %s "$1"; else echo "-"; fi; }
printf '%-40s %12s %12s %12s\n' "file" "raw" "gzip" "brotli"
total_raw=0; total_br=0
for f in "$pkg"/*; do
    case "$f" in *.br|*.gz) continue ;; esac
    raw=$(size "$f"); gz=$(size "$f.gz"); br=$(size "$f.br")
    printf '%-40s %12s %12s %12s\n' "$(basename "$f")" "$raw" "$gz" "$br"
    total_raw=$((total_raw + raw))
    [ "$br" != "-" ] && total_br=$((total_br + br))
done
printf '%-40s %12s %12s %12s\n' "total" "$total_raw" "" "$total_br"

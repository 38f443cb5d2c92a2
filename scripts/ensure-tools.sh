#!/usr/bin/env bash
# Installs what building and testing need, and reuses whatever is already there.
#
# Source it (`. scripts/ensure-tools.sh`) so the PATH it builds reaches the caller.
# Everything is pinned and kept in $PRACTICE_ACCESS_TOOLS (default ~/.cache/practice-access),
# outside the repository, so fresh clones and CI runs on the same machine reuse it.
# Only the package registries are used (crates.io, npm, Debian): no tool downloads binaries.

set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${PRACTICE_ACCESS_TOOLS:-$HOME/.cache/practice-access}"
CARGO_LEPTOS_VERSION=0.3.10   # 0.3.11 needs a newer rustc than 1.95
BINARYEN_VERSION=132          # Debian's binaryen 108 corrupts the externref table
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$repo_root/Cargo.lock")"
mkdir -p "$TOOLS_DIR"

say() { printf '\033[1m[tools]\033[0m %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown >&2
fi

cargo_leptos_dir="$TOOLS_DIR/cargo-leptos-$CARGO_LEPTOS_VERSION"
if ! "$cargo_leptos_dir/bin/cargo-leptos" --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "building cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    cargo install cargo-leptos@"$CARGO_LEPTOS_VERSION" --locked --features no_downloads --root "$cargo_leptos_dir" >&2
fi

wasm_bindgen_dir="$TOOLS_DIR/wasm-bindgen-$WASM_BINDGEN_VERSION"
if ! "$wasm_bindgen_dir/bin/wasm-bindgen" --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "building wasm-bindgen-cli $WASM_BINDGEN_VERSION to match Cargo.lock (a few minutes, once)"
    # Not --locked: one of its locked dependencies is no longer on the registry.
    cargo install wasm-bindgen-cli@"$WASM_BINDGEN_VERSION" --root "$wasm_bindgen_dir" >&2
fi

binaryen_dir="$TOOLS_DIR/binaryen-$BINARYEN_VERSION"
if ! "$binaryen_dir/node_modules/binaryen/bin/wasm-opt" --version >/dev/null 2>&1; then
    say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$binaryen_dir"
    npm install --prefix "$binaryen_dir" --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION" >&2
fi

if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium"
    if [ "$(id -u)" -ne 0 ]; then
        say "error: /usr/bin/chromium is missing; run: sudo apt-get install chromium"
        exit 1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

e2e="$repo_root/end2end"
if [ ! -f "$e2e/node_modules/.package-lock.json" ] || [ "$e2e/package-lock.json" -nt "$e2e/node_modules/.package-lock.json" ]; then
    say "installing the end-to-end test packages (npm ci)"
    # Playwright must never fetch its own browsers: we drive Debian's chromium.
    (cd "$e2e" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent >&2)
fi

export PATH="$cargo_leptos_dir/bin:$wasm_bindgen_dir/bin:$binaryen_dir/node_modules/binaryen/bin:$PATH"

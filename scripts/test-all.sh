#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (server and WASM separately), unit and
# integration tests on SQLite and PostgreSQL, then the Playwright suite against a release
# build in Chromium. Installs missing tools first. `make test` and `.ci/run` call this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-tools.sh
. scripts/postgres.sh

stage() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
started=$SECONDS

stage "formatting"
cargo fmt --all -- --check

stage "clippy: server (ssr)"
cargo clippy --locked -p app -p server --all-targets -- -D warnings

stage "clippy: frontend (hydrate, wasm32)"
cargo clippy --locked -p frontend -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

stage "server-only crates stay out of the WASM bundle"
if cargo tree --locked -p frontend --target wasm32-unknown-unknown -e normal -i sqlx >/dev/null 2>&1; then
    echo "sqlx is in the frontend's dependency tree" >&2
    exit 1
fi

stage "unit and integration tests (SQLite and PostgreSQL at $TEST_POSTGRES_URL)"
cargo test --locked -p app -p server

stage "release build (server + WASM)"
bash scripts/build-release.sh

stage "end-to-end: Playwright in $(/usr/bin/chromium --version 2>/dev/null | head -n1)"
(cd end2end && npx playwright test)

stage "all checks passed in $((SECONDS - started))s"

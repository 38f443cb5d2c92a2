#!/usr/bin/env bash
# Builds the release app and serves it with the embedded SQLite database, seeding demo
# data on first start. Extra arguments go to the server (e.g. --demo-size 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-tools.sh
bash scripts/build-release.sh
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
if [ "$#" -eq 0 ]; then set -- --seed-demo; fi
exec target/release/server "$@"

#!/usr/bin/env bash
# Builds the release app and serves it with the embedded SQLite database, seeding demo
# data on first start. Extra arguments go to the server (e.g. --demo-size 10000).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-tools.sh
bash scripts/build-release.sh
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_ENV="${LEPTOS_ENV:-PROD}"
# Two-step sign-in keys are stored sealed with SECRET_KEY. Locally one is made once and
# kept beside the database (mode 0600, never in the repository); set your own to override.
if [ -z "${SECRET_KEY:-}" ]; then
  mkdir -p data
  if [ ! -s data/secret-key ]; then
    (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > data/secret-key)
  fi
  SECRET_KEY="$(cat data/secret-key)"
  export SECRET_KEY
fi
if [ "$#" -eq 0 ]; then set -- --seed-demo; fi
exec target/release/server "$@"

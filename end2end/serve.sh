#!/usr/bin/env bash
# Starts the release server for the Playwright suite on a fresh SQLite database.
set -euo pipefail
data="target/e2e-data"
rm -rf "$data"
mkdir -p "$data"
export DATABASE_URL="sqlite://$data/e2e.db"
export SITE_ADDR="127.0.0.1:${E2E_PORT:-3100}"
export APP_BASE_URL="http://$SITE_ADDR"
export LEPTOS_SITE_ROOT="target/site"
export LEPTOS_ENV="PROD"
# Every journey signs up its own practice from this one address.
export SIGN_UPS_PER_HOUR=100000
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# A fresh key per run, as the database is fresh too (two-step sign-in seals with it).
SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export SECRET_KEY
# A practice of 200 staff and 10,000 clients for the journeys at size; its sign-in is
# written to $data/demo-credentials.txt.
# The benchmark reads the server's memory through its pid (exec keeps it).
echo $$ > "$data/server.pid"
exec "${SERVER_BIN:-target/release/server}" --demo-size 10000

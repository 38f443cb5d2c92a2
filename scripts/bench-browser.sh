#!/usr/bin/env bash
# The browser benchmark: a release build, the journeys' server with 10,000 clients and
# 200 staff, and Debian's Chromium driven by Playwright (end2end/bench/). Prints numbers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-release.sh
. scripts/ensure-tools.sh
cd end2end && npx playwright test -c bench.config.ts

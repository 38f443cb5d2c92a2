#!/usr/bin/env bash
# Makes dist/practice-access: one folder that runs on another Linux machine of the same
# architecture with one command (`./server`), wherever it is started from. Migrations are
# compiled into the binary; the site (WASM, JS, CSS and their compressed twins) sits
# beside it, where the server looks when LEPTOS_SITE_ROOT is unset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-release.sh
out=dist/practice-access
rm -rf "$out"
mkdir -p "$out"
cp target/release/server "$out/server"
# The content-hashed names of the site's files: the server reads them beside itself.
cp target/release/hash.txt "$out/hash.txt"
# -a keeps modification times: the server drops a .br/.gz older than its source.
cp -a target/site "$out/site"
sed -e 's|^LEPTOS_SITE_ROOT=target/site|# LEPTOS_SITE_ROOT=  (unset: the site/ folder beside the server)|' \
    -e 's|^DATABASE_URL=sqlite://data/app.db|DATABASE_URL=sqlite:///var/lib/practice-access/app.db|' \
    .env.example > "$out/practice-access.env.example"
cat > "$out/README.txt" <<'TXT'
Practice Access, release build.

  ./server                  serve with the settings in the environment (see practice-access.env.example)
  ./server --seed-demo      the same, seeding a demo practice into an empty database

The site/ folder must stay beside the server binary. Database migrations run at start.
See the project README ("Running in production") for a systemd unit.
TXT
du -sh "$out"
echo "dist: $out"

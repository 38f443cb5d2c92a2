# The two commands of the README, plus the pieces they are made of.
SHELL := /bin/bash
.PHONY: run test lint test-rust e2e build bench bench-server bench-browser size dist

## Build and serve the app on http://127.0.0.1:3000 with SQLite and demo data.
run:
	bash scripts/run.sh $(ARGS)

## Every check and test, as CI runs it.
test:
	bash scripts/test-all.sh

## Faster loops while developing.
lint:
	cargo fmt --all -- --check
	cargo clippy -p app -p server --all-targets -- -D warnings
	cargo clippy -p frontend -p app --features app/hydrate --target wasm32-unknown-unknown -- -D warnings

test-rust:
	. scripts/postgres.sh && cargo test -p app -p server

build:
	bash scripts/build-release.sh

## Bytes the browser downloads (raw, gzip, brotli) from the last release build.
size:
	bash scripts/size.sh

## One self-contained folder, dist/practice-access, that runs anywhere with ./server.
dist:
	bash scripts/dist.sh

## Timings at 10,000 clients and 200 staff: the server on SQLite and PostgreSQL, then the
## browser (Chromium), then the bundle. Prints numbers; see docs/benchmarks.md.
bench: bench-server bench-browser size

bench-server:
	. scripts/postgres.sh && cargo bench -p server --bench matrix

bench-browser:
	bash scripts/bench-browser.sh

e2e: build
	cd end2end && npx playwright test

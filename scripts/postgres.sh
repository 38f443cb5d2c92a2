#!/usr/bin/env bash
# Makes sure the PostgreSQL server the integration tests use is answering.
# Source it: exports TEST_POSTGRES_URL. Starts a local Debian cluster that is installed but stopped.
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
pg_host_port="${TEST_POSTGRES_URL##*@}"
pg_host="${pg_host_port%%:*}"
pg_port="${pg_host_port##*:}"; pg_port="${pg_port%%/*}"

pg_answers() { pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; }

if command -v pg_isready >/dev/null && ! pg_answers; then
    if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        printf '\033[1m[postgres]\033[0m starting the local cluster\n' >&2
        for version in /etc/postgresql/*; do
            pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start >&2 || true
        done
        for _ in $(seq 1 30); do pg_answers && break; sleep 1; done
    fi
fi
if command -v pg_isready >/dev/null && ! pg_answers; then
    echo "PostgreSQL does not answer at $TEST_POSTGRES_URL; start it or set TEST_POSTGRES_URL" >&2
    exit 1
fi

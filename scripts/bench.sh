#!/usr/bin/env bash
# hubctl's benchmarks: the Go benchmarks, and `hubctl token new` beside
# `openssl rand -hex 32` as whole commands (hyperfine, from Debian).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages hyperfine openssl
go test -run '^$' -bench . -benchmem ./...
go build -o bin/hubctl ./cmd/hubctl
hyperfine -N --warmup 20 --runs 500 'bin/hubctl token new' 'openssl rand -hex 32'

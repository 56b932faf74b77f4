#!/usr/bin/env bash
# hubctl's benchmarks (results in docs/benchmarks.md):
#  1. the Go benchmarks (go test -bench);
#  2. `hubctl token new` beside `openssl rand -hex 32` (hyperfine);
#  3. `hubctl cull --once` against a fake Hub in a process of its own
#     (internal/benchhub), measured with GNU time: wall, CPU, peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages hyperfine openssl time
mkdir -p bin
go build -o bin/hubctl ./cmd/hubctl
go build -o bin/benchhub ./internal/benchhub

go test -run '^$' -bench . -benchmem ./...
hyperfine -N --warmup 20 --runs 500 'bin/hubctl token new' 'openssl rand -hex 32'

export BENCH_TOKEN=$(bin/hubctl token new)
cull_bench() { # title, benchhub flags..., -- hubctl flags...
  local title=$1; shift
  local hub_args=() cull_args=()
  while [ "$1" != -- ]; do hub_args+=("$1"); shift; done; shift
  cull_args=("$@")
  local out; out=$(mktemp)
  bin/benchhub "${hub_args[@]}" >"$out" &
  local pid=$!
  until [ -s "$out" ]; do sleep 0.1; done
  local url; url=$(head -1 "$out")
  echo "== $title"
  JUPYTERHUB_API_TOKEN=$BENCH_TOKEN /usr/bin/time -f '%e s wall, %U s user + %S s sys CPU, %M KiB peak RSS' \
    bin/hubctl cull --once --url "$url" --timeout=3600 "${cull_args[@]}" 2>&1 | grep -E 'cull pass|wall'
  kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$out"
}
cull_bench "100 000 users, 10 % idle" --users 100000 --idle 0.1 -- --concurrency=10
cull_bench "200 idle servers, 200 ms per stop, --concurrency=10" --users 200 --idle 1 --stop-delay 200ms -- --concurrency=10

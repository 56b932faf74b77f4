#!/usr/bin/env bash
# hubctl's benchmarks (results in docs/benchmarks.md):
#  1. the Go benchmarks (go test -bench);
#  2. `hubctl token new` beside `openssl rand -hex 32` (hyperfine);
#  3. `hubctl cull --once` against a fake Hub in a process of its own
#     (internal/benchhub), measured with GNU time: wall, CPU, peak RSS;
#  4. what a cull pass does to a real JupyterHub's latency, with and without
#     pacing (internal/hubload, about 15 minutes; HUBLOAD_RELEASE=5.2 runs it
#     on JupyterHub 5.2 when scripts/test.sh has built its root).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages hyperfine openssl time "${JUPYTERHUB_PACKAGES[@]}"
mkdir -p bin
go build -o bin/hubctl ./cmd/hubctl
go build -o bin/benchhub ./internal/benchhub

# Every Go benchmark but the real Hub's, which runs last, once.
go test -run '^$' -bench . -benchmem $(go list ./... | grep -v /internal/hubload)
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

# Reading a config (issue 10: every read runs in a child process): the 1.5 MB
# config of provision's bigConfig(10000) and a small hand-written one.
big=$(mktemp --suffix=.py)
python3 - "$big" <<'PY'
import sys
n = 10000
out = ["c = get_config()  # noqa\nc.JupyterHub.services = [\n"]
out += ["    {'name': 'svc-%05d', 'url': 'http://127.0.0.1:%d', 'api_token': '%064x'},\n" % (i, 10000 + i % 50000, i + 1) for i in range(n)]
out.append("]\nc.JupyterHub.load_roles = [\n")
out += ["    {'name': 'role-%05d', 'scopes': ['read:users', 'list:users'], 'services': ['svc-%05d']},\n" % (i, i) for i in range(0, n, 10)]
out.append("]\n")
open(sys.argv[1], "w").write("".join(out))
PY
chmod 600 "$big"
hyperfine -N --warmup 3 --runs 40 "bin/hubctl config validate --hub-version 3.0 $big" 'bin/hubctl service list --config testdata/configs/hand-services.py'
rm -f "$big"

# Kind to the Hub: JupyterHub 3.0 on 127.0.0.1 with 2 000 users and 200
# running stand-in servers (50 of them active), a client timing
# GET /hub/api/user before and during `hubctl cull --once --concurrency=10`,
# three rounds of: without pacing (--pace=false), paced, one at a time.
HUBCTL_BIN=$PWD/bin/hubctl go test -count=1 -run '^$' -bench CullPassLatency -benchtime 1x -timeout 60m -v ./internal/hubload |
  grep -E 'hubload_test.go|p95-ratio'

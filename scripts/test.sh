#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 with Go: installs what the tests
# need, starts a private D-Bus session with an unlocked gnome-keyring, and runs
# every Go test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${KEYRING_PACKAGES[@]}" "${JUPYTERHUB_PACKAGES[@]}" "${CLI_TEST_PACKAGES[@]}"

export CI="${CI:-}"
gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$gofmt_out" ]; then
  echo "gofmt would change: $gofmt_out" >&2
  exit 1
fi
go vet ./...
# Secrets the tests write land in throwaway directories, never in ~.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config"
# Every test, then the concurrent parts once more under the race detector.
dbus-run-session -- scripts/keyring-session.sh sh -c \
  'go test -count=1 "$@" ./... && go test -count=1 -race ./cull ./tokens ./internal/atomicfile' sh "$@"
# The config read path under the fuzzer for a bounded time: a hang is a failure.
# Minimising a new input (up to 60 s by default, and not counted as runs) would
# take the whole budget on a cold cache.
go test -run '^$' -fuzz '^FuzzReadPath$' -fuzztime 20s -fuzzminimizetime 5s ./provision

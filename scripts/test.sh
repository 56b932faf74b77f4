#!/usr/bin/env bash
# The whole test suite, on a fresh Debian 12 with Go: installs what the tests
# need, starts a private D-Bus session with an unlocked gnome-keyring, and runs
# every Go test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
. scripts/jupyterhub52-root.sh
ensure_packages "${KEYRING_PACKAGES[@]}" "${JUPYTERHUB_PACKAGES[@]}" "${CLI_TEST_PACKAGES[@]}" debootstrap
# JupyterHub 5.2 from Debian 13, in a root cached between runs (about 80 s
# to build cold; nothing when warm).
ensure_jupyterhub52_root
echo "real-Hub tests run on JupyterHub $(dpkg-query -W -f '${Version}' jupyterhub) (Debian 12) and" \
  "$(dpkg-query --admindir="$HUBCTL_JUPYTERHUB52_ROOT/var/lib/dpkg" -W -f '${Version}' jupyterhub) (Debian 13)" >&2

export CI="${CI:-}"
gofmt_out=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$gofmt_out" ]; then
  echo "gofmt would change: $gofmt_out" >&2
  exit 1
fi
go vet ./...
# Pinned, so that a new release's checks do not fail an unchanged tree; run
# through the module proxy, nothing to install. v0.8.2 is 2026.2.2, the newest
# release (go list -m -versions honnef.co/go/tools), and wants go >= 1.26.
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
# Secrets the tests write land in throwaway directories, never in ~.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config"
# Every test (-parallel 6: most real-Hub tests wait on a Hub for much of
# their time, so more of them than the 2 cores run at once; the corpus test
# bounds its own Hubs), then the concurrent parts once more under the race
# detector:
# whole packages (less the fake's comparisons with a real Hub, which run one
# request at a time and spend their 25 s starting JupyterHub), and of
# cmd/hubctl the tests of concurrent runs and the lock (the race detector
# sees the in-process runs; the hubctl binary some of them start is built
# without it).
dbus-run-session -- scripts/keyring-session.sh sh -c \
  'go test -count=1 -parallel 6 "$@" ./... &&
   go test -count=1 -race -skip "^TestAgainstRealHub" ./cull ./tokens ./internal/atomicfile ./internal/fakehub &&
   go test -count=1 -race -run "Concurrent|Lock" ./cmd/hubctl' sh "$@"
# The config read path under the fuzzer for a bounded number of inputs (about
# 15 s here): a hang is a failure (the target bounds each input). A count, not
# a duration: with -fuzztime 20s, go1.26's fuzz coordinator can fail the run
# with a bare "context deadline exceeded" at the deadline, having found
# nothing (golang/go#75804, fixed in Go 1.27; seen here once in CI).
# Minimising a new input (up to 60 s by default, and not counted as runs)
# would take the whole budget on a cold cache.
go test -run '^$' -fuzz '^FuzzReadPath$' -fuzztime 60000x -fuzzminimizetime 5s ./provision

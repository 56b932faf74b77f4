#!/usr/bin/env bash
# Installs hubctl on Debian 12 with Go: the Secret Service packages that
# `hubctl token --store` uses, and the binary into /usr/local/bin. Run it as
# yourself; it uses sudo only for apt-get and the copy into /usr/local/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${KEYRING_PACKAGES[@]}"
mkdir -p bin
go build -trimpath -buildvcs=auto -o bin/hubctl ./cmd/hubctl
sudo=()
[ "$(id -u)" -ne 0 ] && [ ! -w /usr/local/bin ] && sudo=(sudo)
"${sudo[@]}" install -m 0755 bin/hubctl /usr/local/bin/hubctl
echo "installed $(/usr/local/bin/hubctl --version) at /usr/local/bin/hubctl" >&2

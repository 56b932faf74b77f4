#!/usr/bin/env bash
# Sourced by the other scripts: installs Debian packages that are missing,
# running `apt-get update` first whenever it has to install anything.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "installing: ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# What `hubctl token --store` needs: a Secret Service on a D-Bus session bus.
KEYRING_PACKAGES=(gnome-keyring dbus-daemon dbus-bin)

# A real JupyterHub 3.0 for the tests that compare with it or start it; ipykernel
# for the busy-kernel culling test (a real kernel on the single-user server).
JUPYTERHUB_PACKAGES=(jupyterhub node-configurable-http-proxy python3-jupyter-server python3-traitlets python3-ipykernel)

# Shells and man for the completion and man page tests; systemd-analyze for the unit.
CLI_TEST_PACKAGES=(zsh fish man-db systemd util-linux)

#!/usr/bin/env bash
# Sourced by test.sh: builds, once per machine, a Debian 13 (trixie) root with
# its JupyterHub 5.2 from Debian's own archive, for the tests that run the
# real Hub 5.2 (internal/realhub starts it in a private mount namespace over
# an overlay, so the cached root is never written to). The cache directory is
# keyed by this recipe: change the suite, mirror or packages and the next run
# builds a new one; a warm run only checks that it exists.
. "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
JUPYTERHUB52_SUITE=trixie
JUPYTERHUB52_MIRROR=http://deb.debian.org/debian
# The packages of the 3.0 tests, from Debian 13.
JUPYTERHUB52_PACKAGES=("${JUPYTERHUB_PACKAGES[@]}")
JUPYTERHUB52_CACHE=/var/cache/hubctl-test
# The stable name internal/realhub looks for (HUBCTL_JUPYTERHUB52_ROOT overrides).
JUPYTERHUB52_LINK=$JUPYTERHUB52_CACHE/jupyterhub-5.2

ensure_jupyterhub52_root() {
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  local key
  key=$(printf '%s\n' "$JUPYTERHUB52_SUITE" "$JUPYTERHUB52_MIRROR" minbase "${JUPYTERHUB52_PACKAGES[@]}" | sha256sum | cut -c1-12)
  local root=$JUPYTERHUB52_CACHE/jupyterhub-5.2-$key
  "${sudo[@]}" mkdir -p "$JUPYTERHUB52_CACHE"
  # One builder at a time; the second waits and then finds the root built
  # (a lock on the directory itself: nothing to create, nothing to follow).
  local lock
  exec {lock}<"$JUPYTERHUB52_CACHE"
  flock "$lock"
  if [ ! -x "$root/usr/bin/jupyterhub" ]; then
    echo "building the JupyterHub 5.2 root (Debian $JUPYTERHUB52_SUITE) in $root; later runs reuse it" >&2
    local start=$SECONDS
    local tmp=$root.partial
    "${sudo[@]}" rm -rf "$tmp"
    "${sudo[@]}" debootstrap --variant=minbase "$JUPYTERHUB52_SUITE" "$tmp" "$JUPYTERHUB52_MIRROR" >"$JUPYTERHUB52_CACHE/debootstrap.log" 2>&1 ||
      { tail -20 "$JUPYTERHUB52_CACHE/debootstrap.log" >&2; return 1; }
    # apt inside needs /proc and /dev; mounted in a namespace of its own, so
    # nothing stays mounted however this ends.
    "${sudo[@]}" unshare -m --propagation private sh -c '
        set -e
        mount -t proc proc "$1/proc"
        mount --rbind /dev "$1/dev"
        root=$1; shift
        exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
          sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends \"\$@\" && apt-get clean" sh "$@"' \
      sh "$tmp" "${JUPYTERHUB52_PACKAGES[@]}" >"$JUPYTERHUB52_CACHE/apt.log" 2>&1 ||
      { tail -20 "$JUPYTERHUB52_CACHE/apt.log" >&2; return 1; }
    "${sudo[@]}" mv "$tmp" "$root"
    # Roots of older recipes are about 1 GB each and nothing uses them now.
    local old
    for old in "$JUPYTERHUB52_CACHE"/jupyterhub-5.2-*; do
      [ "$old" = "$root" ] || [ ! -d "$old" ] || [ -L "$old" ] || "${sudo[@]}" rm -rf "$old"
    done
    echo "built the JupyterHub 5.2 root in $((SECONDS - start)) s" >&2
  fi
  "${sudo[@]}" ln -sfn "$root" "$JUPYTERHUB52_LINK"
  flock -u "$lock"
  exec {lock}>&-
  export HUBCTL_JUPYTERHUB52_ROOT=$root
}

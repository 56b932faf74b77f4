#!/usr/bin/env bash
# The release build of hubctl: static (CGO_ENABLED=0, so it runs in any
# Linux root: a FROM scratch image, the chart's hub image, another Debian),
# -trimpath (no build machine paths in it), -s -w (no symbol table or DWARF).
# The version `hubctl --version` prints is the one Go stamps from git (the
# commit, +dirty for a changed tree: -buildvcs=auto, whatever GOFLAGS says);
# there is no version variable to set.
#
#   scripts/release.sh [GOARCH...]    default: amd64 arm64
#   DIST=DIR scripts/release.sh        write to DIR instead of dist/
#
# Writes DIST/hubctl-linux-GOARCH and prints each one's size. The Dockerfile
# runs this script, so its build is this one.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${DIST:-dist}
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)
mkdir -p "$dist"
for arch in "${arches[@]}"; do
  out=$dist/hubctl-linux-$arch
  CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -buildvcs=auto -ldflags='-s -w' -o "$out" ./cmd/hubctl
  size=$(stat -c %s "$out")
  awk -v f="$out" -v s="$size" 'BEGIN { printf "%s: %d bytes (%.1f MiB)\n", f, s, s / 1048576 }'
done

#!/usr/bin/env bash
# Records the Zero-to-JupyterHub golden data (testdata/z2jh/golden/*): hubctl's
# values for each case, then what the real chart renders from them and what
# `helm lint` says. CI holds hubctl to these files (cmd/hubctl
# TestZ2JHGolden) but cannot run helm on the chart, whose code stays out of
# the repository. Run this after a change to what `config render --format
# helm` writes, and commit the result.
#
#   scripts/z2jh-golden.sh [CHART_DIR]
#
# CHART_DIR is the chart at tag 4.4.0 (the jupyterhub/ directory of a
# zero-to-jupyterhub-k8s checkout); without it the tag is cloned into a
# temporary directory. helm is built with `go install` (HELM, or
# bin/helm-v3.17.3).
set -euo pipefail
cd "$(dirname "$0")/.."
chart_tag=4.4.0
helm_version=v3.17.3

chart=${1:-}
if [ -z "$chart" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  git clone -q --depth 1 --branch "$chart_tag" https://github.com/jupyterhub/zero-to-jupyterhub-k8s "$tmp/z2jh"
  chart=$tmp/z2jh/jupyterhub
fi
chart=$(cd "$chart" && pwd)
grep -q '^name: jupyterhub$' "$chart/Chart.yaml" || { echo "$chart is not the jupyterhub chart" >&2; exit 2; }

helm=${HELM:-bin/helm-$helm_version}
if [ ! -x "$helm" ]; then
  mkdir -p bin
  GOBIN=$(pwd)/bin go install "helm.sh/helm/v3/cmd/helm@$helm_version"
  mv bin/helm "bin/helm-$helm_version"
  helm=bin/helm-$helm_version
fi
helm=$(cd "$(dirname "$helm")" && pwd)/$(basename "$helm")

go test -count=1 ./cmd/hubctl -run '^TestZ2JHGolden$' -args -z2jh-update -z2jh-helm "$helm" -z2jh-chart "$chart"
git status --short testdata/z2jh/golden

# syntax=docker/dockerfile:1
# A hub image of your own: the Zero-to-JupyterHub chart's hub image with
# hubctl added at /usr/local/bin/hubctl, the default --hubctl-path of
# `hubctl config render --format helm` (without --image). See docs/kubernetes.md.
#
#   docker build -f docs/hub-image.Dockerfile \
#     --build-arg HUBCTL_IMAGE=ghcr.io/you/hubctl:1.0.0 -t ghcr.io/you/k8s-hub:4.4.0-hubctl docs
#
# The chart's hub image is quay.io/jupyterhub/k8s-hub, tagged with the
# chart's version (chartpress sets hub.image.tag): keep it the chart's.
ARG HUBCTL_IMAGE=ghcr.io/you/hubctl:1.0.0
FROM ${HUBCTL_IMAGE} AS hubctl

FROM quay.io/jupyterhub/k8s-hub:4.4.0
COPY --from=hubctl /usr/local/bin/hubctl /usr/local/bin/hubctl

# syntax=docker/dockerfile:1
# hubctl's image: the static release build (scripts/release.sh) and nothing
# else, for `hubctl config render --format helm --image REPO:TAG`, whose init
# container runs `hubctl copy-binary` from it into the hub pod, and for
# COPY --from in a hub image of your own (docs/hub-image.Dockerfile).
#
#   docker build -t ghcr.io/you/hubctl:1.0.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ghcr.io/you/hubctl:1.0.0 --push .
#
# The build context must be a git clone (not a worktree), so that Go stamps
# the version from git. No CA bundle: hubctl runs in this image only to copy
# itself out; it talks to the Hub from the hub pod, which has the hub image's.

FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN DIST=/out scripts/release.sh "$TARGETARCH" && mv "/out/hubctl-linux-$TARGETARCH" /out/hubctl

FROM scratch
COPY --from=build /out/hubctl /usr/local/bin/hubctl
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/hubctl"]

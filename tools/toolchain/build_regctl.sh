#!/bin/bash
# Build regctl (a rules_oci v2 toolchain, not packaged by Debian) inside the toolchain root from the
# offline regclient source, in GOPATH mode against Debian's golang-*-dev packages: no module proxy.
# Usage (inside the root): build_regctl.sh SRC_DIR OUT_BINARY
set -euo pipefail
src=$(realpath "$1") out=$2
gopath=$(mktemp -d)
trap 'rm -rf "$gopath"' EXIT
mkdir -p "$gopath/src/github.com/regclient"
cp -a "$src" "$gopath/src/github.com/regclient/regclient"
cd "$gopath/src/github.com/regclient/regclient"
export GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOPROXY=off GOFLAGS='' GOTOOLCHAIN=local CGO_ENABLED=0 GOCACHE="$gopath/cache"
go build -trimpath -ldflags='-s -w' -o "$out" ./cmd/regctl

#!/bin/bash
# smoke_test.sh INDEX_DIR: the smoke index is a valid two-platform OCI index, and each of its
# images unpacks with umoci and runs with runc as the image's user, on its own architecture
# (arm64 through qemu-user and binfmt_misc).
set -euo pipefail
index=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

raw=$(skopeo inspect --raw "oci:$index")
[[ $(jq -r .mediaType <<<"$raw") == application/vnd.oci.image.index.v1+json ]] || fail "not an OCI index: $raw"
platforms=$(jq -r '[.manifests[].platform | "\(.os)/\(.architecture)\(if .variant then "/"+.variant else "" end)"] | join(" ")' <<<"$raw")
[[ $platforms == "linux/amd64 linux/arm64/v8" ]] || fail "index platforms are '$platforms'"
echo "ok: skopeo reads an OCI index for $platforms"

for arch in amd64 arm64; do
  case $arch in amd64) machine=x86_64 ;; arm64) machine=aarch64 ;; esac
  skopeo copy -q --override-arch "$arch" "oci:$index" "oci:$work/layout:$arch"
  config=$(skopeo inspect --config "oci:$work/layout:$arch")
  [[ $(jq -r .architecture <<<"$config") == "$arch" ]] || fail "$arch: config architecture is $(jq -r .architecture <<<"$config")"
  umoci unpack --image "$work/layout:$arch" "$work/bundle-$arch" >/dev/null
  bundle=$work/bundle-$arch
  [[ $(jq -r .process.user.uid "$bundle/config.json") == 65532 ]] || fail "$arch: runtime user is not 65532"
  [[ $(stat -c %a "$bundle/rootfs/tmp") == 1777 ]] || fail "$arch: /tmp mode is $(stat -c %a "$bundle/rootfs/tmp")"
  jq '.process.terminal = false | .process.args = ["/bin/busybox", "sh", "-c", "id -u; pwd; uname -m; cat /etc/hello"]' \
    "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
  out=$(cd "$bundle" && runc run "smoke-$arch-$$" 2>&1) ||
    fail "$arch: runc run failed (is qemu registered? run tools/toolchain/register-binfmt): $out"
  want=$(printf '65532\n/home/nonroot\n%s\nhello from the smoke layer' "$machine")
  [[ $out == "$want" ]] || fail "$arch: the image printed '$out', expected '$want'"
  echo "ok: $arch image runs under runc as uid 65532 in /home/nonroot on $machine"
done

#!/bin/bash
# check_repro.sh TARGET [TARGET...]: builds each image/index target twice, from scratch, in two
# fresh Bazel output bases, and compares what the two builds made (image_diff.py: digests per
# platform, and files/packages/config where they differ). Exits 0 when every target is
# bit-for-bit identical across the two builds.
#
#   tests/repro/check_repro.sh //tests/smoke:index
#
# Runs on the host like tools/bazel and with the same offline flags; only the repository cache
# (downloaded .debs, keyed by sha256) is shared with the normal build, so nothing built by one
# build or by the developer's own output base can leak into the other. Each build runs its own
# Bazel server under $DISTROLESS_CACHE/state/repro, shut down and removed at the end; the
# shared server that other engineers' tools/bazel commands use is not touched.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../../tools/toolchain/env.sh"
[[ $# -gt 0 ]] || { echo "usage: $0 TARGET [TARGET...]" >&2; exit 2; }
"$REPO/tools/bootstrap" -q
work=$STATE/repro/$$
inroot=("$REPO/tools/inroot")
# shellcheck disable=SC2329 # run by the EXIT trap below (shellcheck 0.11 misses it after an exit)
cleanup() {
  for build in a b; do
    [[ -d $work/$build ]] && "${inroot[@]}" bazel --output_user_root="$work/$build" shutdown >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work"
status=0
for build in a b; do
  echo "== build $build: ${*} (fresh output base $work/$build)"
  start=$SECONDS
  bazel=("${inroot[@]}" bazel --output_user_root="$work/$build" --bazelrc="$(offline_rc "$REPO")")
  # --symlink_prefix=/: no bazel-* links in the work tree, which belong to the normal build.
  "${bazel[@]}" build --noshow_progress --symlink_prefix=/ --repository_cache="$STATE/bazel/cache/repos/v1" "$@"
  echo "   built in $((SECONDS - start)) s"
  execroot=$("${bazel[@]}" info execution_root 2>/dev/null)
  mkdir -p "$work/out/$build"
  for target in "$@"; do
    path=$("${bazel[@]}" cquery --output=files "$target" 2>/dev/null | head -1)
    # Copied out of the output base, so the comparison below needs neither server; -L: an
    # index's and an image's blobs are links to the layers elsewhere in the output base.
    cp -rL "$execroot/$path" "$work/out/$build/$(tr -c 'A-Za-z0-9_.-' _ <<<"$target")"
  done
  "${bazel[@]}" shutdown
done
for target in "$@"; do
  name=$(tr -c 'A-Za-z0-9_.-' _ <<<"$target")
  echo "== $target"
  (cd "$REPO" && "${inroot[@]}" python3 -m private.structure_test.image_diff "$work/out/a/$name" "$work/out/b/$name") || status=1
done
if [[ $status == 0 ]]; then
  echo "reproducible: ${*} built twice from scratch with identical digests"
else
  echo "NOT reproducible: see the differences above"
fi
exit $status

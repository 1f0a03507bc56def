# Shared settings of the toolchain scripts; sourced, not run.
# shellcheck shell=bash disable=SC2034 # the variables are used by the scripts that source this
# Every location can be moved with an environment variable; the defaults suit a CI machine.
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Third-party sources this offline setup needs (rules_oci, regclient); never modified in place.
OFFLINE=${DISTROLESS_OFFLINE:-$REPO/../shared/offline}
# Cache kept between runs on one machine, outside any clone.
CACHE=${DISTROLESS_CACHE:-/var/cache/distroless-bazel}
ROOT=$CACHE/root            # the Debian forky root holding Bazel 7.7.1 and the tools
STATE=$CACHE/state          # Bazel output and repository caches; survives a root rebuild
DEBCACHE=$CACHE/debs        # .debs of the root, reused when it is rebuilt
MIRROR=${DISTROLESS_TOOLCHAIN_MIRROR:-http://deb.debian.org/debian}
SUITE=forky
RULES_OCI_VERSION=2.2.7
REGCLIENT_VERSION=0.8.0
BUILDIFIER_VERSION=8.2.1
BUILDIFIER_INTEGRITY=sha512-eZ/Aq+2r4PcJa6LbPCT6ffgIJfTU/gYilqIzoX2OLM4nNkbQC6tTMPZNn7aHHjhGPxbNLv41zm4Xqt1olCLgXw==
BUILDOZER_VERSION=8.2.1
BUILDOZER_INTEGRITY=sha512-RstW3FJT4HOytPG2+z+qUUpZfklRJZqaw+UPKY9pur7zyGXOz8Jr73u4MiFotEThO/MZNRzKkOtJrWp3LO9eUA==

# offline_rc WORKSPACE: the offline layer for Bazel run in WORKSPACE (the project, or a module
# below it such as examples/cc), written to the state cache; prints its path. %workspace% in
# tools/toolchain/offline.bazelrc means this checkout, whatever WORKSPACE is.
offline_rc() {
  local rc
  rc=$STATE/offline-$(sha256sum <<<"$REPO $1" | cut -c1-16).bazelrc
  mkdir -p "$STATE"
  {
    sed "s|%workspace%|$REPO|g" "$REPO/tools/toolchain/offline.bazelrc"
    # stardoc's own renderer is a java_binary that Debian's rules_java cannot build offline;
    # //docs exists only in the project itself.
    [[ $1 != "$REPO" ]] || echo "build --//docs:renderer=//docs:debian_renderer"
    # Structure tests unpack each image layer once, into a store shared by every test and clone
    # (private/structure_test/layer_store.py).
    echo "test --test_env=STRUCTURE_TEST_LAYER_STORE=$STATE/structure-test-layers"
    # A remote cache shared by clones or machines must not hand one root's results to another:
    # actions run the root's python3, regctl, jq... by path, which no action key covers; the
    # root's fingerprint (tools/bootstrap) becomes part of every remote action key.
    [[ ! -f $ROOT/.stamps/fingerprint ]] ||
      echo "build --remote_default_exec_properties=distroless-toolchain-root=$(cat "$ROOT/.stamps/fingerprint")"
  } >"$rc.$$" && mv "$rc.$$" "$rc"
  echo "$rc"
}

"""tools/remote_cache is a real Bazel remote cache: a second fresh output base builds an index
with --config=remote almost entirely from what the first one uploaded, to the same digests.

Runs tools/bazel (so on the host, as root, like tests/host's other tests); two output bases of
its own under the state cache and a store of its own, all removed afterwards."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from benchmarks.build import (
    STATE,
    OutputBase,
    catalog,
    free_port,
    remote_flags,
    start_server,
    stop_server,
)

CACHE = Path(os.environ.get("DISTROLESS_CACHE", "/var/cache/distroless-bazel"))
# Small (the static image, amd64 and arm64) but every kind of action: layers, images, an index.
TARGET = "//base:static_nonroot_debian12"

pytestmark = pytest.mark.skipif(
    not (CACHE / "root" / "usr" / "bin" / "env").exists() or os.geteuid() != 0,
    reason="runs tools/bazel, which needs the host side as root (not the toolchain root): "
    "tools/test runs it on the host",
)


def test_a_second_output_base_builds_from_the_remote_cache():
    port = free_port()
    store = STATE / "remote-cache-test" / str(os.getpid())
    server = start_server("remote_cache", store, port)
    bases = [OutputBase("remote-test-a", remote_flags(port))]
    try:
        bases[0].build(TARGET)
        first = catalog(bases[0], TARGET)[0]
        bases[0].close()  # nothing but the remote cache is shared with the second build
        bases.append(OutputBase("remote-test-b", remote_flags(port)))
        build = bases[1].build(TARGET)
        processes, kinds = build.processes()
        hits = kinds.get("remote cache hit", 0)
        cacheable = processes - kinds.get("internal", 0)
        print(
            f"{TARGET} from the remote cache: {hits} of {cacheable} actions, {build.seconds:.1f} s"
        )
        # From Bazel's own line "INFO: N processes: M remote cache hit, K internal."
        assert cacheable > 0 and hits >= 0.95 * cacheable, build.log[-3000:]
        assert catalog(bases[1], TARGET)[0] == first
    finally:
        for base in bases:
            base.close()
        stop_server(server)
        shutil.rmtree(store, ignore_errors=True)

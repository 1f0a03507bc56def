"""tools/remote_exec is real remote execution: with --config=remote_exec, every action of an
index that is not one of Bazel's internal ones runs on BuildGrid's worker (Bazel's own summary
says "N remote"), and the index digests are those of a local build.

Runs tools/bazel and tools/remote_exec (so on the host, as root, like tests/host's other tests);
the first run fetches BuildGrid from PyPI and buildbox from Debian into the state cache. Two
output bases of its own under the state cache and a store of its own, all removed afterwards."""

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


def test_actions_run_on_the_worker_to_the_same_digests():
    port = free_port()
    store = STATE / "remote-exec-test" / str(os.getpid())
    server = start_server("remote_exec", store, port, wait=300)
    flags = ["--config=remote_exec", f"--remote_executor=grpc://127.0.0.1:{port}"]
    bases = [OutputBase("remote-exec-test", flags), OutputBase("remote-exec-local", [])]
    try:
        build = bases[0].build(TARGET)
        processes, kinds = build.processes()
        remote = kinds.get("remote", 0)
        executed = processes - kinds.get("internal", 0)
        seconds = build.seconds
        print(f"{TARGET} through BuildGrid: {remote} of {executed} actions remote, {seconds:.1f} s")
        # From Bazel's own line "INFO: N processes: K internal, M remote."
        assert executed > 0 and remote == executed, build.log[-3000:]
        bases[1].build(TARGET)
        assert catalog(bases[0], TARGET)[0] == catalog(bases[1], TARGET)[0]
    finally:
        for base in bases:
            base.close()
        stop_server(server)
        shutil.rmtree(store, ignore_errors=True)

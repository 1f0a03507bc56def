"""`bazel run <image>_load` puts a per-arch image into podman (or docker), under the tag its
publishing plan gives it, and podman runs it: as the catalog's images, so a downstream module's.

tools/bazel runs tools/inroot, which only works on the host: inside the root these tests are
skipped; tools/test runs tests/host on the host."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("DISTROLESS_CACHE", "/var/cache/distroless-bazel"))
CONTAINERS_CONF = REPO / "tests" / "publish" / "containers.conf"

pytestmark = pytest.mark.skipif(
    not (CACHE / "root" / "usr" / "bin" / "env").exists() or os.geteuid() != 0,
    reason="runs tools/bazel, which needs the host side as root (not the toolchain root): "
    "tools/test runs it on the host",
)


def inroot(*argv: str) -> subprocess.CompletedProcess:
    # podman inside the toolchain root, where the load target put the image; no networking.
    return subprocess.run(
        [str(REPO / "tools" / "inroot"), "env", f"CONTAINERS_CONF={CONTAINERS_CONF}", *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_catalog_image_loads_and_runs():
    tag = "distroless/static-debian12:debug-nonroot-amd64"
    inroot("podman", "rmi", "--force", tag)
    load = subprocess.run(
        [
            str(REPO / "tools" / "bazel"),
            "run",
            "--noshow_progress",
            "//base:static_debug_nonroot_amd64_debian12_load",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert load.returncode == 0, load.stderr[-3000:]
    assert f"Loaded image: localhost/{tag}" in load.stdout + load.stderr
    run = inroot("podman", "run", "--rm", tag, "-c", "id -u; cat /etc/os-release | head -1")
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.splitlines() == ["65532", 'PRETTY_NAME="Distroless"']
    inroot("podman", "rmi", "--force", tag)

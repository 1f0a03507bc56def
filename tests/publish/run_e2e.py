#!/usr/bin/env python3
"""Pull and run a published image with podman, and with the docker CLI against podman's socket.

Publishes static-debian12's debug indexes (busybox: something to run) to a registry on a random
loopback port, then runs them by tag with podman (settings: containers.conf of this folder,
storage and registries.conf in temporary directories) and, when the docker CLI is installed,
with `docker` talking to `podman system service`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.publish.e2e_support import (
    TMP,
    WORKSPACE,
    CheckFailed,
    Registry,
    check,
    expected_tags,
    make_keys,
    publish,
    step,
)

REPOSITORY = "static-debian12"


def podman_env(registry: Registry, root: Path) -> dict[str, str]:
    (root / "storage.conf").write_text(
        f'[storage]\ndriver = "overlay"\nrunroot = "{root}/run"\ngraphroot = "{root}/graph"\n'
    )
    # The test registry speaks plain HTTP.
    (root / "registries.conf").write_text(
        "unqualified-search-registries = []\n"
        f'[[registry]]\nlocation = "{registry.host}"\ninsecure = true\n'
    )
    return {
        **os.environ,
        "CONTAINERS_CONF": str(WORKSPACE / "tests/publish/containers.conf"),
        "CONTAINERS_STORAGE_CONF": str(root / "storage.conf"),
        "CONTAINERS_REGISTRIES_CONF": str(root / "registries.conf"),
        "PODMAN_IGNORE_CGROUPSV1_WARNING": "1",
    }


def run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    print(f"$ {' '.join(command)}\n{done.stdout}{done.stderr}(exit {done.returncode})", flush=True)
    return done


def with_podman(image: str, env: dict[str, str]) -> None:
    step(f"podman run {image}")
    done = run(["podman", "run", "--rm", image, "-c", "id -u; echo hello from distroless"], env)
    if "duplicates of file paths not supported" in done.stderr:
        print(
            "podman >= 5 refuses layers that list a path twice; private/debian/deb_layer.py adds "
            "var/, var/lib/, var/lib/dpkg/ again to base-files' layer (which ships them)"
        )
    check(done.returncode == 0, "podman pulls and runs the image")
    check(done.stdout.split() == ["65532", "hello", "from", "distroless"], "as uid 65532 (nonroot)")
    digest = expected_tags(REPOSITORY)["debug-nonroot"]
    inspect = run(["podman", "image", "inspect", "--format", "{{json .RepoDigests}}", image], env)
    check(digest in inspect.stdout, f"the pulled index is the local one ({digest[:19]})")


def with_docker_cli(image: str, env: dict[str, str], root: Path) -> None:
    step(f"docker run {image} (docker CLI -> podman system service)")
    if not shutil.which("docker"):
        print("SKIP docker CLI: not installed here (Debian package docker-cli)")
        return
    socket = root / "podman.sock"
    service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{socket}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        docker_env = {**env, "DOCKER_HOST": f"unix://{socket}"}
        done = run(
            ["docker", "run", "--rm", image, "-c", "id -u; echo hello from docker"], docker_env
        )
        check(done.returncode == 0, "docker pulls and runs the image through podman's socket")
        check(
            done.stdout.split() == ["0", "hello", "from", "docker"], "as root (the debug variant)"
        )
    finally:
        service.terminate()
        service.wait()


def main() -> int:
    registry = Registry(TMP / "registry")
    registry.start()
    # Short paths for podman's sockets (the test's temporary directory is deep).
    root = Path(tempfile.mkdtemp(prefix="podman.", dir="/tmp"))
    try:
        keys = make_keys(TMP)
        step("publish the debug indexes of static-debian12")
        prefix = f"{registry.host}/distroless"
        done = publish(
            "--registry",
            prefix,
            "--key",
            str(keys["good"]),
            "--insecure",
            "--filter",
            f"{REPOSITORY}:debug*",
        )
        check(done.returncode == 0, "publish exits 0")
        env = podman_env(registry, root)
        with_podman(f"{prefix}/{REPOSITORY}:debug-nonroot", env)
        with_docker_cli(f"{prefix}/{REPOSITORY}:debug", env, root)
    except CheckFailed as e:
        print(f"FAIL {e}", flush=True)
        return 1
    finally:
        registry.stop()
        subprocess.run(
            ["podman", "system", "reset", "--force"],
            env=podman_env(registry, root),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

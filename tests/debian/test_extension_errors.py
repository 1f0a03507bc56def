"""The debian extension's failures, as a downstream module sees them: a real Bazel build of a
small module that uses this one through local_path_override, once per kind of bad input."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.debian import test_downstream_module as downstream

FIXTURE, REPO = downstream.FIXTURE, downstream.REPO
NETBASE = FIXTURE["packages"]["amd64"]["netbase"]
pytestmark = downstream.pytestmark


def lock_with(netbase: dict | None = None, **top) -> str:
    lock = {**FIXTURE, "packages": {"amd64": {"netbase": {**NETBASE, **(netbase or {})}}}}
    lock["sets"] = {}
    lock.update(top)
    return json.dumps(lock)


def build(tmp_path: Path, lock_text: str, package: str = "netbase") -> subprocess.CompletedProcess:
    (tmp_path / "t.lock.json").write_text(lock_text)
    (tmp_path / "MODULE.bazel").write_text(
        'module(name = "downstream")\n'
        'bazel_dep(name = "distroless", version = "0.0.0")\n'
        f'local_path_override(module_name = "distroless", path = "{REPO}")\n'
        'debian = use_extension("@distroless//:extensions.bzl", "debian")\n'
        'debian.lock(name = "t", lock = "//:t.lock.json")\n'
        'use_repo(debian, "t")\n'
    )
    (tmp_path / "BUILD.bazel").write_text(
        'load("@t//:packages.bzl", "package")\n'
        f'filegroup(name = "layer", srcs = [package("amd64", "{package}")])\n'
    )
    return downstream.bazel(tmp_path, "build", "--noshow_progress", "//:layer")


def test_good_lock_builds_the_layer(tmp_path):
    result = build(tmp_path, lock_with())
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize(
    ("lock_text", "package", "message"),
    [
        ("{ not json", "netbase", "is not a JSON object; regenerate it with"),
        (json.dumps({"lock_version": 1, "release": "x"}), "netbase", 'has no "packages" field'),
        (lock_with(), "no-such-package", 'package "no-such-package" is not in the lock'),
        (lock_with(netbase={"sha256": "0" * 64}), "netbase", "got sha256 " + NETBASE["sha256"]),
        (
            # A hash the repository cache cannot have, or the cached file would satisfy it.
            lock_with(netbase={"urls": [NETBASE["urls"][0] + ".missing"], "sha256": "1" * 64}),
            "netbase",
            "every URL failed",
        ),
    ],
    ids=["malformed", "missing-field", "unknown-package", "hash-mismatch", "all-urls-fail"],
)
def test_bad_input_fails_with_an_actionable_message(tmp_path, lock_text, package, message):
    result = build(tmp_path, lock_text, package)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr[-3000:]
    if "sha256" in message or "URL" in message:
        assert "URLs tried: http://deb.debian.org/" in result.stderr
        assert "bazel run @distroless//debian_package_manager -- update" in result.stderr

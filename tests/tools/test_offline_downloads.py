"""The offline layer's downloader config: Bazel may fetch only from the hosts this environment
reaches, and anything else fails at once with a message that says so."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("DISTROLESS_STATE", "/tmp"))

pytestmark = pytest.mark.skipif(
    shutil.which("bazel") is None, reason="needs Bazel: run inside the toolchain root (tools/test)"
)


def test_download_from_another_host_is_blocked(tmp_path):
    (tmp_path / "MODULE.bazel").write_text(
        'module(name = "blocked")\n'
        'http_file = use_repo_rule("@bazel_tools//tools/build_defs/repo:http.bzl", "http_file")\n'
        'http_file(name = "elsewhere", urls = ["https://github.com/bazelbuild/bazel/x.tar.gz"],\n'
        '          sha256 = "' + "0" * 64 + '")\n'
    )
    (tmp_path / "BUILD.bazel").write_text('filegroup(name = "f", srcs = ["@elsewhere//file"])\n')
    rc = (REPO / "tools/toolchain/offline.bazelrc").read_text()
    rc = rc.replace("%workspace%", str(REPO)).replace(
        "=tools/toolchain/", f"={REPO}/tools/toolchain/"
    )
    # Only the downloader config matters here: of the module overrides, keep those of the stubs
    # @bazel_tools needs (the others name the project's own dependencies, absent here).
    rc = "\n".join(
        line for line in rc.splitlines() if "--override_module" not in line or "/stubs/" in line
    )
    (tmp_path / "offline.bazelrc").write_text(rc + "\ncommon --noenable_workspace\n")
    result = subprocess.run(
        [
            "bazel",
            "--batch",
            f"--output_user_root={STATE}/bazel-offline-tests",
            f"--bazelrc={tmp_path}/offline.bazelrc",
            "build",
            "--noshow_progress",
            "//:f",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert (
        "Only deb.debian.org, registry.npmjs.org, files.pythonhosted.org and this machine are"
        in (result.stderr)
    ), result.stderr[-3000:]

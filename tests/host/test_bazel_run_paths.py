"""`tools/bazel run` hands its program files from anywhere on the machine: absolute paths, paths
relative to a directory outside the work tree, an output file to write there; a path the toolchain
root needs for itself is refused with one line.

tools/bazel runs tools/inroot, which only works on the host: inside the root (where tools/test
runs pytest) these tests are skipped; tools/test runs tests/host on the host."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BAZEL = REPO / "tools" / "bazel"
CACHE = Path(os.environ.get("DISTROLESS_CACHE", "/var/cache/distroless-bazel"))
TARGET = "//tests/tools:cat_to"

pytestmark = pytest.mark.skipif(
    not (CACHE / "root" / "usr" / "bin" / "env").exists() or os.geteuid() != 0,
    reason="runs tools/bazel, which needs the host side as root (not the toolchain root): "
    "tools/test runs it on the host",
)


@pytest.fixture
def outside():
    """A directory outside the work tree, in the host's /var/tmp (not the root's, nor a tmpfs)."""
    path = Path(tempfile.mkdtemp(prefix="bazel-run-paths-", dir="/var/tmp"))
    assert not path.is_relative_to(REPO)
    yield path
    shutil.rmtree(path)


def bazel_run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BAZEL), "run", "--noshow_progress", TARGET, "--", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_absolute_paths_from_the_work_tree(outside):
    (outside / "in.txt").write_text("read by absolute path\n")
    result = bazel_run(REPO, str(outside / "in.txt"), f"--out={outside}/out.txt")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == f"cwd: {REPO}\nread by absolute path\n"
    assert (outside / "out.txt").read_text() == "read by absolute path\n"


def test_relative_paths_from_a_directory_outside(outside):
    (outside / "in.txt").write_text("read by relative path\n")
    (outside / "sub").mkdir()
    (outside / "sub" / "two.txt").write_text("and another\n")
    result = bazel_run(outside, "in.txt", "sub/two.txt", "--out=sub/out.txt")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == f"cwd: {outside}\nread by relative path\nand another\n"
    assert (outside / "sub" / "out.txt").read_text() == "read by relative path\nand another\n"
    assert not list(CACHE.glob("state/run-*.sh")), "the run script is left behind"


def test_docker_config_is_bound(outside):
    (outside / "docker").mkdir()
    (outside / "docker" / "config.json").write_text('{"auths": {}}\n')
    result = subprocess.run(
        [str(BAZEL), "run", "--noshow_progress", TARGET],
        cwd=REPO,
        env={**os.environ, "DOCKER_CONFIG": str(outside / "docker")},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == f"cwd: {REPO}\ndocker config: config.json\n"


def test_a_path_the_root_needs_is_refused(outside):
    (outside / "in.txt").write_text("x\n")
    result = bazel_run(outside, "in.txt", "--out=/usr/local/bazel-run-paths.out")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "tools/inroot: cannot make /usr/local visible inside the toolchain root: "
        "it is inside /usr, which the toolchain root needs; "
        "copy it elsewhere (under /var/tmp or your home, say) and pass that path"
    )
    assert not Path("/usr/local/bazel-run-paths.out").exists()


def test_arguments_that_need_no_bind():
    # Paths already inside the work tree, and words that only look like paths (a registry, a
    # pattern): nothing to bind, and the run goes on as without them.
    result = bazel_run(REPO, "README.md", "--filter=static-debian12*", "127.0.0.1:5000/x")
    assert result.returncode == 1, result.stderr[-3000:]  # cat_to: 127.0.0.1:5000/x is no file
    assert result.stdout.startswith(f"cwd: {REPO}\n# distroless, rebuilt with Bazel\n")
    assert "bad array subscript" not in result.stderr

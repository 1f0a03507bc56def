"""distroless as a downstream module sees it: a throw-away module outside this repository
(local_path_override, as in test_extension_errors.py) that

(a) loads the public API (`@distroless//:defs.bzl`, `@distroless//:extensions.bzl`) and builds
    an image of a locked package, with a structure test of it;
(b) runs the lock tool, `bazel run @distroless//debian_package_manager -- lock ...`, against the
    signed loopback archive of tests/debian_package_manager, and gets the lock file in its own
    directory (relative paths resolve in the caller's workspace).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((REPO / "tests/debian/testdata/bookworm.lock.json").read_text())
STATE = Path(os.environ.get("DISTROLESS_STATE", "/tmp"))

pytestmark = pytest.mark.skipif(
    shutil.which("bazel") is None, reason="needs Bazel: run inside the toolchain root (tools/test)"
)

MODULE = f"""\
module(name = "downstream")

bazel_dep(name = "distroless", version = "0.0.0")
local_path_override(module_name = "distroless", path = "{REPO}")

debian = use_extension("@distroless//:extensions.bzl", "debian")
debian.lock(name = "mylock", lock = "//:my.lock.json")
use_repo(debian, "mylock")

# The offline layer only (tools/bazel sets DISTROLESS_HOST_TOOLS=1): rules_oci's tools from the
# build machine, as the distroless module itself registers them as a dev dependency.
host_tools = use_extension("@distroless//:extensions.bzl", "host_tools")
use_repo(host_tools, "distroless_host_tools")
register_toolchains("@distroless_host_tools//:all")
"""

BUILD = """\
load("@distroless//:defs.bzl", "deb_layer", "distroless_image", "structure_test")

# A layer of the locked .deb made by the user's own deb_layer (what the hub's package() is).
deb_layer(
    name = "netbase",
    deb = "@mylock//amd64:netbase_deb",
    package = "netbase",
)

distroless_image(
    name = "image",
    arch = "amd64",
    packages = [":netbase"],
    tars = [":netbase"],
    user = "65532",
)

structure_test(
    name = "image_test",
    configs = ["image_test.yaml"],
    image = ":image",
)
"""

CST = """\
schemaVersion: 2.0.0
fileExistenceTests:
  - name: netbase's services
    path: /etc/services
    shouldExist: true
metadataTest:
  user: "65532"
"""

# Builds and serves the loopback archive of tests/debian_package_manager (dpm_archive.py), in
# a child process started in that directory so that its helper modules import as they do there.
SERVE_ARCHIVE = """\
import sys, time
from datetime import timedelta
from pathlib import Path
from dpm_archive import MAIN_PACKAGES, UPDATES_PACKAGES, ArchiveBuilder, ArchiveServer, Suite
from dpm_archive import now_utc
from dpm_openpgp import SigningKey

root = Path(sys.argv[1])
key = SigningKey.generate()
builder = ArchiveBuilder(root, key)
now = now_utc() - timedelta(hours=1)
builder.publish(root / "debian", Suite("testing", MAIN_PACKAGES), now)
builder.publish(root / "debian", Suite("testing-updates", UPDATES_PACKAGES), now)
(root / "keyring.gpg").write_bytes(key.public_keyring())
server = ArchiveServer(root)
print(server.url, flush=True)
while True:
    time.sleep(60)
"""


def offline_bazelrc(module: Path) -> Path:
    """The offline layer with its paths made absolute: the module is not the project's workspace."""
    rc = (REPO / "tools/toolchain/offline.bazelrc").read_text()
    rc = rc.replace("%workspace%", str(REPO)).replace(
        "=tools/toolchain/", f"={REPO}/tools/toolchain/"
    )
    path = module / "offline.bazelrc"
    path.write_text(rc + "common --noenable_workspace --lockfile_mode=off\n")
    return path


def bazel(module: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            "bazel",
            "--batch",
            f"--output_user_root={STATE}/bazel-extension-tests",
            f"--bazelrc={offline_bazelrc(module)}",
            *args,
        ],
        cwd=module,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def test_public_api_builds_an_image(tmp_path):
    netbase = FIXTURE["packages"]["amd64"]["netbase"]
    lock = {**FIXTURE, "packages": {"amd64": {"netbase": netbase}}, "sets": {}}
    (tmp_path / "my.lock.json").write_text(json.dumps(lock))
    (tmp_path / "MODULE.bazel").write_text(MODULE)
    (tmp_path / "BUILD.bazel").write_text(BUILD)
    (tmp_path / "image_test.yaml").write_text(CST)
    result = bazel(tmp_path, "build", "--noshow_progress", "//:image", "//:image_test")
    assert result.returncode == 0, result.stderr[-3000:]
    layout = tmp_path / "bazel-bin" / "image"
    assert (layout / "index.json").is_file(), result.stderr[-3000:]


@pytest.fixture
def archive(tmp_path_factory):
    if shutil.which("dpkg-deb") is None or shutil.which("gpgv") is None:
        pytest.skip("dpkg-deb and gpgv are needed for the loopback archive")
    root = tmp_path_factory.mktemp("archive")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE_ARCHIVE, str(root)],
        cwd=REPO / "tests" / "debian_package_manager",
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()
        assert url.startswith("http://"), "the archive server did not start"
        yield url, root / "keyring.gpg"
    finally:
        server.kill()
        server.wait()


def test_lock_tool_writes_into_the_callers_workspace(tmp_path, archive):
    url, keyring = archive
    module = tmp_path / "module"
    module.mkdir()
    (module / "MODULE.bazel").write_text(MODULE.split("\ndebian = ")[0] + "\n")
    (module / "BUILD.bazel").write_text("")
    (module / "debian_packages.yaml").write_text(
        "version: 1\n"
        "mirrors:\n"
        "  test:\n"
        f"    url: {url}/debian\n"
        f"    snapshot_url: {url}/snapshot/archive/debian\n"
        "releases:\n"
        "  debian99:\n"
        "    codename: testing\n"
        '    version: "99"\n'
        f"    keyrings: [{keyring}]\n"
        "    architectures: [amd64]\n"
        "    archives:\n"
        "      - {suite: testing, mirror: test}\n"
        "      - {suite: testing-updates, mirror: test}\n"
        "    exclude:\n"
        "      debconf: maintainer scripts only\n"
        "      debconf-2.0: virtual name of debconf\n"
        "      mawk: maintainer scripts only\n"
        "sets:\n"
        "  hello:\n"
        "    packages: [base-files, hello, tzdata]\n"
    )
    result = bazel(
        module,
        "run",
        "--noshow_progress",
        "@distroless//debian_package_manager",
        "--",
        "lock",
        "-q",
        "--config",
        "debian_packages.yaml",
        env={"DISTROLESS_DPM_CACHE": str(tmp_path / "cache")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lock = json.loads((module / "locks" / "debian99.lock.json").read_text())
    assert "hello" in lock["packages"]["amd64"]


def test_mod_tidy_imports_the_hubs(tmp_path):
    # The extension reports its hubs as the root module's direct dependencies, so `bazel mod
    # tidy` writes the use_repo a user forgot (and would drop one of a lock no longer there).
    netbase = FIXTURE["packages"]["amd64"]["netbase"]
    lock = {**FIXTURE, "packages": {"amd64": {"netbase": netbase}}, "sets": {}}
    (tmp_path / "my.lock.json").write_text(json.dumps(lock))
    (tmp_path / "MODULE.bazel").write_text(MODULE.replace('use_repo(debian, "mylock")\n', ""))
    (tmp_path / "BUILD.bazel").write_text("")
    result = bazel(tmp_path, "mod", "tidy")
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'use_repo(debian, "mylock")' in (tmp_path / "MODULE.bazel").read_text()

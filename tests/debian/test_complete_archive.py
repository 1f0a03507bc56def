"""With a complete archive, every architecture of a release enters every index.

The catalog's debian12 indexes hold amd64 and arm64 only: the mirror here serves no
bookworm-security for arm, s390x and ppc64le (and bookworm-updates lags for them), so their locked
versions differ from amd64's and family.bzl's consistent_arches leaves them out of the indexes
(built alone, tested by //tests/images:outside_index). This test shows that the cause is the
archive, not the build: it locks the base family's sets for all five debian12 architectures
against bookworm's point release alone (a complete suite: every architecture at the same versions,
read from the real mirror and verified with Debian's keys), builds the base family from that lock
in a module outside the repository, and checks that each of its 12 indexes lists all five platforms.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from test_downstream_module import MODULE, REPO, STATE, bazel

ARCHES = ["amd64", "arm64", "arm", "s390x", "ppc64le"]
PLATFORMS = {
    "amd64": ("amd64", None),
    "arm64": ("arm64", "v8"),
    "arm": ("arm", "v7"),
    "s390x": ("s390x", None),
    "ppc64le": ("ppc64le", None),
}
SETS = ["static", "base_nossl", "base", "busybox"]

BUILD = """\
load("@complete_releases//:releases.bzl", "RELEASES")
load("@distroless//private/image:catalog.bzl", "CATALOG")
load("@distroless//private/image:family.bzl", "distroless_family")

# The catalog's base family (static, base-nossl, base and their debug variants), from this
# module's lock of bookworm's point release.
distroless_family(name = "base", catalog = CATALOG, releases = RELEASES, shared_layers = False)
"""


def complete_config() -> dict:
    """The project's debian12 release and base sets, bookworm's point release as the only suite."""
    config = yaml.safe_load((REPO / "debian_packages.yaml").read_text())
    release = config["releases"]["debian12"]
    release["architectures"] = ARCHES
    release["archives"] = [{"suite": "bookworm", "mirror": "debian"}]
    return {
        "version": config["version"],
        "mirrors": {"debian": config["mirrors"]["debian"]},
        "releases": {"debian12": release},
        "sets": {name: only_debian12(config["sets"][name], config["releases"]) for name in SETS},
    }


def only_debian12(value, releases):
    """A set's fields without entries keyed by other releases (packages: {debian13: ...})."""
    if isinstance(value, dict):
        return {
            key: only_debian12(item, releases)
            for key, item in value.items()
            if key == "debian12" or key not in releases
        }
    return value


@pytest.fixture(scope="module")
def module(tmp_path_factory) -> Path:
    module = tmp_path_factory.mktemp("complete")
    (module / "debian_packages.yaml").write_text(yaml.safe_dump(complete_config()))
    lock = subprocess.run(
        [sys.executable, "-m", "debian_package_manager", "lock", "-q"]
        + ["--config", str(module / "debian_packages.yaml"), "--require-available"]
        + ["--cache-dir", str(STATE / "dpm-cache")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert lock.returncode == 0, lock.stderr[-3000:]
    (module / "MODULE.bazel").write_text(
        MODULE.replace('debian.lock(name = "mylock", lock = "//:my.lock.json")', "").replace(
            'use_repo(debian, "mylock")', ""
        )
        + 'debian.lock(name = "complete_debian12", lock = "//locks:debian12.lock.json")\n'
        + 'debian.releases(name = "complete_releases")\n'
        + 'use_repo(debian, "complete_debian12", "complete_releases")\n'
    )
    (module / "locks" / "BUILD.bazel").write_text('exports_files(["debian12.lock.json"])\n')
    (module / "BUILD.bazel").write_text(BUILD)
    return module


def test_the_lock_has_the_same_versions_on_every_architecture(module):
    lock = json.loads((module / "locks" / "debian12.lock.json").read_text())
    assert lock["architectures"] == ARCHES
    versions = {
        arch: {name: entry["version"] for name, entry in lock["packages"][arch].items()}
        for arch in ARCHES
    }
    assert "libssl3" in versions["s390x"]
    for arch in ARCHES[1:]:
        assert versions[arch] == versions["amd64"], arch


def test_every_index_holds_all_five_architectures(module):
    result = bazel(module, "build", "--noshow_progress", "//:debian12")
    assert result.returncode == 0, result.stderr[-3000:]
    # The per-arch images are OCI layouts too: an index's name has no architecture in it.
    indexes = sorted(
        path.parent
        for path in (module / "bazel-bin").glob("*_debian12/index.json")
        if not any(f"_{arch}_" in path.parent.name for arch in ARCHES)
    )
    names = [index.name for index in indexes]
    assert len(names) == 12, names  # static, base_nossl, base x root/nonroot x debug or not
    for index in indexes:
        manifests = json.loads((index / "index.json").read_text())["manifests"]
        assert len(manifests) == 1, index.name
        blob = manifests[0]["digest"].replace(":", "/")
        inner = json.loads((index / "blobs" / blob).read_text())
        platforms = sorted(
            (m["platform"]["architecture"], m["platform"].get("variant"))
            for m in inner["manifests"]
        )
        assert platforms == sorted(PLATFORMS.values()), f"{index.name}: {platforms}"

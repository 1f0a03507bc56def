"""The SLSA provenance: the build-time predicate (private/sbom/provenance.py) completed with the
source and run (private/publish/provenance.py) is a valid in-toto Statement v1 with a SLSA
provenance v1 predicate (slsa_schema.py, from the specifications); verify reads back its claim."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from private.publish import provenance as push_time
from private.publish import publish
from private.publish.errors import UsageError
from private.sbom import provenance as build_time
from private.sbom.components import Component
from private.sbom.licences import NOASSERTION, Licence
from private.verify.errors import VerifyError
from private.verify.source import check_locks, claim_of
from tests.publish.slsa_schema import problems, statement

DIGEST = "sha256:" + "ab" * 32
SOURCE = push_time.Source("https://example.invalid/distroless.git", "c0ffee" * 6 + "abcd", "")
RUN = push_time.Run(push_time.DEFAULT_BUILDER, "7d3c", "2026-12-01T19:00:00Z")


def component(name: str, sha: str) -> Component:
    return Component(
        ecosystem="deb",
        name=name,
        version="1.0-1",
        purl=f"pkg:deb/debian/{name}@1.0-1?arch=amd64&distro=debian-12",
        download=f"http://deb.debian.org/debian/pool/main/{name}_1.0-1_amd64.deb",
        sha256=sha * 64,
        sha512="",
        homepage="",
        maintainer="",
        source="",
        licence=Licence(NOASSERTION, {}, ()),
    )


@pytest.fixture
def template(tmp_path: Path) -> dict:
    (tmp_path / "MODULE.bazel").write_text(
        'bazel_dep(name = "rules_oci", version = "2.2.7")\nbazel_dep(name = "x", version = "1")\n'
    )
    (tmp_path / ".bazelversion").write_text("7.7.1\n")
    (tmp_path / "debian12.lock.json").write_text("{}\n")
    toolchain = build_time.read_toolchain(tmp_path / "MODULE.bazel", tmp_path / ".bazelversion")
    lock = build_time.file_dependency("locks/debian12.lock.json", tmp_path / "debian12.lock.json")
    packages = [component("libc6", "a"), component("base-files", "b"), component("libc6", "a")]
    return build_time.build_definition("//base:static_nonroot_debian12", lock, packages, toolchain)


def test_completed_statement_is_valid(template):
    predicate = push_time.complete(template, SOURCE, RUN)
    assert problems(statement(DIGEST, "r/static-debian12", predicate)) == []
    definition = predicate["buildDefinition"]
    assert definition["externalParameters"] == {
        "repository": SOURCE.repository,
        "commit": SOURCE.commit,
        "workspace": "",
        "target": "//base:static_nonroot_debian12",
    }
    toolchain = definition["internalParameters"]["toolchain"]
    assert toolchain["bazel"] == "7.7.1" and toolchain["modules"]["rules_oci"] == "2.2.7"
    names = [d.get("name") for d in definition["resolvedDependencies"]]
    # The source commit, the lock, then each package once, sorted by purl.
    assert names == [None, "locks/debian12.lock.json", "base-files@1.0-1", "libc6@1.0-1"]
    assert definition["resolvedDependencies"][0]["digest"] == {"gitCommit": SOURCE.commit}
    lock = definition["resolvedDependencies"][1]
    assert lock["uri"].endswith(f"@{SOURCE.commit}#locks/debian12.lock.json")
    deb = definition["resolvedDependencies"][3]
    assert deb["downloadLocation"].startswith("http://deb.debian.org/")
    assert deb["digest"] == {"sha256": "a" * 64}


def test_schema_rejects_what_the_spec_forbids(template):
    predicate = push_time.complete(template, SOURCE, RUN)
    broken = json.loads(json.dumps(predicate))
    del broken["runDetails"]["builder"]["id"]
    broken["buildDefinition"]["resolvedDependencies"].append({"name": "no identity"})
    broken["buildDefinition"]["buildType"] = "not a uri"
    found = problems(statement(DIGEST, "r", broken))
    assert any("'id' is a required property" in p for p in found)
    assert any("resolvedDependencies/" in p for p in found)
    assert any("buildType" in p for p in found)
    assert problems({**statement(DIGEST, "r", predicate), "predicateType": "x"})


def test_workspace_below_the_repository_prefixes_the_lock(template, tmp_path):
    source = push_time.Source(SOURCE.repository, SOURCE.commit, "examples/add_package")
    predicate = push_time.complete(template, source, RUN)
    claim = claim_of(predicate)
    assert claim.workspace == "examples/add_package"
    assert list(claim.locks) == ["examples/add_package/locks/debian12.lock.json"]
    # verify checks the lock in the checkout's root: the path holds the module's directory.
    lock = tmp_path / "tree" / "examples" / "add_package" / "locks" / "debian12.lock.json"
    lock.parent.mkdir(parents=True)
    lock.write_text("{}\n")
    assert check_locks(claim, tmp_path / "tree")


def test_claim_and_lock_check(template, tmp_path):
    claim = claim_of(push_time.complete(template, SOURCE, RUN))
    assert claim.target == "//base:static_nonroot_debian12" and claim.commit == SOURCE.commit
    tree = tmp_path / "tree"
    (tree / "locks").mkdir(parents=True)
    (tree / "locks" / "debian12.lock.json").write_text("{}\n")
    assert check_locks(claim, tree)
    (tree / "locks" / "debian12.lock.json").write_text('{"other": 1}\n')
    with pytest.raises(VerifyError, match="lock: the provenance names locks/debian12.lock.json"):
        check_locks(claim, tree)


def test_other_build_types_are_not_rebuilt(template):
    predicate = push_time.complete(template, SOURCE, RUN)
    predicate["buildDefinition"]["buildType"] = "https://example.invalid/other"
    with pytest.raises(VerifyError, match="not an image of distroless"):
        claim_of(predicate)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_source_from_git_refuses_uncommitted_changes(tmp_path):
    repo = tmp_path / "repo"
    (repo / "examples" / "app").mkdir(parents=True)
    (repo / "examples" / "app" / "MODULE.bazel").write_text("")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-qm", "one", cwd=repo)
    source = push_time.source_from_git(repo / "examples" / "app")
    assert source.commit == git("rev-parse", "HEAD", cwd=repo)
    assert source.workspace == "examples/app" and source.repository == str(repo)
    (repo / "examples" / "app" / "MODULE.bazel").write_text("changed")
    with pytest.raises(UsageError, match="uncommitted changes"):
        push_time.source_from_git(repo)


def source_args(**flags) -> argparse.Namespace:
    values = {"source_repository": None, "source_commit": None, "source_path": None}
    return argparse.Namespace(**{**values, **flags})


def test_publisher_source_from_flags_or_the_workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("BUILD_WORKSPACE_DIRECTORY", raising=False)
    flags = source_args(source_repository="https://x.invalid/r.git", source_commit="abc")
    assert publish.provenance_source(flags) == push_time.Source(
        "https://x.invalid/r.git", "abc", ""
    )
    with pytest.raises(UsageError, match="--source-commit needs --source-repository"):
        publish.provenance_source(source_args(source_commit="abc"))
    with pytest.raises(UsageError, match="the provenance needs the source commit"):
        publish.provenance_source(source_args())
    repo = tmp_path / "repo"
    repo.mkdir()
    git("init", "-q", cwd=repo)
    git("commit", "-q", "--allow-empty", "-m", "one", cwd=repo)
    monkeypatch.setenv("BUILD_WORKSPACE_DIRECTORY", str(repo))
    chosen = publish.provenance_source(source_args(source_repository="https://x.invalid/r.git"))
    assert chosen == push_time.Source(
        "https://x.invalid/r.git", git("rev-parse", "HEAD", cwd=repo), ""
    )

"""`base:` configs: a downstream config built on a base config and its locks.

End to end against the loopback signed archive: a small base config (two sets, locked) plays
distroless; a downstream config in another directory extends its sets with one line and locks
with one command. The base config's own tests of `base: distroless` use this repository's
config and locks, offline.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from debian_package_manager.cli import main
from debian_package_manager.config import load_config

REPO = Path(__file__).resolve().parents[2]

BASE_SETS = (
    "  base:\n    packages: [base-files, tzdata]\n"
    "  hello:\n    extends: base\n    packages: [hello]\n"
)
DOWNSTREAM = """\
version: 1
base: {config: ../distroless/debian_packages.yaml}
sets:
  app:
    extends: hello     # a set of the base config
    packages: [python3]
"""


class Downstream:
    """A base config locked in <tmp>/distroless, a downstream config in <tmp>/app."""

    def __init__(self, workspace):
        self.base_dir = workspace.path / "distroless"
        self.base_dir.mkdir()
        self.base_config = self.base_dir / "debian_packages.yaml"
        self.base_config.write_text(workspace.archive.config_text(sets=BASE_SETS))
        self.base_lock = self.base_dir / "locks/debian99.lock.json"
        self.dir = workspace.path / "app"
        self.dir.mkdir()
        self.config = self.dir / "debian_packages.yaml"
        self.lock_file = self.dir / "locks/debian99.lock.json"

    def run(self, *args: str, config: Path | None = None) -> int:
        return main([args[0], "--config", str(config or self.config), *args[1:]])

    def lock(self, config: Path | None = None) -> int:
        return self.run("lock", "-q", "--retries", "1", "--retry-delay", "0.01", config=config)

    def lock_base(self) -> dict:
        assert self.lock(self.base_config) == 0
        return json.loads(self.base_lock.read_text())

    def edit_base_lock(self, arch: str, package: str, version: str) -> None:
        """As if the base was locked when the archive held another version of `package`."""
        document = json.loads(self.base_lock.read_text())
        document["packages"][arch][package]["version"] = version
        self.base_lock.write_text(json.dumps(document))

    def document(self) -> dict:
        return json.loads(self.lock_file.read_text())


@pytest.fixture
def downstream(workspace):
    return Downstream(workspace)


def only_error(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_downstream_set_locks_with_the_base_versions(downstream, capsys):
    base = downstream.lock_base()
    # The base was locked before testing-updates brought libhello1 1.1 to amd64: the
    # downstream must keep 1.0 there (the base images hold it), and takes 1.1 on arm64.
    assert base["packages"]["amd64"]["libhello1"]["version"] == "1.1"
    downstream.edit_base_lock("amd64", "libhello1", "1.0")
    base = json.loads(downstream.base_lock.read_text())
    downstream.config.write_text(DOWNSTREAM)

    assert downstream.lock() == 0
    lock = downstream.document()
    assert lock["base"] == {
        "config": "../distroless/debian_packages.yaml",
        "config_sha256": base["config_sha256"],
    }
    # Only the downstream's own set is locked; it is the base set plus python3's closure.
    assert list(lock["sets"]) == ["app"]
    assert lock["sets"]["app"]["amd64"] == [
        "base-files",
        "hello",
        "libc6",
        "libgcc-s1",
        "libhello1",
        "libpython3-stdlib",
        "media-types",
        "python3",
        "python3-minimal",
        "tzdata",
    ]
    for arch in ("amd64", "arm64"):
        for name in base["sets"]["hello"][arch]:
            shared, locked = lock["packages"][arch][name], base["packages"][arch][name]
            assert shared["version"] == locked["version"], (arch, name)
    amd64_libhello1 = lock["packages"]["amd64"]["libhello1"]
    assert amd64_libhello1["version"] == "1.0" and amd64_libhello1["suite"] == "testing"
    assert lock["packages"]["arm64"]["libhello1"]["version"] == "1.1"
    assert lock["packages"]["amd64"]["python3"]["reason"] == "set app: python3"
    assert downstream.run("check") == 0

    # A relocked base (other versions) makes the downstream lock stale.
    downstream.lock_base()
    capsys.readouterr()
    assert downstream.run("check") == 3
    assert "debian99.lock.json is stale" in only_error(capsys)


def test_downstream_narrows_releases_and_architectures(downstream):
    downstream.lock_base()
    downstream.config.write_text(
        DOWNSTREAM.replace("sets:\n", "releases: [debian99]\narchitectures: [arm64]\nsets:\n")
    )
    assert downstream.lock() == 0
    lock = downstream.document()
    assert lock["architectures"] == ["arm64"]
    assert {arch for archive in lock["archives"] for arch in archive["architectures"]} == {"arm64"}
    assert list(lock["packages"]) == ["arm64"]
    assert "python3" in lock["sets"]["app"]["arm64"]


def test_pinned_base_version_gone_from_the_archives(downstream, capsys):
    downstream.lock_base()
    downstream.edit_base_lock("amd64", "libhello1", "0.9")
    downstream.config.write_text(DOWNSTREAM)
    assert downstream.lock() == 1
    assert only_error(capsys) == (
        "error: debian99/amd64: libhello1 0.9 is the version in the base config "
        "../distroless/debian_packages.yaml's lock debian99.lock.json (the base images hold "
        "it), but the archives now have only 1.0, 1.1; relock "
        "../distroless/debian_packages.yaml against the current archives, then run lock again"
    )
    assert not downstream.lock_file.parent.exists()


def test_unknown_package_in_a_downstream_set(downstream, capsys):
    downstream.lock_base()
    downstream.config.write_text(DOWNSTREAM.replace("[python3]", "[helo]"))
    assert downstream.lock() == 1
    assert only_error(capsys) == (
        "error: debian99/amd64 set app: unknown package 'helo': no archive of debian99 has it "
        "for amd64; did you mean hello?"
    )
    assert not downstream.lock_file.parent.exists()


def test_a_failed_downstream_lock_keeps_the_old_lock(downstream, capsys):
    downstream.lock_base()
    downstream.config.write_text(DOWNSTREAM)
    assert downstream.lock() == 0
    before = downstream.lock_file.read_bytes()
    downstream.config.write_text(DOWNSTREAM.replace("[python3]", "[broken]"))
    assert downstream.lock() == 1
    assert "unsatisfiable dependency" in only_error(capsys)
    assert downstream.lock_file.read_bytes() == before
    assert not list(downstream.lock_file.parent.glob(".*tmp"))


def test_a_stale_base_lock_is_refused(downstream, capsys):
    downstream.lock_base()
    downstream.base_config.write_text(
        downstream.base_config.read_text().replace("[base-files, tzdata]", "[base-files]")
    )
    downstream.config.write_text(DOWNSTREAM)
    assert downstream.lock() == 1
    assert only_error(capsys) == (
        "error: the base config ../distroless/debian_packages.yaml and its lock disagree, so "
        "the base images' versions are not known: "
        f"{downstream.base_lock} is stale: the config for debian99 changed since it was "
        "locked; run `python3 -m debian_package_manager lock --release debian99`"
    )


# --- config errors: one line, in the user's words, before anything is fetched -----------------

APP = "version: 1\nbase: {config: ../distroless/debian_packages.yaml}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            APP + "sets:\n  app:\n    extends: bsae\n    packages: [hello]\n",
            "{config}:5: set 'app' extends unknown set 'bsae' (did you mean base?); neither "
            "this config nor the base config ../distroless/debian_packages.yaml defines it",
        ),
        (
            APP + "releases: [debian11]\nsets:\n  app:\n    packages: [hello]\n",
            "{config}:3: releases: the base config ../distroless/debian_packages.yaml has no "
            "release 'debian11' (did you mean debian99?); it has: debian99",
        ),
        (
            APP + "releases: [debian98]\nsets:\n  app:\n    packages: [hello]\n",
            "{config}:3: releases: the base config ../distroless/debian_packages.yaml has no "
            "release 'debian98' (did you mean debian99?); it has: debian99",
        ),
        (
            APP + "sets:\n  app: [hello]\n",
            "{config}:4: set 'app' must be a mapping (key: value lines), not a list",
        ),
        (
            APP + "sets:\n  hello:\n    packages: [cycle-a]\n",
            "{config}:4: set 'hello' is already a set of the base config "
            "../distroless/debian_packages.yaml; give yours another name (sets can extend "
            "'hello' but not replace it)",
        ),
        (
            APP + "architectures: [arm]\nsets:\n  app:\n    packages: [hello]\n",
            "{config}:3: architectures: 'arm' is not an architecture of debian99 in the base "
            "config ../distroless/debian_packages.yaml",
        ),
        (
            APP + "releases:\n  debian99: {codename: testing}\n",
            "{config}:3: releases come from the base config "
            "../distroless/debian_packages.yaml; with base, list the ones to lock "
            "(e.g. releases: [debian99]), not a mapping",
        ),
        (
            APP + "mirrors:\n  debian: {url: http://deb.debian.org/debian}\n",
            "{config}:3: mirrors come from the base config ../distroless/debian_packages.yaml "
            "(base: ...); remove 'mirrors' here",
        ),
        (
            "version: 1\nbase: distroles\nsets: {}\n",
            "{config}:2: base 'distroles' is not known (did you mean distroless?); write "
            "base: distroless, or base: {{config: PATH}} for another config",
        ),
        (
            "version: 1\nbase: {config: ../nowhere.yaml}\n",
            "{config}: base config ../nowhere.yaml does not exist ({dir}/nowhere.yaml)",
        ),
    ],
    ids=[
        "unknown-parent",
        "release-the-base-lacks",
        "release-typo",
        "set-as-list",
        "redefined-base-set",
        "architecture-the-base-lacks",
        "releases-as-mapping",
        "own-mirrors",
        "unknown-base",
        "missing-base-config",
    ],
)
def test_config_errors(downstream, capsys, text, message):
    downstream.lock_base()
    downstream.config.write_text(text)
    capsys.readouterr()
    assert downstream.lock() == 1
    expected = message.format(config=downstream.config, dir=downstream.dir.parent)
    assert only_error(capsys) == f"error: {expected}"
    assert not downstream.lock_file.parent.exists()


def test_base_of_a_base_is_refused(downstream, capsys):
    downstream.base_config.write_text("version: 1\nbase: distroless\n")
    downstream.config.write_text(DOWNSTREAM)
    assert downstream.lock() == 1
    assert only_error(capsys) == (
        f"error: {downstream.base_config}:2: a base config cannot itself have a base; it must "
        "define its own releases"
    )


def test_top_level_architectures_need_a_base(workspace, capsys):
    workspace.write_config()
    text = workspace.config.read_text() + "architectures: [amd64]\n"
    workspace.config.write_text(text)
    assert workspace.lock() == 1
    line = text.count("\n")
    assert only_error(capsys) == (
        f"error: {workspace.config}:{line}: a top-level 'architectures' narrows the releases "
        "of a base (base: distroless); without base, list them under each release"
    )


def test_update_snapshot_refuses_a_config_on_a_base(downstream, capsys):
    downstream.lock_base()
    downstream.config.write_text(DOWNSTREAM)
    assert downstream.run("update", "-q", "--snapshot", "20250201T000000Z") == 1
    assert only_error(capsys) == (
        f"error: {downstream.config} takes its releases from the base config "
        "../distroless/debian_packages.yaml, snapshots included: --snapshot moves only a "
        "config's own releases"
    )


# --- base: distroless, offline, against this repository's config and locks -----------------------

MINIMAL = """\
version: 1
base: distroless
sets:
  app:
    extends: base     # a set of distroless' config
    packages: [libpq5]
"""


def test_base_distroless_pins_the_repository_locks(tmp_path, capsys):
    config_path = tmp_path / "debian_packages.yaml"
    config_path.write_text(MINIMAL)
    config = load_config(config_path)
    assert list(config.releases) == ["debian12", "debian13"]
    for name, release in config.releases.items():
        locked = json.loads((REPO / "locks" / f"{name}.lock.json").read_text())
        assert [spec.name for spec in release.sets] == ["app"]
        assert release.sets[0].packages[-1] == "libpq5"
        assert release.base is not None and release.base.ref.name == "distroless"
        assert release.base.config_sha256 == locked["config_sha256"]
        for arch, entries in locked["packages"].items():
            assert release.base.versions[arch] == {n: e["version"] for n, e in entries.items()}
    # Not locked yet: check says so in one line.
    assert main(["check", "--config", str(config_path)]) == 1
    assert only_error(capsys) == (
        f"error: {tmp_path}/locks/debian12.lock.json does not exist; run "
        "`python3 -m debian_package_manager lock`"
    )


def test_base_distroless_narrowed(tmp_path):
    config_path = tmp_path / "debian_packages.yaml"
    config_path.write_text(
        MINIMAL.replace("sets:\n", "releases: [debian12]\narchitectures: [amd64, arm64]\nsets:\n")
    )
    release = load_config(config_path).release("debian12")
    assert release.architectures == ("amd64", "arm64")
    assert [archive.architectures for archive in release.archives] == [("amd64", "arm64")] * 3
    assert set(release.base.versions) == {"amd64", "arm64"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "base: distroles\nsets: {}\n",
            "2: base 'distroles' is not known (did you mean distroless?); write base: "
            "distroless, or base: {config: PATH} for another config",
        ),
        (
            "base: distroless\nsets:\n  app:\n    extends: bsae\n    packages: [libpq5]\n",
            "5: set 'app' extends unknown set 'bsae' (did you mean base?); neither this config "
            "nor distroless' config defines it",
        ),
        (
            "base: distroless\nreleases: [debian11]\nsets:\n  app:\n    packages: [libpq5]\n",
            "3: releases: distroless' config has no release 'debian11' (did you mean debian13, "
            "debian12?); it has: debian12, debian13",
        ),
        (
            "base: distroless\nsets:\n  base:\n    packages: [libpq5]\n",
            "4: set 'base' is already a set of distroless' config; give yours another name "
            "(sets can extend 'base' but not replace it)",
        ),
        (
            "base: distroless\nsets:\n  app: [libpq5]\n",
            "4: set 'app' must be a mapping (key: value lines), not a list",
        ),
    ],
    ids=["unknown-base", "unknown-parent", "release-the-base-lacks", "redefined-set", "list"],
)
def test_base_distroless_config_errors(tmp_path, capsys, text, message):
    config_path = tmp_path / "debian_packages.yaml"
    config_path.write_text("version: 1\n" + text)
    assert main(["lock", "-q", "--config", str(config_path)]) == 1
    assert only_error(capsys) == f"error: {config_path}:{message}"
    assert not (tmp_path / "locks").exists()

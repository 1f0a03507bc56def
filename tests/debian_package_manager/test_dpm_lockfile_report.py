"""Lock serialization, atomic writes, staleness, diff and why views, CLI edges."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from debian_package_manager import lockfile
from debian_package_manager.cli import main
from debian_package_manager.config import load_config
from debian_package_manager.errors import LockError, StaleLockError
from debian_package_manager.lockfile import check_lock, read_lock, serialize, write_atomic
from debian_package_manager.npm import integrity_to_expected, pick_version
from debian_package_manager.report import diff_locks, explain

REPO = Path(__file__).resolve().parents[2]


def entry(name, version, sha="a" * 64):
    return {"name": name, "version": version, "sha256": sha}


def document(**packages_by_arch):
    return {
        "lock_version": 1,
        "release": "debian12",
        "architectures": ["amd64", "arm64"],
        "archives": [{"suite": "bookworm", "inrelease_sha256": "1", "date": "d1"}],
        "packages": {
            arch: {name: entry(name, version) for name, version in packages.items()}
            for arch, packages in packages_by_arch.items()
        },
        "sets": {"base": {arch: sorted(packages) for arch, packages in packages_by_arch.items()}},
        "npm": {},
    }


def test_serialize_is_sorted_with_trailing_newline():
    data = serialize({"b": 1, "a": {"d": [3, 1], "c": "ü"}})
    expected = (
        '{\n  "a": {\n    "c": "ü",\n    "d": [\n      3,\n      1\n    ]\n  },\n  "b": 1\n}\n'
    )
    assert data == expected.encode()


def test_write_atomic_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "locks" / "x.lock.json"
    write_atomic(target, b"old\n")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.lock.json"]


def test_read_and_check(tmp_path):
    path = tmp_path / "debian12.lock.json"
    with pytest.raises(LockError, match="does not exist; run"):
        read_lock(path)
    path.write_text("{not json")
    with pytest.raises(LockError, match="cannot read lock"):
        read_lock(path)
    path.write_text('{"lock_version": 99}')
    with pytest.raises(LockError, match="not a version-1 lock"):
        read_lock(path)
    doc = document(amd64={"libc6": "2.36"})
    doc["config_sha256"] = "abc"
    check_lock(doc, "abc", path)
    with pytest.raises(StaleLockError, match="stale"):
        check_lock(doc, "def", path)
    doc["sets"]["base"]["amd64"].append("ghost")
    with pytest.raises(StaleLockError, match="lists ghost without a package entry"):
        check_lock(doc, "abc", path)


def test_check_accepts_and_checks_the_availability_fields(tmp_path):
    path = tmp_path / "debian12.lock.json"
    doc = document(amd64={"libc6": "2.36", "zlib1g": "1.3"}, arm64={"libc6": "2.36"})
    doc["config_sha256"] = "abc"
    check_lock(doc, "abc", path)  # a lock made before the availability check
    doc["unavailable"] = {"amd64": {"zlib1g": "HTTP 404 at http://m/z.deb"}}
    doc["unavailable_sets"] = {"base": {"amd64": ["zlib1g"]}}
    check_lock(doc, "abc", path)
    doc["unavailable_sets"] = {"base": {"amd64": ["libc6"]}}
    with pytest.raises(StaleLockError, match=r"unavailable_sets.base.amd64 lists libc6"):
        check_lock(doc, "abc", path)


def test_diff_shows_availability_changes():
    old = document(amd64={"libc6": "2.36"}, arm64={"libc6": "2.36"})
    new = document(amd64={"libc6": "2.36"}, arm64={"libc6": "2.36"})
    new["unavailable"] = {"arm64": {"libc6": "HTTP 404 at http://m/l.deb"}}
    assert diff_locks(old, new) == ["debian12:", "  unavailable arm64: +libc6"]
    assert diff_locks(new, old) == ["debian12:", "  unavailable arm64: -libc6"]


def test_diff_groups_architectures():
    old = document(amd64={"libc6": "2.36-9", "gone": "1"}, arm64={"libc6": "2.36-9", "gone": "1"})
    new = document(amd64={"libc6": "2.36-10", "new": "2"}, arm64={"libc6": "2.36-10"})
    new["archives"][0].update(inrelease_sha256="2", date="d2")
    lines = diff_locks(old, new)
    assert lines[0] == "debian12:"
    assert "  archive bookworm: d1 -> d2" in lines
    assert "  ~ libc6 2.36-9 -> 2.36-10 (all architectures)" in lines
    assert "  - gone 1 (all architectures)" in lines
    assert "  + new 2 (amd64)" in lines
    assert "  set base (amd64): +new -gone" in lines
    assert diff_locks(new, new) == []
    rebuilt = document(amd64={"libc6": "2.36-10", "new": "2"}, arm64={"libc6": "2.36-10"})
    rebuilt["archives"] = new["archives"]
    rebuilt["packages"]["amd64"]["new"]["sha256"] = "b" * 64
    assert diff_locks(new, rebuilt) == ["debian12:", "  ! new 2 rebuilt with a new sha256 (amd64)"]


def test_explain_unknown_package_suggests():
    doc = document(amd64={"libssl3": "3"})
    doc["resolution"] = {"base": {"amd64": {"parents": {"libssl3": None}, "excluded": {}}}}
    assert explain([doc], "libssl3", {}) == ["debian12 set base (amd64): libssl3"]
    with pytest.raises(LockError, match="did you mean libssl3"):
        explain([doc], "libsssl3", {})


def test_npm_version_choice_and_integrity():
    from debian_package_manager.config import NpmSpec

    spec = NpmSpec("nodejs22", "r", 22, None, {})
    assert pick_version(["22.9.0", "22.10.1", "22.11.0-rc.1", "24.1.0"], spec, "p") == "22.10.1"
    expected = integrity_to_expected("sha1-AAAA sha512-" + "A" * 86 + "==", "u")
    assert expected.algorithm == "sha512" and expected.hexdigest == "00" * 64


def test_committed_locks_match_the_committed_config():
    """What `check` does for CI: the committed locks are fresh and complete."""
    config = load_config(REPO / "debian_packages.yaml")
    for name, release in config.releases.items():
        path = REPO / "locks" / f"{name}.lock.json"
        doc = read_lock(path)
        check_lock(doc, release.config_sha256, path)
        assert path.read_bytes() == serialize(doc)  # canonical form
        for spec in release.sets:
            assert sorted(doc["sets"][spec.name]) == sorted(spec.architectures)
        for arch, entries in doc["packages"].items():
            for entry in entries.values():
                assert entry["urls"][-1].endswith("/" + entry["filename"])
                assert len(entry["sha256"]) == 64 and entry["size"] > 0
                assert entry["arch"] in (doc["debian_architectures"][arch], "all")


def test_check_command_on_the_repository(capsys):
    assert main(["check", "--config", str(REPO / "debian_packages.yaml")]) == 0


def test_cli_errors_are_one_line(tmp_path, capsys):
    bad = tmp_path / "c.yaml"
    bad.write_text("releases: [unclosed\n")
    assert main(["check", "--config", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}:2: invalid YAML")
    assert (
        main(["why", "x", "--config", str(REPO / "debian_packages.yaml"), "--release", "debian99"])
        == 1
    )
    assert "unknown release 'debian99'" in capsys.readouterr().err


def test_lockfile_paths():
    assert lockfile.lock_path(Path("locks"), "debian13") == Path("locks/debian13.lock.json")
    assert json.loads(serialize({"a": 1})) == {"a": 1}

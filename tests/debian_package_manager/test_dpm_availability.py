"""Every locked .deb is checked for download (HEAD): missing or wrong-sized pool files are
recorded under `unavailable` / `unavailable_sets`, or refused with --require-available."""

from __future__ import annotations

import shutil

from debian_package_manager.cli import main


def pool(name: str, version: str, arch: str, base: str = "/debian") -> str:
    return f"{base}/pool/main/{name[0]}/{name}/{name}_{version}_{arch}.deb"


LIBC6_AMD64 = pool("libc6", "2.36-9", "amd64")


def _warnings(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith("WARNING:")]


def test_all_available_records_empty_fields(workspace, server):
    workspace.write_config()
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    assert lock["unavailable"] == {} and lock["unavailable_sets"] == {}
    # One HEAD per distinct .deb: tzdata (arch all) is listed on both architectures.
    heads = [r for r in server.requests if r.startswith("HEAD ")]
    assert len(heads) == len(set(heads))
    assert heads.count(f"HEAD {pool('tzdata', '2025a', 'all')}") == 1
    urls = {u for entries in lock["packages"].values() for e in entries.values() for u in e["urls"]}
    assert len(heads) == len(urls)


def test_missing_pool_file_is_recorded_with_a_warning(workspace, server, capsys):
    workspace.write_config()
    server.faults[LIBC6_AMD64] = "404"
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    url = f"{workspace.archive.url}{LIBC6_AMD64}"
    assert lock["unavailable"] == {"amd64": {"libc6": f"HTTP 404 at {url}"}}
    # libc6 is in the closure of hello and cycle, not of python.
    assert lock["unavailable_sets"] == {
        "cycle": {"amd64": ["libc6"]},
        "hello": {"amd64": ["libc6"]},
    }
    # The lock stays the faithful resolution.
    assert "libc6" in lock["sets"]["hello"]["amd64"]
    assert "libc6" in lock["packages"]["amd64"]
    warnings = _warnings(capsys)
    assert len(warnings) == 1, warnings
    total = len(lock["packages"]["amd64"])
    assert f"debian99/amd64: 1 of {total} locked packages cannot be downloaded" in warnings[0]
    assert f"libc6: HTTP 404 at {url}" in warnings[0]
    assert "sets affected: cycle, hello" in warnings[0]
    assert workspace.run("check") == 0


def test_arch_all_package_missing_on_every_architecture(workspace, server, capsys):
    workspace.write_config()
    tzdata = pool("tzdata", "2025a", "all")
    server.faults[tzdata] = "404"
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    reason = f"HTTP 404 at {workspace.archive.url}{tzdata}"
    assert lock["unavailable"] == {"amd64": {"tzdata": reason}, "arm64": {"tzdata": reason}}
    assert lock["unavailable_sets"] == {"hello": {"amd64": ["tzdata"], "arm64": ["tzdata"]}}
    warnings = _warnings(capsys)
    assert [w.split(":")[1].strip() for w in warnings] == ["debian99/amd64", "debian99/arm64"]


def test_require_available_fails_and_writes_nothing(workspace, server, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    before = (workspace.locks / "debian99.lock.json").read_bytes()
    shutil.rmtree(workspace.path / "cache")
    server.faults[LIBC6_AMD64] = "404"
    assert workspace.lock("--require-available") == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and len(err.strip().splitlines()) == 1, err
    assert f"HTTP 404 at {workspace.archive.url}{LIBC6_AMD64}" in errors[0]
    assert "debian99/amd64: libc6 cannot be downloaded" in errors[0]
    assert (workspace.locks / "debian99.lock.json").read_bytes() == before
    assert not list(workspace.locks.glob(".*tmp"))


def test_require_available_passes_when_everything_is_there(workspace):
    workspace.write_config()
    assert workspace.lock("--require-available") == 0
    assert workspace.lock_document()["unavailable"] == {}


def test_size_mismatch_is_reported(workspace, server, capsys):
    workspace.write_config()
    path = pool("hello", "2.10", "arm64")
    server.faults[path] = b"not the deb the index lists"
    assert workspace.lock() == 0
    lock = workspace.lock_document()
    size = lock["packages"]["arm64"]["hello"]["size"]
    assert lock["unavailable"] == {
        "arm64": {
            "hello": f"size mismatch at {workspace.archive.url}{path}: the server announces "
            f"27 bytes, the signed index {size}"
        }
    }
    assert lock["unavailable_sets"] == {"hello": {"arm64": ["hello"]}}
    assert "size mismatch" in _warnings(capsys)[0]


def test_warm_run_makes_no_availability_requests(workspace, server):
    workspace.write_config()
    server.faults[LIBC6_AMD64] = "404"
    assert workspace.lock() == 0
    first = (workspace.locks / "debian99.lock.json").read_bytes()
    assert any(r.startswith("HEAD ") for r in server.requests)
    server.requests.clear()
    assert workspace.lock() == 0
    assert (workspace.locks / "debian99.lock.json").read_bytes() == first
    # Only positive answers are cached: the missing file is asked about again, nothing else.
    assert sorted(server.requests) == [
        "/debian/dists/testing-updates/InRelease",
        "/debian/dists/testing/InRelease",
        f"HEAD {LIBC6_AMD64}",
    ]
    # Once the mirror serves it, the lock says so.
    del server.faults[LIBC6_AMD64]
    assert workspace.lock() == 0
    assert workspace.lock_document()["unavailable"] == {}


def test_refused_head_falls_back_to_a_ranged_get(workspace, server):
    workspace.write_config()
    path = pool("hello", "2.10", "amd64")
    server.faults[path] = "no-head"
    assert workspace.lock() == 0
    assert workspace.lock_document()["unavailable"] == {}
    assert f"HEAD {path}" in server.requests
    assert f"GET {path} bytes=0-0" in server.requests
    assert path not in server.requests  # never downloaded


def test_transient_errors_are_retried_and_persistent_ones_fail(workspace, server, capsys):
    workspace.write_config()
    server.faults[LIBC6_AMD64] = "503-once"
    assert workspace.lock() == 0
    assert workspace.lock_document()["unavailable"] == {}
    shutil.rmtree(workspace.path / "cache")
    server.faults[LIBC6_AMD64] = "503"
    # Cannot tell is not "unavailable": the run fails rather than record a flaky answer.
    assert workspace.lock() == 1
    err = capsys.readouterr().err
    assert f"cannot check {workspace.archive.url}{LIBC6_AMD64}: HTTP 503" in err
    assert "gave up after 3 attempts" in err


def test_snapshot_url_missing_but_mirror_serves_it(workspace, server):
    workspace.write_config(
        archives="      - {suite: testing, mirror: test}\n",
        extra="    snapshot: 20250101T000000Z\n",
    )
    snapshot = pool("hello", "2.10", "amd64", "/snapshot/archive/debian/20250101T000000Z")
    server.faults[snapshot] = "404"
    assert workspace.lock() == 0
    assert workspace.lock_document()["unavailable"] == {}  # the second URL works
    shutil.rmtree(workspace.path / "cache")
    mirror = pool("hello", "2.10", "amd64")
    server.faults[mirror] = "404"
    assert workspace.lock() == 0
    url = workspace.archive.url
    assert workspace.lock_document()["unavailable"] == {
        "amd64": {"hello": f"HTTP 404 at {url}{snapshot}; HTTP 404 at {url}{mirror}"}
    }


def test_update_prints_availability_changes(workspace, server, capsys):
    workspace.write_config()
    assert workspace.lock() == 0
    server.faults[LIBC6_AMD64] = "404"
    shutil.rmtree(workspace.path / "cache")
    capsys.readouterr()
    assert workspace.run("update", "-q", "--retries", "0") == 0
    captured = capsys.readouterr()
    assert "unavailable amd64: +libc6" in captured.out
    assert "WARNING: debian99/amd64: 1 of" in captured.err
    assert main(["check", "--config", str(workspace.config)]) == 0

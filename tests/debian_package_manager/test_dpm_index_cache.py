"""The parsed-index cache: hits skip download, decompression and parsing; damaged entries are
rebuilt; only indexes that passed the signed hash chain get an entry."""

from __future__ import annotations

import gc
import hashlib
import lzma
import marshal
import sys
import zlib

import pytest
from dpm_archive import index_path

from debian_package_manager import index_cache, index_loader
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import VerificationError
from debian_package_manager.packages_index import IndexTable, scan_index
from debian_package_manager.release import IndexFile

INDEX = """\
Package: hello
Version: 2.10
Architecture: amd64
Priority: optional
Section: misc
Depends: libc6 (>= 2.34)
Filename: pool/main/h/hello/hello_2.10_amd64.deb
Size: 100
SHA256: aa

Package: tzdata
Version: 2024a
Architecture: all
Priority: required
Section: misc
Provides: tzdata-bookworm
Filename: pool/main/t/tzdata/tzdata_2024a_all.deb
Size: 200
SHA256: bb
"""
SHA = "c0ffee" + "0" * 58


def _table() -> IndexTable:
    return scan_index(INDEX.encode(), "s")


def store_table(cache, sha, table):
    entry = index_cache.EntryWriter(cache, sha)
    entry.write(table.text)
    columns = (table.names, table.versions, table.architectures)
    return entry.finish((*columns, table.provides, table.provided, table.starts, table.ends))


def _same(loaded: IndexTable, table: IndexTable) -> bool:
    return (
        bytes(loaded.text) == table.text
        and loaded.provided == table.provided
        and [p.to_row() for p in loaded.packages("s")] == [p.to_row() for p in table.packages("s")]
    )


def test_round_trip(tmp_path):
    cache = HashCache(tmp_path)
    assert index_cache.load_table(cache, SHA) is None
    stored = store_table(cache, SHA, _table())
    assert isinstance(stored.text, memoryview) and _same(stored, _table())  # from the entry
    loaded = index_cache.load_table(cache, SHA)
    assert _same(loaded, _table()) and loaded.provides == {1: b" tzdata-bookworm"}
    assert not list((tmp_path / "tmp").iterdir())  # the temp file was renamed, not left


def test_damaged_entries_are_dropped(tmp_path):
    cache = HashCache(tmp_path)
    path = index_cache.entry_path(cache, SHA)
    good = None
    for damage in (
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-3] + bytes([data[-3] ^ 1]) + data[-2:],  # a flipped bit in the text
        lambda data: b"dpm-parsed-index 0" + data[data.index(b"\n") :],  # another format
        lambda data: b"",
    ):
        store_table(cache, SHA, _table())
        good = good or path.read_bytes()
        path.write_bytes(damage(good))
        assert index_cache.load_table(cache, SHA) is None
        assert not path.exists()


@pytest.mark.parametrize(
    "columns",
    [
        b"\xff not marshal",
        marshal.dumps(([], [], [], {}, {}, b"")),  # a column short
        marshal.dumps(([], [], [], [], {}, b"", b"")),  # provides is not a dict
    ],
)
def test_digest_right_but_columns_wrong(tmp_path, columns):
    cache = HashCache(tmp_path)
    rest = b"\nPackage: x\n" + columns + len(columns).to_bytes(8, "big")
    path = index_cache.entry_path(cache, SHA)
    path.parent.mkdir(parents=True)
    path.write_bytes(index_cache.FORMAT + b"\n" + f"{zlib.crc32(rest):08x}".encode() + b"\n" + rest)
    assert index_cache.load_table(cache, SHA) is None
    assert not path.exists()


def test_a_discarded_entry_leaves_nothing(tmp_path):
    cache = HashCache(tmp_path)
    entry = index_cache.EntryWriter(cache, SHA)
    entry.write(b"\nPackage: x\n")
    entry.discard()
    assert not list((tmp_path / "tmp").iterdir())
    assert not index_cache.entry_path(cache, SHA).exists()


def _entries(workspace):
    return sorted((workspace.path / "cache" / index_cache.KIND).glob("*/*"))


def _count_reads(monkeypatch):
    calls = []
    real = index_loader.read_table

    def counting(source, cache, download):
        calls.append(source.compressed.path)
        return real(source, cache, download)

    monkeypatch.setattr(index_loader, "read_table", counting)
    return calls


def test_warm_lock_neither_downloads_nor_parses_an_index(workspace, server, monkeypatch):
    workspace.write_config()
    calls = _count_reads(monkeypatch)
    assert workspace.lock() == 0
    first = (workspace.locks / "debian99.lock.json").read_bytes()
    assert len(calls) == 4 and len(_entries(workspace)) == 4  # 2 suites x 2 architectures
    calls.clear()
    server.requests.clear()
    assert workspace.lock("--force") == 0
    assert calls == []
    assert not [r for r in server.requests if "/by-hash/" in r]
    assert (workspace.locks / "debian99.lock.json").read_bytes() == first


def test_damaged_entry_is_rebuilt(workspace, monkeypatch):
    workspace.write_config()
    assert workspace.lock() == 0
    first = (workspace.locks / "debian99.lock.json").read_bytes()
    truncated, flipped, *_ = _entries(workspace)
    truncated.write_bytes(truncated.read_bytes()[:100])
    data = flipped.read_bytes()
    flipped.write_bytes(data[:-1] + bytes([data[-1] ^ 0x55]))
    calls = _count_reads(monkeypatch)
    assert workspace.lock("--force") == 0
    assert len(calls) == 2  # exactly the two damaged indexes were parsed again
    assert (workspace.locks / "debian99.lock.json").read_bytes() == first
    cache = HashCache(workspace.path / "cache")
    for entry in (truncated, flipped):
        assert index_cache.load_table(cache, entry.name) is not None


def test_index_failing_the_hash_chain_gets_no_entry(workspace, server, capsys):
    workspace.write_config()
    path = index_path(workspace.archive.root, "testing")
    good = (workspace.archive.root / path.lstrip("/")).read_bytes()
    server.faults[path] = bytes([good[0] ^ 0xFF]) + good[1:]
    assert workspace.lock() == 1
    assert "sha256 mismatch" in capsys.readouterr().err
    cache = HashCache(workspace.path / "cache")
    assert not index_cache.entry_path(cache, path.rsplit("/", 1)[1]).exists()


def _source(plain=None) -> index_loader.IndexSource:
    compressed = IndexFile("main/binary-amd64/Packages.xz", SHA, 0)
    return index_loader.IndexSource("s", "amd64", "http://unused", compressed, plain)


def _from(path):
    return lambda source, tee: path  # the compressed file was in the download cache


def read_table(tmp_path, source, download):
    cache = HashCache(tmp_path / "cache")
    try:
        return index_loader.read_table(source, cache, download)
    finally:
        assert not list((tmp_path / "cache" / "tmp").iterdir())  # no temp file is left


def test_read_table_checks_the_signed_plain_index(tmp_path):
    text = (INDEX + "\n") * 50
    path = tmp_path / "Packages.xz"
    path.write_bytes(lzma.compress(text.encode()))
    plain = IndexFile("main/binary-amd64/Packages", hashlib.sha256(text.encode()).hexdigest(), 0)
    with pytest.raises(VerificationError, match="more than the signed 0 bytes"):
        read_table(tmp_path, _source(plain), _from(path))
    plain = IndexFile(plain.path, plain.sha256, len(text.encode()))
    assert len(read_table(tmp_path, _source(plain), _from(path)).names) == 100
    other = IndexFile(plain.path, "0" * 64, plain.size)
    with pytest.raises(VerificationError, match="decompresses to other data"):
        read_table(tmp_path, _source(other), _from(path))
    path.write_bytes(lzma.compress(text.encode())[:300])
    with pytest.raises(VerificationError, match="cannot decompress s main/binary-amd64"):
        read_table(tmp_path, _source(), _from(path))


def test_read_table_decompresses_the_last_download_attempt_as_it_arrives(tmp_path):
    text = ((INDEX + "\n") * 50).encode()
    compressed = lzma.compress(text)
    plain = IndexFile("main/binary-amd64/Packages", hashlib.sha256(text).hexdigest(), len(text))
    path = tmp_path / "Packages.xz"
    path.write_bytes(b"not read: the blocks were seen while they arrived")

    def download(source, tee):
        broken = tee()  # a first attempt, cut off (a retry starts over)
        broken(compressed[:100])
        sink = tee()
        for start in range(0, len(compressed), 7):
            sink(compressed[start : start + 7])
        return path

    assert len(read_table(tmp_path, _source(plain), download).names) == 100

    def garbage(source, tee):
        tee()(b"\xfd7zXZ\x00 and then not xz")
        return path

    with pytest.raises(VerificationError, match="cannot decompress"):
        read_table(tmp_path, _source(plain), garbage)


def test_a_lock_restores_the_interpreter_settings_it_changes(workspace):
    workspace.write_config()
    interval, collecting = sys.getswitchinterval(), gc.isenabled()
    assert workspace.lock() == 0
    assert (sys.getswitchinterval(), gc.isenabled()) == (interval, collecting)


def _with_workers(monkeypatch, executable=None):
    """Index workers for indexes of any size (the test archive's are tiny), one process."""
    from debian_package_manager import index_worker

    monkeypatch.setattr(index_worker, "MIN_SIZE", 0)
    monkeypatch.setattr(index_worker, "worker_count", lambda: 1)
    if executable is not None:
        monkeypatch.setattr(index_worker.sys, "executable", executable)


def test_index_workers_read_every_other_index_into_the_cache(workspace, server, monkeypatch):
    workspace.write_config()
    assert workspace.lock() == 0  # without workers: the test archive's indexes are small
    alone = (workspace.locks / "debian99.lock.json").read_bytes()
    for entry in _entries(workspace):
        entry.unlink()
    _with_workers(monkeypatch)
    calls = _count_reads(monkeypatch)  # counts this process's reads only
    server.requests.clear()
    assert workspace.lock("--force") == 0
    assert len(calls) == 2 and len(_entries(workspace)) == 4  # the worker read the other two
    assert (workspace.locks / "debian99.lock.json").read_bytes() == alone


def test_a_worker_that_cannot_start_leaves_its_indexes_to_the_lock(workspace, monkeypatch):
    workspace.write_config()
    _with_workers(monkeypatch, executable="/bin/false")
    calls = _count_reads(monkeypatch)
    assert workspace.lock() == 0
    assert len(calls) == 4 and len(_entries(workspace)) == 4


def test_an_index_a_worker_rejects_fails_the_lock_with_the_usual_message(
    workspace, server, monkeypatch, capsys
):
    workspace.write_config()
    _with_workers(monkeypatch)
    for arch in ("amd64", "arm64"):  # whichever the worker got, it gets a bad one
        path = index_path(workspace.archive.root, "testing", arch)
        good = (workspace.archive.root / path.lstrip("/")).read_bytes()
        server.faults[path] = bytes([good[0] ^ 0xFF]) + good[1:]
    assert workspace.lock() == 1
    # Only the lock's own one-line error (the test server may also log a worker's connection
    # that closed when the lock stopped it).
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "sha256 mismatch" in errors[0], errors

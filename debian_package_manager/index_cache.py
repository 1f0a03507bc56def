"""Scanned Packages indexes, cached under the signed sha256 of the index file they came from.

Decompressing and scanning bookworm's amd64 index costs about 0.6 s of CPU; mapping its entry
(the decompressed text and the scanned columns) back costs a digest pass over it and loading
the columns with marshal. An entry is looked up only with a sha256 taken from a verified
InRelease, and written only after the index with that sha256 was downloaded, checked and
scanned, so an entry always describes the signed index it is named after.

Entry layout (`<cache>/parsed/<ab>/<sha256>`):

    FORMAT line, sha256 of the rest (hex) line,
    8-byte big-endian length of the columns, columns (marshal), the index text

An entry is hashed with reads into a small buffer, then mapped into memory: only the columns
and the stanzas resolution parses are ever copied out of the text, and the text's pages stay
the page cache's, not the process's. The digest catches truncated and
corrupted entries (a crash mid-write cannot leave one: entries are written to a temp file and
renamed), which are then removed and rebuilt. It is not a defence against someone who can
write to the cache: they could as well replace the tool. The FORMAT line names the table
layout and the marshal version, so an entry written by another version of the tool or of
Python is rebuilt, never misread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import marshal
import mmap
import os
from pathlib import Path

from debian_package_manager.cache import HashCache
from debian_package_manager.packages_index import IndexTable

KIND = "parsed"
_COLUMNS = tuple(field.name for field in dataclasses.fields(IndexTable) if field.name != "text")
# The columns' types, checked on load: a well-hashed entry of another layout is rebuilt.
_TYPES = (list, list, list, dict, list, list)
FORMAT = f"dpm-parsed-index 2 marshal {marshal.version} {','.join(_COLUMNS)},text".encode()
_LENGTH = 8
_BLOCK = 1 << 20


def entry_path(cache: HashCache, index_sha256: str) -> Path:
    return cache.marker_path(KIND, index_sha256)


def load_table(cache: HashCache, index_sha256: str) -> IndexTable | None:
    """The cached table of the index with this signed sha256; None when absent or damaged."""
    path = entry_path(cache, index_sha256)
    try:
        with open(path, "rb", buffering=0) as stream:
            table = _decode(stream)
    except FileNotFoundError:
        return None
    if table is None:
        path.unlink(missing_ok=True)  # damaged or of another format: rebuilt by the caller
    return table


def store_table(cache: HashCache, index_sha256: str, table: IndexTable) -> None:
    """Write an entry atomically (temp file on the cache's file system, then rename)."""
    columns = marshal.dumps(tuple(getattr(table, name) for name in _COLUMNS))
    length = len(columns).to_bytes(_LENGTH, "big")
    digest = hashlib.sha256(length)
    digest.update(columns)
    digest.update(table.text)
    path = entry_path(cache, index_sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = cache.new_temp_file()
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(FORMAT + b"\n" + digest.hexdigest().encode() + b"\n" + length)
            out.write(columns)
            out.write(table.text)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _decode(stream: io.RawIOBase) -> IndexTable | None:
    head = stream.read(len(FORMAT) + 2 + 64)
    if head[: len(FORMAT) + 1] != FORMAT + b"\n" or head[-1:] != b"\n":
        return None
    digest = hashlib.sha256()
    buffer = memoryview(bytearray(_BLOCK))
    while count := stream.readinto(buffer):
        digest.update(buffer[:count])
    if digest.hexdigest().encode() != head[len(FORMAT) + 1 : -1]:
        return None
    data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    rest = memoryview(data)[len(head) :]  # a view of the mapping: nothing is copied
    length = int.from_bytes(rest[:_LENGTH], "big")
    try:
        columns = marshal.loads(rest[_LENGTH : _LENGTH + length])
    except (EOFError, ValueError, TypeError):
        return None
    if (
        not isinstance(columns, tuple)
        or len(columns) != len(_TYPES)
        or not all(map(isinstance, columns, _TYPES))
    ):
        return None
    return IndexTable(rest[_LENGTH + length :], *columns)

"""Parsed Packages indexes, cached under the signed sha256 of the index file they came from.

Decompressing and parsing bookworm's amd64 index costs about a second; loading its rows back
with marshal about 50 ms. An entry is looked up only with a sha256 taken from a verified
InRelease, and written only after the index with that sha256 was downloaded, checked and
parsed, so an entry always describes the signed index it is named after.

Entry layout (`<cache>/parsed/<ab>/<sha256>`):

    FORMAT line, sha256 of the payload (hex) line, payload (marshal of a list of Rows)

The payload digest catches truncated and corrupted entries (a crash mid-write cannot leave
one: entries are written to a temp file and renamed), which are then removed and rebuilt.
It is not a defence against someone who can write to the cache: they could as well replace
the tool. The FORMAT line names the row layout and the marshal version, so an entry written by
another version of the tool or of Python is rebuilt, never misread.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path

from debian_package_manager.cache import HashCache
from debian_package_manager.packages_index import RAW_FIELDS, Row

KIND = "parsed"
FORMAT = f"dpm-parsed-index 1 marshal {marshal.version} {','.join(RAW_FIELDS)}".encode()


def entry_path(cache: HashCache, index_sha256: str) -> Path:
    return cache.marker_path(KIND, index_sha256)


def load_rows(cache: HashCache, index_sha256: str) -> list[Row] | None:
    """The cached rows of the index with this signed sha256; None when absent or damaged."""
    path = entry_path(cache, index_sha256)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    rows = _decode(data)
    if rows is None:
        path.unlink(missing_ok=True)  # damaged or of another format: rebuilt by the caller
    return rows


def store_rows(cache: HashCache, index_sha256: str, rows: list[Row]) -> None:
    """Write an entry atomically (temp file on the cache's file system, then rename)."""
    payload = marshal.dumps(rows)
    header = FORMAT + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n"
    path = entry_path(cache, index_sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = cache.new_temp_file()
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            out.write(payload)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _decode(data: bytes) -> list[Row] | None:
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1)
    if first < 0 or second < 0 or data[:first] != FORMAT:
        return None
    payload = memoryview(data)[second + 1 :]  # a view: no copy of a 20 MB entry
    if hashlib.sha256(payload).hexdigest().encode() != data[first + 1 : second]:
        return None
    try:
        rows = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(rows, list) or (rows and not isinstance(rows[0], tuple)):
        return None
    return rows

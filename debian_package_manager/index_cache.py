"""Scanned Packages indexes, cached under the signed sha256 of the index file they came from.

Decompressing bookworm's amd64 index costs 0.16 s (gzip) to 0.5 s (xz) of CPU and scanning
it 0.3 s; mapping its entry (the decompressed text and the scanned columns) back costs a
checksum pass over it and loading the columns with marshal. An entry is looked up only with a
sha256 taken from a verified InRelease, and written only after the index with that sha256 was
downloaded, checked and scanned, so an entry always describes the signed index it is named
after.

Entry layout (`<cache>/parsed/<ab>/<sha256>`):

    FORMAT line, CRC-32 of the rest (8 hex digits) line,
    the index text, the columns (marshal), the columns' length (8 bytes, big-endian)

An entry is written while the index decompresses (EntryWriter), text first, so the text never
needs to be in memory whole. It is checked with reads into a small buffer, then mapped: only the
columns and the stanzas resolution parses are ever copied out of the text, and its pages stay
the page cache's, not the process's. The checksum catches truncated and corrupted entries (a
crash mid-write cannot leave one: entries are written to a temp file and renamed), which are
then removed and rebuilt: the .deb hashes a lock records come from this text, so it is checked
whole on every load. It is not a defence against someone who can write to the cache: they
could as well replace the tool. So it is zlib's CRC-32, which finds accidental damage at a
third of sha256's cost (11-17 ms against 28-44 ms for bookworm's 45 MB amd64 index). The FORMAT
line names the table layout and the marshal version, so an entry written by another version of
the tool or of Python is rebuilt, never misread.
"""

from __future__ import annotations

import dataclasses
import io
import marshal
import mmap
import os
import zlib
from array import array
from pathlib import Path

from debian_package_manager.cache import HashCache
from debian_package_manager.packages_index import OFFSET, IndexTable

KIND = "parsed"
_COLUMNS = tuple(field.name for field in dataclasses.fields(IndexTable) if field.name != "text")
# The columns' types as stored (offset arrays as their bytes), checked on load: a well-hashed
# entry of another layout is rebuilt.
_TYPES = (list, list, list, dict, dict, bytes, bytes)
FORMAT = f"dpm-parsed-index 5 crc32 marshal {marshal.version} text,{','.join(_COLUMNS)}".encode()
_HEAD = len(FORMAT) + 1 + 8 + 1  # FORMAT, newline, hex checksum, newline
_LENGTH = 8
_BLOCK = 1 << 20


class Crc32:
    """zlib.crc32 with hashlib's update() and hexdigest()."""

    def __init__(self) -> None:
        self._value = 0

    def update(self, data: bytes | memoryview) -> None:
        self._value = zlib.crc32(data, self._value)

    def hexdigest(self) -> str:
        return f"{self._value:08x}"


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


class EntryWriter:
    """An entry written while its text arrives: write() the text (with its leading "\n"),
    then finish() with the scanned columns; discard() drops an entry not finished.

    The entry is a temp file on the cache's file system until finish() renames it into place.
    """

    def __init__(self, cache: HashCache, index_sha256: str):
        self._path = entry_path(cache, index_sha256)
        fd, self._temp = cache.new_temp_file()
        self._out = os.fdopen(fd, "r+b")
        self._out.write(bytes(_HEAD))  # the header is written last, with the digest
        self._digest = Crc32()
        self._size = 0

    def write(self, text: bytes) -> None:
        self._out.write(text)
        self._digest.update(text)
        self._size += len(text)

    def finish(self, columns: tuple) -> IndexTable:
        """Complete the entry; the table it describes, its text read from the entry's mapping."""
        *lists, starts, ends = columns
        payload = marshal.dumps((*lists, starts.tobytes(), ends.tobytes()))
        for part in (payload, len(payload).to_bytes(_LENGTH, "big")):
            self._out.write(part)
            self._digest.update(part)
        self._out.seek(0)
        self._out.write(FORMAT + b"\n" + self._digest.hexdigest().encode() + b"\n")
        self._out.flush()
        mapping = mmap.mmap(self._out.fileno(), 0, access=mmap.ACCESS_READ)
        self._out.close()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._temp, self._path)
        return IndexTable(memoryview(mapping)[_HEAD : _HEAD + self._size], *columns)

    def discard(self) -> None:
        self._out.close()
        self._temp.unlink(missing_ok=True)  # gone already when finish() renamed it


def _decode(stream: io.RawIOBase) -> IndexTable | None:
    head = stream.read(_HEAD)
    if len(head) != _HEAD or head[: len(FORMAT) + 1] != FORMAT + b"\n" or head[-1:] != b"\n":
        return None
    digest = Crc32()
    buffer = memoryview(bytearray(_BLOCK))
    while count := stream.readinto(buffer):
        digest.update(buffer[:count])
    if digest.hexdigest().encode() != head[len(FORMAT) + 1 : -1]:
        return None
    mapping = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    view = memoryview(mapping)  # nothing is copied
    length = int.from_bytes(view[-_LENGTH:], "big")
    text_end = len(view) - _LENGTH - length
    if text_end < _HEAD:
        return None
    try:
        columns = marshal.loads(view[text_end:-_LENGTH])
    except (EOFError, ValueError, TypeError):
        return None
    if (
        not isinstance(columns, tuple)
        or len(columns) != len(_TYPES)
        or not all(map(isinstance, columns, _TYPES))
    ):
        return None
    *lists, starts, ends = columns
    offsets = [array(OFFSET), array(OFFSET)]
    try:
        for offset, stored in zip(offsets, (starts, ends), strict=True):
            offset.frombytes(stored)
    except ValueError:  # not a whole number of offsets
        return None
    return IndexTable(view[_HEAD:text_end], *lists, *offsets)

"""The one deterministic way this project writes a layer: a GNU tar compressed with gzip at a
fixed level, with no file name and mtime 0 in the gzip header, so the same entries always give
the same bytes (and the same digest).

The level is zlib's 6 (its default, and gzip's): measured on openjdk-25-jre-headless (245 MB of
data.tar, amd64) it takes a third of level 9's time for 0.7 % more bytes (11.3 s against 32.6 s,
81.5 MB against 81.0 MB), while level 5 already costs 1.8 % more bytes and ISA-L's fastest
deflate 9 %. zlib (Python's own module) keeps the bytes the same on every machine and core
count; a different deflate implementation (pigz, ISA-L) would change every digest.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

LEVEL = 6


class HashingWriter(io.RawIOBase):
    """A write-only file that passes bytes on to another and keeps their sha256 and count, so a
    layer's digest is known without reading it back."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override] # bytes-like, as io's interface has it
        self.out.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


@contextmanager
def gzip_stream(out: BinaryIO) -> Iterator[gzip.GzipFile]:
    """A gzip writer at LEVEL onto `out` with an empty file name and mtime 0 in the header."""
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=LEVEL) as gz:
        yield gz


def deterministic_gzip(data: bytes) -> bytes:
    """gzip_stream's bytes for data held in memory."""
    out = io.BytesIO()
    with gzip_stream(out) as gz:
        gz.write(data)
    return out.getvalue()


@dataclass(frozen=True)
class Entry:
    """One layer entry; `content` for files, `target` for symlinks."""

    path: str
    kind: str = "file"  # file | dir | symlink
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    content: bytes = b""
    target: str = ""


def write_layer(entries: list[Entry], out: str) -> None:
    """A gzip tar of the entries with parents created, sorted, mtime 0, fixed gzip header."""
    by_path = {e.path.strip("/"): e for e in entries}
    for path in list(by_path):
        parent = os.path.dirname(path)
        while parent and parent not in by_path:
            by_path[parent] = Entry(parent, "dir", 0o755)
            parent = os.path.dirname(parent)
    with (
        open(out, "wb") as f,
        gzip_stream(f) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for path in sorted(by_path):
            entry = by_path[path]
            info = tarfile.TarInfo(path)
            info.mode, info.uid, info.gid = entry.mode, entry.uid, entry.gid
            info.uname = info.gname = ""
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, entry.target
                tar.addfile(info)
            else:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))

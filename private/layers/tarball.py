"""The one deterministic way this project writes a layer: a GNU tar compressed with gzip at a
fixed level, with no file name and mtime 0 in the gzip header, so the same entries always give
the same bytes (and the same digest)."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from dataclasses import dataclass


def deterministic_gzip(data: bytes) -> bytes:
    """gzip at level 9 with an empty file name and mtime 0 in the header."""
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
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
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
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
    with open(out, "wb") as f:
        f.write(deterministic_gzip(raw.getvalue()))

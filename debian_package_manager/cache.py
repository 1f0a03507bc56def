"""A content-addressed download cache: files are stored under their own hash.

Because a file's name is its digest, an entry is either complete and correct or absent; it is
re-hashed when read so a corrupted disk entry is dropped and fetched again, never used.

Beside the files, the cache keeps small markers of facts learnt over the network that do not
change for a given content hash, e.g. "this URL serves the .deb with this sha256 and size"
(`<cache>/available/<ab>/<key>`). Only positive facts are recorded: a marker saves a request,
and a missing one only costs it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "distroless-debian"


def default_cache_dir() -> Path:
    return Path(os.environ.get("DISTROLESS_DPM_CACHE") or DEFAULT_CACHE)


class HashCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, algorithm: str, hexdigest: str) -> Path:
        return self.root / algorithm / hexdigest[:2] / hexdigest

    def get(self, algorithm: str, hexdigest: str) -> Path | None:
        """The cached file with this digest, or None (a corrupted entry is removed)."""
        path = self.path(algorithm, hexdigest)
        if not path.is_file():
            return None
        if file_digest(path, algorithm) != hexdigest:
            path.unlink(missing_ok=True)
            return None
        return path

    def put(self, algorithm: str, hexdigest: str, data_path: Path) -> Path:
        """Move an already verified file into the cache; returns its cache path."""
        path = self.path(algorithm, hexdigest)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(data_path, path)
        return path

    def marker_path(self, kind: str, key: str) -> Path:
        return self.root / kind / key[:2] / key

    def has_marker(self, kind: str, key: str) -> bool:
        return self.marker_path(kind, key).is_file()

    def read_marker(self, kind: str, key: str) -> str | None:
        try:
            return self.marker_path(kind, key).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put_marker(self, kind: str, key: str, text: str) -> None:
        """Record a marker atomically (`text` is for people reading the cache)."""
        path = self.marker_path(kind, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = self.new_temp_file()
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def new_temp_file(self) -> tuple[int, Path]:
        """A temp file on the cache's file system, so put() is an atomic rename."""
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="download-")
        return fd, Path(name)


def file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

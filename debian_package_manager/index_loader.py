"""One verified Packages index as packages: from the parsed cache, or fetched and parsed once.

A miss downloads the index by hash (checked against the signed Release), decompresses and
parses it in one streaming pass while hashing the decompressed bytes against the signed plain
`Packages` entry, then stores the rows in the parsed cache. A hit touches neither the
compressed file nor the parser: that is what makes a warm re-lock cheap.

Functions here run in worker threads: lzma releases the GIL while it decompresses, so one
index decompresses while another is parsed or downloaded.
"""

from __future__ import annotations

import hashlib
import lzma
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from debian_package_manager import index_cache
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import VerificationError
from debian_package_manager.packages_index import (
    BLOCK_SIZE,
    BinaryPackage,
    Row,
    open_index,
    parse_rows,
)
from debian_package_manager.release import IndexFile


@dataclass(frozen=True)
class IndexSource:
    """A Packages index the signed Release lists, and where to download it by hash."""

    suite: str
    arch: str  # distroless name, for messages
    url: str  # the by-hash URL of the compressed file
    compressed: IndexFile
    plain: IndexFile | None  # the uncompressed file's signed entry, when the Release lists it


def is_cached(source: IndexSource, cache: HashCache) -> bool:
    """Whether a parsed entry exists (not checked: a damaged one is rebuilt when loaded)."""
    return index_cache.entry_path(cache, source.compressed.sha256).is_file()


def load_packages(
    source: IndexSource, cache: HashCache, download: Callable[[IndexSource], Path]
) -> list[BinaryPackage]:
    """Every package of the index; `download` gives the verified compressed file on a miss."""
    rows = index_cache.load_rows(cache, source.compressed.sha256)
    if rows is None:
        rows = read_rows(source, download(source))
        index_cache.store_rows(cache, source.compressed.sha256, rows)
    from_row = BinaryPackage.from_row
    return [from_row(row, source.suite) for row in rows]


def read_rows(source: IndexSource, path: Path) -> list[Row]:
    """Decompress, hash and parse the downloaded index in one pass."""
    name = f"{source.suite} {source.compressed.path}"
    try:
        with open_index(path) as stream:
            hashing = _HashingReader(stream)
            with _ReadAhead(hashing) as ahead:
                rows = list(parse_rows(ahead, source.suite))
    except (lzma.LZMAError, OSError, EOFError) as error:
        raise VerificationError(f"cannot decompress {name}: {error}") from None
    except UnicodeDecodeError as error:
        raise VerificationError(f"the {name} index is not UTF-8: {error}") from None
    plain = source.plain
    if plain is not None and (hashing.hexdigest() != plain.sha256 or hashing.size != plain.size):
        raise VerificationError(
            f"{name} decompresses to other data than the signed {plain.path} "
            f"(sha256 {hashing.hexdigest()}, expected {plain.sha256})"
        )
    return rows


class _ReadAhead:
    """A read()-only view of a stream whose next blocks are read (decompressed, hashed) in
    another thread while this one parses: lzma and hashlib release the GIL, so one index keeps
    both cores busy, and only one architecture's packages need to be in memory at a time.

    read() returns whole blocks, whatever size is asked for (the parser only appends them).
    An error of the reading thread is raised by read(); leaving the `with` block early stops
    that thread.
    """

    DEPTH = 4  # blocks read ahead: 4 MB at most

    def __init__(self, stream: _HashingReader | BinaryIO):
        self._stream = stream
        self._blocks: queue.Queue[bytes | BaseException] = queue.Queue(self.DEPTH)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._fill, daemon=True)
        self._ended = False

    def __enter__(self) -> _ReadAhead:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        while self._thread.is_alive():  # unblock a put() waiting for room
            try:
                self._blocks.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()

    def _fill(self) -> None:
        try:
            while not self._stop.is_set():
                block = self._stream.read(BLOCK_SIZE)
                self._blocks.put(block)
                if not block:
                    return
        except BaseException as error:  # handed to the parsing thread, raised there
            self._blocks.put(error)

    def read(self, size: int = -1) -> bytes:
        if self._ended:
            return b""
        item = self._blocks.get()
        if isinstance(item, BaseException):
            raise item
        self._ended = not item
        return item


class _HashingReader:
    """A read()-only view of a stream that hashes and counts what passes through."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        block = self._stream.read(size)
        self._digest.update(block)
        self.size += len(block)
        return block

    def hexdigest(self) -> str:
        return self._digest.hexdigest()

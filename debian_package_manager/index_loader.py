"""One verified Packages index as a scanned table: from the parsed cache, or fetched once.

A miss downloads the index by hash (checked against the signed Release) and, while its blocks
arrive, decompresses them (inflate.py), hashes the text for the signed plain `Packages`
entry, writes it into a new cache entry and scans it (packages_index.Scanner): one pass, and
never the whole text in memory. The entry is renamed into place only when the download, the
decompressed size and hash and the scan all checked out. A hit touches neither the compressed
file nor the scanner: that is what makes a warm re-lock cheap.

Functions here run in worker threads: lzma, zlib and hashlib release the GIL, so one index
decompresses while another is scanned or downloaded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from debian_package_manager import index_cache
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import NotFoundError, VerificationError
from debian_package_manager.fetch import Downloader, Expected, Tee
from debian_package_manager.inflate import InflateError, Inflater
from debian_package_manager.packages_index import IndexTable, Scanner
from debian_package_manager.release import IndexFile

# Downloads an index (verified against its signed hash), showing the blocks to the tee.
Download = Callable[["IndexSource", Tee | None], Path]
_BLOCK = 1 << 20


@dataclass(frozen=True)
class IndexSource:
    """A Packages index the signed Release lists, and where to download it by hash."""

    suite: str
    arch: str  # distroless name, for messages
    url: str  # the by-hash URL of the compressed file
    compressed: IndexFile
    plain: IndexFile | None  # the uncompressed file's signed entry, when the Release lists it


def fetch_index(downloader: Downloader, source: IndexSource, tee: Tee | None = None) -> Path:
    """The verified compressed index; a 404 names the configuration fix."""
    index = source.compressed
    try:
        return downloader.fetch(source.url, Expected("sha256", index.sha256, index.size), tee)
    except NotFoundError as error:
        raise NotFoundError(
            f"{error}: the mirror does not serve the {index.path} that {source.suite}'s "
            f"signed InRelease lists, so {source.arch} cannot be locked from it; if the mirror "
            f"cannot serve this architecture, drop {source.arch} from the archive's "
            f"'architectures'",
            error.url,
        ) from None


def is_cached(source: IndexSource, cache: HashCache) -> bool:
    """Whether a parsed entry exists (not checked: a damaged one is rebuilt when loaded)."""
    return index_cache.entry_path(cache, source.compressed.sha256).is_file()


def load_table(source: IndexSource, cache: HashCache, download: Download) -> IndexTable:
    """The index's table; `download` gives the verified compressed file on a miss."""
    table = index_cache.load_table(cache, source.compressed.sha256)
    return table if table is not None else read_table(source, cache, download)


class _Reading:
    """One attempt at reading an index: decompressed text -> plain hash, entry, scanner."""

    def __init__(self, source: IndexSource, cache: HashCache):
        self.plain = plain = hashlib.sha256()
        self.scanner = scanner = Scanner(source.suite)
        self.entry = entry = index_cache.EntryWriter(cache, source.compressed.sha256)

        # A closure, not a bound method: the inflater must not refer back to this object, as
        # the cycle would outlive the lock (it runs with the cyclic collector off).
        def text(piece: bytes) -> None:
            plain.update(piece)
            entry.write(piece)
            scanner.feed(piece)

        entry.write(b"\n")  # the table's text starts with a newline (see IndexTable)
        scanner.feed(b"\n")
        size = source.plain.size if source.plain is not None else None
        self.inflater = Inflater(size, text)


def read_table(source: IndexSource, cache: HashCache, download: Download) -> IndexTable:
    """Download the index, decompress, check, store and scan it; its table."""
    name = f"{source.suite} {source.compressed.path}"
    plain = source.plain
    attempts: list[_Reading] = []

    def tee() -> Callable[[bytes], None]:
        attempts.append(_Reading(source, cache))
        return attempts[-1].inflater.feed

    try:
        # Only a signed size bounds what unverified blocks may inflate to.
        path = download(source, tee if plain is not None else None)
        if not attempts:  # the compressed file was cached already (or no signed size)
            attempts.append(_Reading(source, cache))
            with open(path, "rb") as stream:
                while block := stream.read(_BLOCK):
                    attempts[-1].inflater.feed(block)
        reading = attempts[-1]
        try:
            reading.inflater.finish()
        except InflateError as error:
            raise VerificationError(f"cannot decompress {name}: {error}") from None
        if plain is not None and reading.plain.hexdigest() != plain.sha256:
            raise VerificationError(
                f"{name} decompresses to other data than the signed {plain.path} "
                f"(sha256 {reading.plain.hexdigest()}, expected {plain.sha256})"
            )
        try:
            columns = reading.scanner.columns()
        except UnicodeDecodeError as error:
            raise VerificationError(f"the {name} index is not UTF-8: {error}") from None
        return reading.entry.finish(columns)
    finally:
        for reading in attempts:
            reading.entry.discard()

"""One verified Packages index as a scanned table: from the parsed cache, or fetched once.

A miss downloads the index by hash (checked against the signed Release) and decompresses it
while the blocks arrive (inflate.py), checks the decompressed bytes against the signed plain
`Packages` entry, scans them (packages_index.scan_index) and stores the table in the parsed
cache. A hit touches neither the compressed file nor the scanner: that is what makes a warm
re-lock cheap.

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
from debian_package_manager.errors import VerificationError
from debian_package_manager.fetch import Tee
from debian_package_manager.inflate import InflateError, Inflater
from debian_package_manager.packages_index import IndexTable, scan_index
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


def is_cached(source: IndexSource, cache: HashCache) -> bool:
    """Whether a parsed entry exists (not checked: a damaged one is rebuilt when loaded)."""
    return index_cache.entry_path(cache, source.compressed.sha256).is_file()


def load_table(source: IndexSource, cache: HashCache, download: Download) -> IndexTable:
    """The index's table; `download` gives the verified compressed file on a miss."""
    table = index_cache.load_table(cache, source.compressed.sha256)
    if table is None:
        table = read_table(source, download)
        index_cache.store_table(cache, source.compressed.sha256, table)
    return table


def read_table(source: IndexSource, download: Download) -> IndexTable:
    """Download and decompress the index, check it against the signed plain entry, scan it."""
    name = f"{source.suite} {source.compressed.path}"
    plain = source.plain
    size = plain.size if plain is not None else None
    attempts: list[Inflater] = []

    def tee() -> Callable[[bytes], None]:
        attempts.append(Inflater(size))
        return attempts[-1].feed

    # Only a signed size bounds what unverified blocks may inflate to.
    path = download(source, tee if size is not None else None)
    if attempts:
        inflater = attempts[-1]
    else:  # the compressed file was cached already
        inflater = Inflater(size)
        with open(path, "rb") as stream:
            while block := stream.read(_BLOCK):
                inflater.feed(block)
    try:
        text = inflater.result()
    except InflateError as error:
        raise VerificationError(f"cannot decompress {name}: {error}") from None
    if plain is not None:
        digest = hashlib.sha256(memoryview(text)[1:]).hexdigest()
        if digest != plain.sha256:
            raise VerificationError(
                f"{name} decompresses to other data than the signed {plain.path} "
                f"(sha256 {digest}, expected {plain.sha256})"
            )
    try:
        return scan_index(text, source.suite)
    except UnicodeDecodeError as error:
        raise VerificationError(f"the {name} index is not UTF-8: {error}") from None

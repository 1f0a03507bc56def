"""One verified Packages index as a scanned table: from the parsed cache, or fetched once.

A miss downloads the index by hash (checked against the signed Release), decompresses it in
one call, checks the decompressed bytes against the signed plain `Packages` entry, scans it
(packages_index.scan_index) and stores the table in the parsed cache. A hit touches neither
the compressed file nor the scanner: that is what makes a warm re-lock cheap.

Functions here run in worker threads: lzma, zlib and hashlib release the GIL on large inputs,
so one index decompresses while another is scanned or downloaded.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from debian_package_manager import index_cache
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import VerificationError
from debian_package_manager.packages_index import IndexTable, scan_index
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


def load_table(
    source: IndexSource, cache: HashCache, download: Callable[[IndexSource], Path]
) -> IndexTable:
    """The index's table; `download` gives the verified compressed file on a miss."""
    table = index_cache.load_table(cache, source.compressed.sha256)
    if table is None:
        table = read_table(source, download(source))
        index_cache.store_table(cache, source.compressed.sha256, table)
    return table


def read_table(source: IndexSource, path: Path) -> IndexTable:
    """Decompress the downloaded index, check it against the signed plain entry, scan it."""
    name = f"{source.suite} {source.compressed.path}"
    try:
        text = decompress(path.read_bytes())
    except (lzma.LZMAError, zlib.error, OSError, EOFError, ValueError) as error:
        raise VerificationError(f"cannot decompress {name}: {error}") from None
    plain = source.plain
    if plain is not None:
        digest = hashlib.sha256(text).hexdigest()
        if digest != plain.sha256 or len(text) != plain.size:
            raise VerificationError(
                f"{name} decompresses to other data than the signed {plain.path} "
                f"(sha256 {digest}, expected {plain.sha256})"
            )
    try:
        return scan_index(text, source.suite)
    except UnicodeDecodeError as error:
        raise VerificationError(f"the {name} index is not UTF-8: {error}") from None


def decompress(data: bytes) -> bytes:
    """The decompressed index, by the file's compression magic (in one call: the GIL is
    released for all of it, and a 50 MB result is kept whole anyway)."""
    if data.startswith(b"\xfd7zXZ"):
        return lzma.decompress(data, lzma.FORMAT_XZ)
    if data.startswith(b"\x1f\x8b"):
        return gzip.decompress(data)
    if data.startswith(b"BZh"):
        return bz2.decompress(data)
    return data

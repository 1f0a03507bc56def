"""A streaming parser for Debian `Packages` indexes (the hot path: 50 MB, 63k stanzas).

python-debian's deb822 builds a case-insensitive ordered dict per stanza and needs about 5 s
for bookworm's amd64 index; this parser reads decompressed blocks, keeps only the dozen fields
resolution and locking need, and decodes most of them only when they are first read.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from debian_package_manager.errors import VerificationError

# Field name -> attribute of BinaryPackage. Everything else is skipped without being decoded.
_FIELDS = {
    b"Package": "name",
    b"Version": "version",
    b"Architecture": "architecture",
    b"Multi-Arch": "multi_arch",
    b"Essential": "essential",
    b"Important": "important",
    b"Priority": "priority",
    b"Section": "section",
    b"Source": "source",
    b"Depends": "depends",
    b"Pre-Depends": "pre_depends",
    b"Provides": "provides",
    b"Filename": "filename",
    b"Size": "size",
    b"SHA256": "sha256",
}
_REQUIRED = frozenset({"name", "version", "architecture", "filename", "size", "sha256"})
BLOCK_SIZE = 1 << 20


# The raw fields a package keeps, in the order of a Row's tail (see Row).
RAW_FIELDS = (
    "multi_arch",
    "essential",
    "important",
    "priority",
    "section",
    "source",
    "depends",
    "pre_depends",
    "provides",
    "filename",
    "size",
    "sha256",
)
_SLOT = {name: position for position, name in enumerate(RAW_FIELDS, start=3)}  # in a Row
_PROVIDES = _SLOT["provides"]

# One package as plain builtins: (name, version, architecture, *raw fields as bytes or None in
# RAW_FIELDS order). Tuples of bytes are what marshal loads fastest, so the parsed-index cache
# stores exactly this.
Row = tuple


class BinaryPackage:
    """One stanza of a Packages index; immutable by convention.

    Name, version and architecture are decoded when the index is parsed. The other fields stay
    raw bytes until read: resolution reads them for a few hundred of the 63k packages of an
    index, and decoding everything up front was most of the parse time.
    """

    __slots__ = ("name", "version", "architecture", "suite", "_raw")

    def __init__(self, name: str, version: str, architecture: str, suite: str, raw: Row):
        self.name = name
        self.version = version
        self.architecture = architecture
        self.suite = suite  # the archive suite whose index listed it
        self._raw = raw  # the whole Row: kept, not sliced, so a cached row is not copied

    @classmethod
    def from_row(cls, row: Row, suite: str) -> BinaryPackage:
        return cls(row[0], row[1], row[2], suite, row)

    def to_row(self) -> Row:
        return self._raw

    @property
    def has_provides(self) -> bool:
        """Whether the package provides anything, without decoding the field."""
        return self._raw[_PROVIDES] is not None

    def _text(self, key: str, default: str = "") -> str:
        value = self._raw[_SLOT[key]]
        return default if value is None else value.strip().decode()

    @property
    def multi_arch(self) -> str:
        return self._text("multi_arch", "no")

    @property
    def essential(self) -> bool:
        return self._text("essential") == "yes"

    @property
    def important(self) -> bool:
        return self._text("important") == "yes"

    @property
    def priority(self) -> str:
        return self._text("priority", "optional")

    @property
    def section(self) -> str:
        return self._text("section")

    @property
    def source(self) -> str:
        """The source package name ('Source: foo (1.2-3)' names it when it differs)."""
        return self._text("source").partition(" ")[0] or self.name

    @property
    def source_version(self) -> str:
        version = self._text("source").partition(" ")[2].strip().strip("()").strip()
        return version or self.version

    @property
    def depends(self) -> str:
        return self._text("depends")

    @property
    def pre_depends(self) -> str:
        return self._text("pre_depends")

    @property
    def provides(self) -> str:
        return self._text("provides")

    @property
    def filename(self) -> str:
        return self._text("filename")

    @property
    def size(self) -> int:
        return int(self._raw[_SLOT["size"]])

    @property
    def sha256(self) -> str:
        return self._text("sha256").lower()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BinaryPackage):
            return NotImplemented
        return (self.suite, self.to_row()) == (other.suite, other.to_row())

    __hash__ = None  # mutable-looking slots; equality only

    def __repr__(self) -> str:
        return f"BinaryPackage({self.name} {self.version} {self.architecture}, {self.suite})"


def open_index(path: Path) -> BinaryIO:
    """A binary stream of the decompressed index, by the file's compression magic."""
    with open(path, "rb") as probe:
        magic = probe.read(6)
    if magic.startswith(b"\xfd7zXZ"):
        return lzma.open(path, "rb")
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _iter_blocks(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """Decompressed data cut after the last blank line of each block: whole stanzas only."""
    pending = b""
    while True:
        block = stream.read(block_size)
        if not block:
            break
        pending += block
        cut = pending.rfind(b"\n\n")
        if cut >= 0:
            yield pending[: cut + 1]
            pending = pending[cut + 2 :]
    if pending.strip():
        yield pending


def _records(block: bytes) -> list[dict[str, bytes]]:
    """The wanted raw fields of each stanza in a block of whole stanzas.

    One flat loop over lines with a dict lookup per line: per-stanza splitting, regexes and
    decoding whole blocks all measured slower (non-ASCII maintainer names make decode slow).
    """
    records: list[dict[str, bytes]] = []
    record: dict[str, bytes] | None = None
    attribute = None
    wanted = _FIELDS.get
    for line in block.split(b"\n"):
        if not line:
            record = None  # a blank line ends the stanza
            continue
        if line[0] in (32, 9):  # continuation of a multi-line field
            if attribute is not None and record is not None:
                record[attribute] += b" " + line.strip()
            continue
        key, _, value = line.partition(b":")
        attribute = wanted(key)
        if attribute is None:
            continue
        if record is None:
            record = {}
            records.append(record)
        record[attribute] = value
    return records


# Fields with a handful of distinct values ("optional", "same", "libs", "amd64"): one shared
# object per value instead of 63k copies. marshal writes an object seen twice as a reference,
# so the parsed-index cache stays small and loads into shared objects too.
_SHARED_FIELDS = ("multi_arch", "essential", "important", "priority", "section")


def _row(raw: dict[str, bytes], suite: str, shared: dict | None = None) -> Row:
    if not _REQUIRED <= raw.keys() or not raw["size"].strip().isdigit():
        missing = sorted(key for key in _REQUIRED if not raw.get(key, b"").strip())
        name = raw.get("name", b"?").strip().decode()
        problem = f"lacks {', '.join(missing)}" if missing else "has a malformed Size"
        raise VerificationError(f"package {name!r} in the {suite} index {problem}")
    architecture = raw["architecture"].strip().decode()
    if shared is not None:
        architecture = shared.setdefault(architecture, architecture)
        for key in _SHARED_FIELDS:
            value = raw.get(key)
            if value is not None:
                raw[key] = shared.setdefault(value, value)
    return (
        raw["name"].strip().decode(),
        raw["version"].strip().decode(),
        architecture,
        *map(raw.get, RAW_FIELDS),
    )


def _package(raw: dict[str, bytes], suite: str) -> BinaryPackage:
    return BinaryPackage.from_row(_row(raw, suite), suite)


def parse_rows(stream: BinaryIO, suite: str) -> Iterator[Row]:
    """Every package of a decompressed index stream as a Row, block by block.

    `suite` only names the index in error messages: rows do not depend on it, so a cached
    row list serves whichever suite lists the same index file.
    """
    shared: dict = {}
    for block in _iter_blocks(stream):
        for raw in _records(block):
            yield _row(raw, suite, shared)


def parse_packages(stream: BinaryIO, suite: str) -> Iterator[BinaryPackage]:
    """Every binary package of a decompressed index stream, block by block."""
    for row in parse_rows(stream, suite):
        yield BinaryPackage.from_row(row, suite)


def load_index(path: Path, suite: str) -> list[BinaryPackage]:
    """All packages of one (already hash-verified) index file."""
    try:
        with open_index(path) as stream:
            return list(parse_packages(stream, suite))
    except (lzma.LZMAError, OSError, EOFError) as error:
        raise VerificationError(f"cannot read the {suite} index {path.name}: {error}") from None
    except UnicodeDecodeError as error:
        raise VerificationError(f"the {suite} index {path.name} is not UTF-8: {error}") from None


def packages_from_text(text: str, suite: str = "test") -> list[BinaryPackage]:
    """Parse an index given as text (tests and small fixtures)."""
    return list(parse_packages(io.BytesIO(text.encode()), suite))

"""A streaming parser for Debian `Packages` indexes (the hot path: 50 MB, 63k stanzas).

python-debian's deb822 builds a case-insensitive ordered dict per stanza and needs about 5 s
for bookworm's amd64 index; this parser reads decompressed blocks, cuts them into stanzas and
keeps only the dozen fields resolution and locking need, decoding nothing else.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
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
_REQUIRED = ("name", "version", "architecture", "filename", "size", "sha256")
BLOCK_SIZE = 1 << 20


@dataclass(slots=True)
class BinaryPackage:
    """One stanza of a Packages index. Treat it as immutable: it is not frozen only because
    frozen dataclasses are several times slower to build, and 63k are built per index."""

    name: str
    version: str
    architecture: str
    multi_arch: str
    essential: bool
    important: bool
    priority: str
    section: str
    source: str  # source package name
    source_version: str
    depends: str  # raw relation fields; parsed only for packages that get resolved
    pre_depends: str
    provides: str
    filename: str
    size: int
    sha256: str
    suite: str  # the archive suite whose index listed it


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


def _text(raw: dict[str, bytes], key: str, default: str = "") -> str:
    value = raw.get(key)
    return default if value is None else value.strip().decode()


def _package(raw: dict[str, bytes], suite: str) -> BinaryPackage:
    missing = [key for key in _REQUIRED if not raw.get(key, b"").strip()]
    if missing:
        name = _text(raw, "name", "?")
        raise VerificationError(f"package {name!r} in the {suite} index lacks {', '.join(missing)}")
    name = raw["name"].strip().decode()
    version = raw["version"].strip().decode()
    source, source_version = name, version
    if "source" in raw:  # 'Source: foo (1.2-3)' when the versions differ
        source, _, rest = raw["source"].strip().decode().partition(" ")
        source_version = rest.strip().strip("()").strip() or version
    # Positional arguments and no intermediate dict: this runs 63k times per index.
    return BinaryPackage(
        name,
        version,
        raw["architecture"].strip().decode(),
        _text(raw, "multi_arch", "no"),
        raw.get("essential", b"").strip() == b"yes",
        raw.get("important", b"").strip() == b"yes",
        _text(raw, "priority", "optional"),
        _text(raw, "section"),
        source,
        source_version,
        _text(raw, "depends"),
        _text(raw, "pre_depends"),
        _text(raw, "provides"),
        raw["filename"].strip().decode(),
        int(raw["size"]),
        raw["sha256"].strip().decode().lower(),
        suite,
    )


def parse_packages(stream: BinaryIO, suite: str) -> Iterator[BinaryPackage]:
    """Every binary package of a decompressed index stream, block by block."""
    for block in _iter_blocks(stream):
        for raw in _records(block):
            yield _package(raw, suite)


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

"""Debian `Packages` indexes (the hot path: 50 MB, 63k stanzas), scanned, then parsed lazily.

Resolution reads the fields of a few hundred of an index's 63k packages. Locking therefore
scans the decompressed text once with a compiled regex for the four fields that finding a
package by name or by a name it provides needs (Package, Version, Architecture, Provides) and
the stanza's span; a package object is made when resolution asks for its name
(SuitePackages), and a stanza's other fields are parsed only when one of them is first read.
On bookworm's amd64 index (50 MB, 63,440 packages) the scan took 0.29 s, the scan and parsing
every stanza 0.84 s, python-debian's deb822 8.9 s (benchmarks/debian_lock.py --parse, load 1).
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

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
OFFSET = "Q"  # the array type of stanza offsets

# One package as plain builtins: (name, version, architecture, *raw fields as bytes or None in
# RAW_FIELDS order).
Row = tuple

# One match per line end that a blank line follows (a stanza ends) and per line of the scanned
# fields, continuation lines included. The text starts with "\n" (see IndexTable.text), so the
# first line is a line after a "\n" like every other; a literal "\n" first lets the regex engine
# search for it instead of trying every position.
_SCAN = re.compile(
    rb"\n(?:(?=\n)|Package:([^\n]*)|Version:([^\n]*)|Architecture:([^\n]*)"
    rb"|Provides:([^\n]*(?:\n[ \t][^\n]*)*))"
)


@dataclass(frozen=True)
class IndexTable:
    """A decompressed index and, per stanza with a Package field, what the scan found.

    Columns, not objects: the parsed-index cache stores this as a handful of marshalled lists,
    which load far faster than one object per package.
    """

    # The index with a "\n" in front; stanza i is text[starts[i]:ends[i]]. A memoryview of
    # the mapped cache entry when the table was loaded from the cache.
    text: bytes | bytearray | memoryview
    names: list[str]
    versions: list[str]
    architectures: list[str]
    provides: dict[int, bytes]  # stanza number -> raw Provides (a sixth of packages have one)
    # name (lower case) -> the stanzas whose Provides name it, so that resolution finds the
    # providers of a virtual name without reading every Provides field of every lock
    provided: dict[str, list[int]]
    starts: array  # of OFFSET: a tenth of the memory of a list of ints
    ends: array

    def packages(self, suite: str) -> list[BinaryPackage]:
        make = BinaryPackage
        return [
            make(name, version, architecture, suite, self, number)
            for number, (name, version, architecture) in enumerate(
                zip(self.names, self.versions, self.architectures, strict=True)
            )
        ]


# The name that starts each alternative of a relation field, as parse_relations reads it.
_PROVIDED_NAME = re.compile(rb"(?:^|[,|])\s*([a-zA-Z0-9][a-zA-Z0-9+.\-]*)")


class SuitePackages:
    """One suite's packages on one architecture (its own and "all"), found by name.

    Resolution asks about a few hundred of an index's 63k names. A package object is made only
    for a name asked about and for a stanza with Provides (a sixth of them, which resolution
    finds by the names they provide): making one for every stanza was most of a warm re-lock.
    """

    def __init__(self, table: IndexTable, suite: str, architectures: Collection[str]):
        self.suite = suite
        self._table = table
        self._architectures = architectures
        names = table.names
        # A name's only stanza; a name listed twice (a few dozen per index) is in _repeated.
        self._positions = dict(zip(names, range(len(names)), strict=True))
        self._repeated: dict[str, list[int]] = {}
        if len(self._positions) != len(names):
            repeated = {name for name, count in Counter(names).items() if count > 1}
            for number, name in enumerate(names):
                if name in repeated:
                    self._repeated.setdefault(name, []).append(number)
        self._made: dict[int, BinaryPackage] = {}  # one object per stanza: compared with `is`

    def named(self, name: str) -> list[BinaryPackage]:
        """The stanzas of `name` for these architectures, in index order."""
        numbers = self._repeated.get(name)
        if numbers is None:
            number = self._positions.get(name)
            if number is None:
                return []
            numbers = (number,)
        packages = map(self._package, numbers)
        return [package for package in packages if package.architecture in self._architectures]

    def providing(self, name: str) -> list[BinaryPackage]:
        """The packages of these architectures whose Provides name `name` (lower case)."""
        packages = map(self._package, self._table.provided.get(name, ()))
        return [package for package in packages if package.architecture in self._architectures]

    def names(self) -> Iterable[str]:
        return self._positions.keys()

    def provided_names(self) -> Iterable[str]:
        return self._table.provided.keys()

    def _package(self, number: int) -> BinaryPackage:
        package = self._made.get(number)
        if package is None:
            table = self._table
            package = self._made[number] = BinaryPackage(
                table.names[number],
                table.versions[number],
                table.architectures[number],
                self.suite,
                table,
                number,
            )
        return package


def scan_index(text: bytes | bytearray, suite: str) -> IndexTable:
    """The IndexTable of a decompressed index, scanned in one piece (see Scanner). The scan
    needs a "\n" in front (a blank line more or less makes no difference to an index); a text
    without one is copied to add it."""
    if not text.startswith(b"\n"):
        text = b"\n" + text
    scanner = Scanner(suite)
    scanner.feed(text)
    return IndexTable(text, *scanner.columns())


class Scanner:
    """Scans an index's text while it arrives: feed() its pieces in order, the first starting
    with "\n", then columns(). Whole stanzas are scanned a segment of about a megabyte at a
    time, so neither the text nor more than a segment of it need be in memory.

    Every stanza must carry Package, Version and Architecture; Filename, Size and SHA256 are
    checked when a stanza is parsed, so only for the packages resolution reads. `suite` only
    names the index in error messages: a cached table serves whichever suite lists the file.
    """

    SEGMENT = 1 << 20

    def __init__(self, suite: str):
        self._suite = suite
        self._names: list[bytes | None] = []
        self._versions: list[bytes | None] = []
        self._architectures: list[bytes | None] = []
        self._provides: dict[int, bytes] = {}
        self._starts = array(OFFSET)
        self._ends = array(OFFSET)
        self._pending: list[bytes] = []  # text not scanned yet, from offset self._base
        self._pending_size = 0
        self._base = 0

    def feed(self, piece: bytes | bytearray) -> None:
        self._pending.append(piece)
        self._pending_size += len(piece)
        if self._pending_size >= self.SEGMENT:
            self._scan_pending(final=False)

    def columns(self) -> tuple:
        """The scanned columns, in IndexTable's order after `text`."""
        self._scan_pending(final=True)
        columns = [
            _decoded(column) for column in (self._names, self._versions, self._architectures)
        ]
        if not all(map(all, columns)):
            _raise_incomplete(columns, self._suite)
        shared: dict[str, str] = {}  # a handful of architectures: one string each, not 63k
        architectures = [shared.setdefault(a, a) for a in columns[2]]
        provided: dict[str, list[int]] = {}
        for number, field in self._provides.items():
            for name in {name.lower() for name in _PROVIDED_NAME.findall(field)}:
                provided.setdefault(name.decode(), []).append(number)
        return (
            columns[0],
            columns[1],
            architectures,
            self._provides,
            provided,
            self._starts,
            self._ends,
        )

    def _scan_pending(self, final: bool) -> None:
        # A segment ends with the last line before a blank line: its stanzas are whole, and
        # the rest (from that blank line's "\n") starts the next segment with a "\n". The scan
        # also sees that "\n" (or, at the end of the text, one added), so the segment's last
        # stanza ends at a match like every other.
        if final:
            data = b"".join(self._pending)
            ending = b"\n" if data.endswith(b"\n") else b"\n\n"
            self._scan(memoryview(data + ending), self._base)
            if self._ends and self._ends[-1] > self._base + len(data):
                self._ends[-1] = self._base + len(data)  # the "\n" it ends with was added
            self._pending, self._pending_size = [], 0
            self._base += len(data)
            return
        data = b"".join(self._pending)
        cut = data.rfind(b"\n\n") + 1
        if cut <= 0:
            self._pending = [data]
            return
        self._scan(memoryview(data)[: cut + 1], self._base)
        self._pending = [data[cut:]]
        self._pending_size = len(data) - cut
        self._base += cut

    def _scan(self, text: memoryview, base: int) -> None:
        names, versions, architectures = self._names, self._versions, self._architectures
        provides, starts, ends = self._provides, self._starts, self._ends
        name = version = architecture = provided = None
        start = 1
        for match in _SCAN.finditer(text):
            field = match.lastindex
            if field is None:  # the line end before a blank line: the stanza ends after it
                end = match.end()
                if name or version or architecture or provided:
                    if provided is not None:
                        provides[len(names)] = _unfold(provided)
                    names.append(name)
                    versions.append(version)
                    architectures.append(architecture)
                    starts.append(base + start)
                    ends.append(base + end)
                    name = version = architecture = provided = None
                start = end + 1
            elif field == 1:
                name = match.group(1)
            elif field == 2:
                version = match.group(2)
            elif field == 3:
                architecture = match.group(3)
            else:
                provided = match.group(4)


def _decoded(values: list[bytes | None]) -> list[str]:
    """Stripped and decoded; a missing field becomes "" (reported by _raise_incomplete).
    map() over the methods: no Python frame per value, a third of the time of a loop."""
    if None in values:
        values = [b"" if value is None else value for value in values]
    return list(map(bytes.decode, map(bytes.strip, values)))


def _raise_incomplete(columns: list[list[str]], suite: str) -> None:
    for name, version, architecture in zip(*columns, strict=True):
        present = {"name": name, "version": version, "architecture": architecture}
        missing = sorted(key for key, value in present.items() if not value)
        if missing:
            raise VerificationError(
                f"package {name or '?'!r} in the {suite} index lacks {', '.join(missing)}"
            )


def _unfold(value: bytes) -> bytes:
    """A field's value with its continuation lines joined by one space each (as a stanza is
    parsed: see _record)."""
    if b"\n" not in value:
        return value
    first, *rest = value.split(b"\n")
    return b" ".join([first, *(line.strip() for line in rest)])


def _record(stanza: bytes) -> dict[str, bytes]:
    """The wanted raw fields of one stanza (continuation lines joined by a space)."""
    record: dict[str, bytes] = {}
    attribute = None
    wanted = _FIELDS.get
    for line in stanza.split(b"\n"):
        if not line:
            continue
        if line[0] in (32, 9):  # continuation of a multi-line field
            if attribute is not None:
                record[attribute] += b" " + line.strip()
            continue
        key, _, value = line.partition(b":")
        attribute = wanted(key)
        if attribute is not None:
            record[attribute] = value
    return record


def _row(raw: dict[str, bytes], suite: str) -> Row:
    if not _REQUIRED <= raw.keys() or not raw["size"].strip().isdigit():
        missing = sorted(key for key in _REQUIRED if not raw.get(key, b"").strip())
        name = raw.get("name", b"?").strip().decode()
        problem = f"lacks {', '.join(missing)}" if missing else "has a malformed Size"
        raise VerificationError(f"package {name!r} in the {suite} index {problem}")
    return (
        raw["name"].strip().decode(),
        raw["version"].strip().decode(),
        raw["architecture"].strip().decode(),
        *map(raw.get, RAW_FIELDS),
    )


class BinaryPackage:
    """One stanza of a Packages index; immutable by convention.

    Name, version and architecture come from the scan. The stanza's other fields are parsed
    when one of them is first read, and stay raw bytes until then.
    """

    __slots__ = ("name", "version", "architecture", "suite", "_table", "_number", "_row")

    def __init__(
        self,
        name: str,
        version: str,
        architecture: str,
        suite: str,
        table: IndexTable,
        number: int,
    ):
        self.name = name
        self.version = version
        self.architecture = architecture
        self.suite = suite  # the archive suite whose index listed it
        self._table: IndexTable | None = table  # None once parsed
        self._number = number  # the stanza's position in the table
        self._row: Row | None = None

    def to_row(self) -> Row:
        """The parsed stanza; a stanza lacking Filename, Size or SHA256 fails here.

        A parsed package lets go of its table: the lock keeps a few hundred packages, and each
        would otherwise keep a whole index (50 MB) alive.
        """
        if self._row is None:
            table, number = self._table, self._number
            stanza = bytes(table.text[table.starts[number] : table.ends[number]])
            self._row = _row(_record(stanza), self.suite)
            self._table = None
        return self._row

    def _text(self, key: str, default: str = "") -> str:
        value = self.to_row()[_SLOT[key]]
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
        """From the scan until parsed: resolution reads it for every package with Provides."""
        if self._row is not None:
            return self._text("provides")
        value = self._table.provides.get(self._number)
        return "" if value is None else value.strip().decode()

    @property
    def filename(self) -> str:
        return self._text("filename")

    @property
    def size(self) -> int:
        return int(self.to_row()[_SLOT["size"]])

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


def packages_from_text(text: str, suite: str = "test") -> list[BinaryPackage]:
    """Scan an index given as text (tests and small fixtures)."""
    return scan_index(text.encode(), suite).packages(suite)

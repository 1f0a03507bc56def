"""Parse a verified Release text and locate the Packages index of a component/architecture.

A Release file is one deb822 stanza of "Field: value" lines, its hash lists multi-line fields
of "sha256 size name" lines. Read here in a few lines rather than with python-debian's
deb822.Release, whose import (chardet among it) was a tenth of a second of every lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from debian_package_manager.errors import VerificationError

# Preferred first; every one is checked against the signed hash, whichever is used. gzip
# before xz: bookworm's amd64 index is 12.1 MB gzipped against 8.8 MB, but inflates in 0.16 s
# of CPU against 0.47 s, and a cold lock's time is that CPU (two architectures' indexes on two
# cores) unless the mirror delivers less than about 25 MB/s. Security suites list only xz.
INDEX_NAMES = ("Packages.gz", "Packages.xz", "Packages")


@dataclass(frozen=True)
class IndexFile:
    path: str  # relative to dists/<suite>/, e.g. main/binary-amd64/Packages.xz
    sha256: str
    size: int


@dataclass(frozen=True)
class ReleaseInfo:
    suite: str
    codename: str
    date: str  # verbatim, as recorded in the lock
    date_utc: datetime
    valid_until: str | None
    valid_until_utc: datetime | None
    architectures: tuple[str, ...]  # Debian names
    components: tuple[str, ...]
    acquire_by_hash: bool
    arch_all_in_arch_indexes: bool
    sha256: dict[str, IndexFile]  # path -> entry


def parse_release(signed_text: bytes, url: str) -> ReleaseInfo:
    release = _fields(signed_text.decode("utf-8"), url)
    for required in ("Date", "SHA256"):
        if required.lower() not in release:
            raise VerificationError(f"{url} has no {required} field; is it a Debian Release file?")
    files = {}
    for line in release["sha256"].splitlines()[1:]:
        entry = line.split()
        if len(entry) != 3 or not entry[1].isdigit():
            raise VerificationError(f"{url}: malformed SHA256 entry {line.strip()!r}")
        sha256, size, name = entry
        files[name] = IndexFile(name, sha256.lower(), int(size))
    valid_until = release.get("valid-until")
    architectures = release.get("architectures", "").split()
    return ReleaseInfo(
        suite=release.get("suite", ""),
        codename=release.get("codename", ""),
        date=release["date"],
        date_utc=_parse_date(release["date"], "Date", url),
        valid_until=valid_until,
        valid_until_utc=_parse_date(valid_until, "Valid-Until", url) if valid_until else None,
        architectures=tuple(architectures),
        components=tuple(release.get("components", "").split()),
        acquire_by_hash=release.get("acquire-by-hash", "no").lower() == "yes",
        # "No-Support-for-Architecture-all: Packages" means arch:all packages are listed in
        # every binary-<arch>/Packages; otherwise they may live in binary-all only.
        arch_all_in_arch_indexes=release.get("no-support-for-architecture-all", "") == "Packages"
        or "all" not in architectures,
        sha256=files,
    )


def _fields(text: str, url: str) -> dict[str, str]:
    """The first stanza's fields, by lower-case name (deb822 field names ignore case); a
    multi-line field's value is its first line, then one line per continuation line."""
    fields: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break  # the stanza ends
            continue
        if line[0] in " \t":
            if name is None:
                raise VerificationError(f"{url}: a continuation line opens the file: {line!r}")
            fields[name] += "\n" + line.strip()
            continue
        field, colon, value = line.partition(":")
        if not colon:
            raise VerificationError(f"{url}: malformed line {line!r}; is it a Release file?")
        name = field.strip().lower()
        fields[name] = value.strip()
    return fields


def _parse_date(text: str, field: str, url: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise VerificationError(f"{url}: cannot parse {field} {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def check_suite(info: ReleaseInfo, suite: str, url: str) -> None:
    """An InRelease for another suite, validly signed, must not be accepted (replay)."""
    if suite not in (info.suite, info.codename):
        raise VerificationError(
            f"{url} is signed for suite {info.suite!r} (codename {info.codename!r}), "
            f"not {suite!r}; refusing a Release file of another suite"
        )


def find_index(info: ReleaseInfo, component: str, debian_arch: str, url: str) -> IndexFile:
    """The best compressed Packages index of component/arch listed in the signed Release."""
    listed_components = {c.rsplit("/", 1)[-1] for c in info.components}
    if info.components and component not in listed_components:
        raise VerificationError(
            f"{url} has no component {component!r} (Components: {' '.join(info.components)})"
        )
    for name in INDEX_NAMES:
        path = f"{component}/binary-{debian_arch}/{name}"
        if path in info.sha256:
            return info.sha256[path]
    raise VerificationError(
        f"{url} lists no Packages index for {component}/binary-{debian_arch} in its SHA256 field"
    )

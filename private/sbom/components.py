"""What an image is made of: its manifest digest and one component per locked package.

A Debian package comes from its deb_layer metadata (name, version, checksums, DEP-5 licences); an
official Node.js build from its npm lock entry. Each gets the purl both SBOM formats list it under.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from private.oci import layout as oci_layout
from private.sbom.licences import NOASSERTION, Licence, declared_licence


class SbomError(Exception):
    """Input the generator cannot describe (a broken layout or metadata file); says which."""


@dataclass(frozen=True)
class Component:
    """One package of an image, as both SBOM formats describe it."""

    ecosystem: str  # deb or npm
    name: str
    version: str
    purl: str
    download: str
    sha256: str
    sha512: str
    homepage: str
    maintainer: str
    source: str
    licence: Licence


@dataclass(frozen=True)
class Image:
    """One per-arch image and what it is made of."""

    repository: str
    tag: str
    arch: str
    digest: str
    components: tuple[Component, ...]

    @property
    def purl(self) -> str:
        return f"pkg:oci/{self.repository}@{quote(self.digest, safe='')}?arch={self.arch}"


def purl_version(version: str) -> str:
    # The purl spec percent-encodes versions; ':' (Debian epochs) stays as the reference
    # implementation (packageurl-python) leaves it.
    return quote(version, safe="").replace("%3A", ":")


def deb_component(meta: dict) -> Component:
    """A Debian package from its deb_layer metadata."""
    name, version = meta["package"], meta["version"]
    purl = (
        f"pkg:deb/debian/{name}@{purl_version(version)}"
        f"?arch={meta['architecture']}&distro=debian-{meta['debian_version']}"
    )
    return Component(
        ecosystem="deb",
        name=name,
        version=version,
        purl=purl,
        download=(meta.get("urls") or [NOASSERTION])[0],
        sha256=meta["sha256"],
        sha512="",
        homepage=meta.get("homepage", ""),
        maintainer=meta.get("maintainer", ""),
        source=f"{meta.get('source', name)} {meta.get('source_version', version)}",
        licence=declared_licence(meta.get("licenses", [])),
    )


def npm_component(meta: dict) -> Component:
    """An official Node.js build from its npm lock entry: purl pkg:npm/<package>@<version>."""
    algorithm, _, digest = meta["integrity"].partition("-")
    if algorithm != "sha512":
        raise SbomError(f"npm entry {meta['package']}: integrity is {algorithm}, not sha512")
    return Component(
        ecosystem="npm",
        name=meta["package"],
        version=meta["version"],
        purl=f"pkg:npm/{meta['package']}@{purl_version(meta['version'])}",
        download=meta["url"],
        sha256=meta["sha256"],
        sha512=base64.b64decode(digest).hex(),
        homepage="https://nodejs.org",
        maintainer="",
        source="",
        licence=Licence(NOASSERTION, {}, ()),
    )


def load_component(path: Path) -> Component:
    try:
        meta = json.loads(path.read_text())
        return npm_component(meta) if "integrity" in meta else deb_component(meta)
    except (OSError, ValueError, KeyError) as e:
        raise SbomError(f"{path}: not a package metadata file ({e})") from e


def manifest_digest(layout: Path) -> str:
    """The digest of the single image an OCI layout directory holds."""
    try:
        return oci_layout.manifest_digest(layout)
    except oci_layout.UnreadableIndex as e:
        raise SbomError(str(e)) from e.cause
    except oci_layout.NotOneManifest as e:
        raise SbomError(f"{layout}: holds {e.count} manifests, not one image") from None


def load_image(spec: dict) -> Image:
    by_purl = {}
    for path in spec["packages"]:
        component = load_component(Path(path))
        by_purl[component.purl] = component
    return Image(
        repository=spec["repository"],
        tag=spec["tag"],
        arch=spec["arch"],
        digest=manifest_digest(Path(spec["layout"])),
        components=tuple(sorted(by_purl.values(), key=lambda c: (c.name, c.purl))),
    )

#!/usr/bin/env python3
"""Write an SPDX 2.3 and a CycloneDX 1.6 SBOM (JSON) for every per-arch image of a catalog.

The SBOMs list the locked packages that make up each image (Debian packages from their deb_layer
metadata, Node.js builds from their npm lock entry) with name, version, purl, declared licence,
checksums and download URL, under a root package that is the image itself (its manifest digest).

They are reproducible: the only time in them is the newest archive Date of the release's lock
(never the wall clock), and the SPDX documentNamespace and the CycloneDX serialNumber are derived
from a hash of the document's content.

Usage (what the `distroless_sbom` rule runs): sbom.py REQUEST.json, where the request lists the
lock file, the namespace prefix and, per image, its repository, tag, arch, OCI layout directory,
package metadata files and the two output paths.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import re
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

from private.oci import layout as oci_layout

TOOL = "distroless-sbom-1"

# SPDX licence ids that DEP-5 short names spell the same way (compared case-insensitively). Only
# ids present in the SPDX licence list of the validators we test with (tests/sbom).
SPDX_IDS = {
    i.lower(): i
    for i in (
        "0BSD AFL-2.0 AFL-2.1 AFL-3.0 APSL-2.0 Apache-1.0 Apache-1.1 Apache-2.0 Artistic-1.0 "
        "Artistic-1.0-Perl Artistic-2.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent "
        "BSD-3-Clause BSD-4-Clause BSL-1.0 Beerware CC-BY-3.0 CC-BY-4.0 CC-BY-SA-3.0 "
        "CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CPL-1.0 ECL-2.0 EPL-1.0 EPL-2.0 EUPL-1.2 "
        "FSFAP FSFUL FSFULLR FTL GD HPND ICU IJG ISC Info-ZIP LPPL-1.3c Latex2e Libpng MIT "
        "MIT-0 MIT-CMU MIT-Modern-Variant MPL-1.0 MPL-1.1 MPL-2.0 MS-PL MirOS NCSA NTP "
        "OFL-1.1 OLDAP-2.8 OpenSSL PHP-3.01 PSF-2.0 PostgreSQL Python-2.0 Ruby Sleepycat TCL "
        "Unicode-DFS-2016 Unlicense Vim W3C WTFPL X11 Zlib bzip2-1.0.6 curl libtiff"
    ).split()
}
# DEP-5 short names that mean an SPDX licence under another spelling.
ALIASES = {"expat": "MIT", "apache-2": "Apache-2.0", "cc0": "CC0-1.0"}
# "<licence> with <name> exception": the SPDX exception id, per licence family where it differs.
EXCEPTIONS = {
    "autoconf": {"GPL-2.0": "Autoconf-exception-2.0", "GPL-3.0": "Autoconf-exception-3.0"},
    "libtool": {"": "Libtool-exception"},
    "llvm": {"": "LLVM-exception"},
    "font": {"": "Font-exception-2.0"},
    "texinfo": {"": "Texinfo-exception"},
    "classpath": {"": "Classpath-exception-2.0"},
    "gcc": {"GPL-2.0": "GCC-exception-2.0", "GPL-3.0": "GCC-exception-3.1"},
}
GNU = re.compile(
    r"(?P<name>A?GPL|LGPL|GFDL(?P<niv>-NIV)?)-?(?P<version>\d+(?:\.\d+)?)(?P<plus>\+)?"
)
WITH = re.compile(r"(?P<licence>\S+) with (?P<exception>\S+) exception", re.IGNORECASE)
NOASSERTION = "NOASSERTION"


class SbomError(Exception):
    """Input the generator cannot describe (a broken layout or metadata file); says which."""


@dataclass(frozen=True)
class Licence:
    """A package's declared licence: an SPDX expression and the LicenseRefs it uses."""

    expression: str  # an SPDX licence expression, or NOASSERTION
    refs: dict[str, str]  # LicenseRef-... -> the DEP-5 name it stands for
    fields: tuple[str, ...]  # the DEP-5 License names, as the copyright file spells them


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


def license_ref(name: str) -> str:
    """A LicenseRef id for a non-SPDX licence name; names that need escaping get a hash suffix."""
    cleaned = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-")[:48]
    if cleaned != name:
        cleaned = f"{cleaned}-{hashlib.sha256(name.encode()).hexdigest()[:8]}".lstrip("-")
    return f"LicenseRef-{cleaned}"


def _gnu(term: str) -> str | None:
    match = GNU.fullmatch(term)
    if not match:
        return None
    version = match["version"] if "." in match["version"] else match["version"] + ".0"
    suffix = "or-later" if match["plus"] else "only"
    if match["niv"]:
        return f"GFDL-{version}-no-invariants-{suffix}"
    return f"{match['name']}-{version}-{suffix}"


def _simple(term: str) -> str | None:
    """The SPDX id of one DEP-5 short name, or None when SPDX has none."""
    return _gnu(term) or ALIASES.get(term.lower()) or SPDX_IDS.get(term.lower())


def _term(term: str, refs: dict[str, str]) -> str | None:
    """One operand of a DEP-5 License field as SPDX, or None if it is prose, not a short name."""
    match = WITH.fullmatch(term)
    if match:
        base = _simple(match["licence"])
        family = re.sub(r"-(only|or-later)$", "", base or "")
        by_family = EXCEPTIONS.get(match["exception"].lower(), {})
        exception = by_family.get(family) or by_family.get("")
        if base and exception:
            return f"{base} WITH {exception}"
        refs[license_ref(term)] = term
        return license_ref(term)
    if " " in term:
        return None
    spdx = _simple(term)
    if spdx:
        return spdx
    refs[license_ref(term)] = term
    return license_ref(term)


def dep5_to_spdx(field: str, refs: dict[str, str]) -> str:
    """One DEP-5 License field ("GPL-2+ or Artistic") as an SPDX expression.

    `and`/`or` become AND/OR (both bind the same way in DEP-5 and SPDX); a field that is prose
    rather than short names (old copyright files) becomes one LicenseRef. New LicenseRefs are
    added to `refs`.
    """
    field = " ".join(field.split())
    parts = re.split(r" (and|or) ", field, flags=re.IGNORECASE)
    found: dict[str, str] = {}
    operands = [_term(term, found) for term in parts[0::2]]
    if any(operand is None for operand in operands):
        refs[license_ref(field)] = field
        return license_ref(field)
    refs.update(found)
    expression = str(operands[0])
    for operator, operand in zip(parts[1::2], operands[1:], strict=True):
        expression += f" {operator.upper()} {operand}"
    return expression


def declared_licence(fields: list[str]) -> Licence:
    """The conjunction of every License field of a copyright file, or NOASSERTION without any."""
    refs: dict[str, str] = {}
    unique = tuple(dict.fromkeys(f for f in fields if f.strip()))
    expressions = list(dict.fromkeys(dep5_to_spdx(f, refs) for f in unique))
    if not expressions:
        return Licence(NOASSERTION, {}, ())
    if len(expressions) == 1:
        return Licence(expressions[0], refs, unique)
    joined = " AND ".join(f"({e})" if " OR " in e else e for e in expressions)
    return Licence(joined, refs, unique)


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


def lock_created(lock: dict) -> str:
    """The newest archive Date of a lock as an ISO 8601 UTC time: the SBOMs' creation time."""
    dates = [email.utils.parsedate_to_datetime(a["date"]) for a in lock.get("archives", [])]
    if not dates:
        return "1970-01-01T00:00:00Z"
    return max(dates).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _spdx_id(component: Component) -> str:
    name = re.sub(r"[^A-Za-z0-9.]+", "-", component.name)
    return f"SPDXRef-{component.ecosystem}-{name}-{component.sha256[:12]}"


def _supplier(maintainer: str) -> str:
    # "Name <mail>" -> "Person: Name (mail)", as SPDX spells a supplier (and as syft does).
    match = re.fullmatch(r"\s*(.*?)\s*<([^>]*)>\s*", maintainer)
    if not maintainer:
        return NOASSERTION
    return f"Person: {match[1]} ({match[2]})" if match else f"Person: {maintainer}"


def _content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def spdx_document(image: Image, created: str, namespace: str) -> dict:
    """The SPDX 2.3 document of an image: the image as a CONTAINER package CONTAINS each package."""
    root = {
        "SPDXID": "SPDXRef-image",
        "name": image.repository,
        "versionInfo": image.digest,
        "downloadLocation": NOASSERTION,
        "filesAnalyzed": False,
        "primaryPackagePurpose": "CONTAINER",
        "checksums": [{"algorithm": "SHA256", "checksumValue": image.digest.split(":", 1)[1]}],
        "externalRefs": [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": image.purl,
            }
        ],
        "licenseConcluded": NOASSERTION,
        "licenseDeclared": NOASSERTION,
        "copyrightText": NOASSERTION,
        "comment": f"The {image.arch} image tagged {image.tag}.",
    }
    packages = [root]
    refs: dict[str, str] = {}
    relationships = [
        {
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-image",
        }
    ]
    for c in image.components:
        refs.update(c.licence.refs)
        checksums = [{"algorithm": "SHA256", "checksumValue": c.sha256}]
        if c.sha512:
            checksums.append({"algorithm": "SHA512", "checksumValue": c.sha512})
        package = {
            "SPDXID": _spdx_id(c),
            "name": c.name,
            "versionInfo": c.version,
            "supplier": _supplier(c.maintainer),
            "downloadLocation": c.download,
            "filesAnalyzed": False,
            "checksums": checksums,
            "licenseConcluded": NOASSERTION,
            "licenseDeclared": c.licence.expression,
            "copyrightText": NOASSERTION,
            "externalRefs": [
                {
                    "referenceCategory": "PACKAGE-MANAGER",
                    "referenceType": "purl",
                    "referenceLocator": c.purl,
                }
            ],
        }
        if c.homepage:
            package["homepage"] = c.homepage
        if c.source:
            package["sourceInfo"] = f"built from the Debian source package {c.source}"
        if c.licence.fields:
            package["licenseComments"] = "DEP-5 License fields: " + "; ".join(c.licence.fields)
        packages.append(package)
        relationships.append(
            {
                "spdxElementId": "SPDXRef-image",
                "relationshipType": "CONTAINS",
                "relatedSpdxElement": _spdx_id(c),
            }
        )
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{image.repository}:{image.tag}",
        "documentNamespace": "",
        "creationInfo": {"created": created, "creators": [f"Tool: {TOOL}"]},
        "packages": packages,
        "relationships": relationships,
    }
    if refs:
        document["hasExtractedLicensingInfos"] = [
            {
                "licenseId": ref,
                "name": name,
                "extractedText": (
                    f"The licence named {name!r} in the machine-readable Debian copyright file "
                    "/usr/share/doc/<package>/copyright of the packages that declare it; that "
                    "file, shipped in the image, holds the text."
                ),
            }
            for ref, name in sorted(refs.items())
        ]
    document["documentNamespace"] = (
        f"{namespace}/{image.repository}/{image.tag}-{_content_hash(document)}"
    )
    return document


def _cdx_licences(licence: Licence) -> list[dict]:
    if licence.expression == NOASSERTION:
        return []
    if not licence.refs:
        if " " not in licence.expression:
            return [{"license": {"id": licence.expression}}]
        return [{"expression": licence.expression}]
    # CycloneDX expressions may not hold LicenseRefs it cannot resolve: list the names instead.
    return [{"license": _cdx_licence(field)} for field in licence.fields]


def _cdx_licence(field: str) -> dict:
    spdx = _simple(field) if " " not in field else None
    return {"id": spdx} if spdx else {"name": field}


def cyclonedx_document(image: Image, created: str) -> dict:
    """The CycloneDX 1.6 BOM of an image: the image is metadata.component, packages components."""
    components = []
    for c in image.components:
        hashes = [{"alg": "SHA-256", "content": c.sha256}]
        if c.sha512:
            hashes.append({"alg": "SHA-512", "content": c.sha512})
        component = {
            "type": "application" if c.ecosystem == "npm" else "library",
            "bom-ref": c.purl,
            "name": c.name,
            "version": c.version,
            "purl": c.purl,
            "hashes": hashes,
            "externalReferences": [{"type": "distribution", "url": c.download}],
        }
        if c.maintainer:
            component["publisher"] = c.maintainer
        if c.homepage:
            component["externalReferences"].append({"type": "website", "url": c.homepage})
        licences = _cdx_licences(c.licence)
        if licences:
            component["licenses"] = licences
        if c.source:
            component["properties"] = [{"name": "debian:source", "value": c.source}]
        components.append(component)
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "timestamp": created,
            "tools": {"components": [{"type": "application", "name": TOOL}]},
            "component": {
                "type": "container",
                "bom-ref": image.purl,
                "name": image.repository,
                "version": image.digest,
                "purl": image.purl,
                "properties": [
                    {"name": "distroless:tag", "value": image.tag},
                    {"name": "distroless:arch", "value": image.arch},
                ],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": image.purl, "dependsOn": [c.purl for c in image.components]},
            *({"ref": c.purl} for c in image.components),
        ],
    }
    document["serialNumber"] = f"urn:uuid:{uuid.UUID(_content_hash(document)[:32])}"
    return document


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


def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def generate(request: dict) -> int:
    """Write both SBOMs of every image of the request; returns how many images."""
    try:
        lock = json.loads(Path(request["lock"]).read_text())
    except (OSError, ValueError) as e:
        raise SbomError(f"{request['lock']}: cannot read the lock ({e})") from e
    created = lock_created(lock)
    for spec in request["images"]:
        image = load_image(spec)
        write_json(Path(spec["spdx"]), spdx_document(image, created, request["namespace"]))
        write_json(Path(spec["cyclonedx"]), cyclonedx_document(image, created))
    return len(request["images"])


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: sbom.py REQUEST.json", file=sys.stderr)
        return 2
    try:
        generate(json.loads(Path(argv[0]).read_text()))
    except SbomError as e:
        print(f"sbom: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The SPDX 2.3 document of an image: the image, a CONTAINER package, CONTAINS each package."""

from __future__ import annotations

import re

from private.sbom.components import Component, Image
from private.sbom.creation import TOOL, content_hash
from private.sbom.licences import NOASSERTION


def _spdx_id(component: Component) -> str:
    name = re.sub(r"[^A-Za-z0-9.]+", "-", component.name)
    return f"SPDXRef-{component.ecosystem}-{name}-{component.sha256[:12]}"


def _supplier(maintainer: str) -> str:
    # "Name <mail>" -> "Person: Name (mail)", as SPDX spells a supplier (and as syft does).
    match = re.fullmatch(r"\s*(.*?)\s*<([^>]*)>\s*", maintainer)
    if not maintainer:
        return NOASSERTION
    return f"Person: {match[1]} ({match[2]})" if match else f"Person: {maintainer}"


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
        f"{namespace}/{image.repository}/{image.tag}-{content_hash(document)}"
    )
    return document

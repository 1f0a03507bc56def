"""The CycloneDX 1.6 BOM of an image: the image is metadata.component, its packages components."""

from __future__ import annotations

import uuid

from private.sbom.components import Image
from private.sbom.creation import TOOL, content_hash
from private.sbom.licences import NOASSERTION, Licence, spdx_id


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
    spdx = spdx_id(field) if " " not in field else None
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
    document["serialNumber"] = f"urn:uuid:{uuid.UUID(content_hash(document)[:32])}"
    return document

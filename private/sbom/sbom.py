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
package metadata files and the two output paths. With a `provenance` entry (the lock's workspace
path, MODULE.bazel, .bazelversion) it also writes the build-time half of each image's and each
index's SLSA provenance predicate (provenance.py) from the same package data.

The work is done by licences.py (DEP-5 to SPDX), components.py (what an image is made of),
creation.py (time and identity), spdx.py and cyclonedx.py (the two documents), provenance.py
(the provenance predicates); this module reads the request and writes the files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from private.sbom.components import SbomError, load_image
from private.sbom.creation import lock_created
from private.sbom.cyclonedx import cyclonedx_document
from private.sbom.provenance import build_definition, file_dependency, read_toolchain
from private.sbom.spdx import spdx_document


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
    components = {}
    for spec in request["images"]:
        image = load_image(spec)
        components[spec["layout"]] = image.components
        write_json(Path(spec["spdx"]), spdx_document(image, created, request["namespace"]))
        write_json(Path(spec["cyclonedx"]), cyclonedx_document(image, created))
    if "provenance" in request:
        write_provenance(request, components)
    return len(request["images"])


def write_provenance(request: dict, components: dict[str, tuple]) -> None:
    """The build-time provenance predicate of every image and index of the request."""
    settings = request["provenance"]
    toolchain = read_toolchain(Path(settings["module"]), Path(settings["bazelversion"]))
    lock = file_dependency(settings["lock_name"], Path(request["lock"]))
    subjects = [(s, [s["layout"]]) for s in request["images"]]
    subjects += [(s, s["images"]) for s in request.get("indexes", [])]
    for spec, layouts in subjects:
        packages = [c for layout in layouts for c in components[layout]]
        write_json(
            Path(spec["provenance"]), build_definition(spec["target"], lock, packages, toolchain)
        )


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

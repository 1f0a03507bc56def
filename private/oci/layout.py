"""Read OCI image layouts: the directories rules_oci's oci_image and oci_image_index write.

A layout is `index.json` (descriptors of the manifests it holds), `oci-layout` and
`blobs/<algorithm>/<hex>`. index.json may point at an image manifest (oci_image), at an image
index (oci_image_index) or at nested indexes; `image_manifests` walks that tree down to the image
manifests. The callers (structure test runner, image diff, SBOM generator, publisher, size
report) phrase the errors for their users: the exceptions here carry what went wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}


class LayoutError(Exception):
    """The layout cannot be read."""


class UnreadableIndex(LayoutError):
    """index.json is missing, is not JSON or has no "manifests"; `cause` is the error."""

    def __init__(self, layout: Path, cause: Exception):
        super().__init__(f"{layout}: not an OCI layout ({cause})")
        self.layout = layout
        self.cause = cause


class NotOneManifest(LayoutError):
    """index.json lists `count` manifests where one was expected."""

    def __init__(self, layout: Path, count: int):
        super().__init__(f"{layout}: holds {count} manifests, expected one")
        self.layout = layout
        self.count = count


class MissingBlob(LayoutError):
    """A descriptor points at a blob the layout does not have."""

    def __init__(self, layout: Path, digest: str):
        super().__init__(f"{layout}: blob {digest} is missing")
        self.layout = layout
        self.digest = digest


def read_index(layout: Path) -> list[dict]:
    """The descriptors listed by the layout's index.json, in order."""
    try:
        return json.loads((Path(layout) / "index.json").read_text())["manifests"]
    except (OSError, ValueError, KeyError) as e:
        raise UnreadableIndex(layout, e) from e


def manifest_digest(layout: Path) -> str:
    """The digest of the one manifest (image or index) a layout holds: what rules_oci writes."""
    manifests = read_index(layout)
    if len(manifests) != 1:
        raise NotOneManifest(layout, len(manifests))
    return manifests[0]["digest"]


def blob_path(layout: Path, digest: str) -> Path:
    """blobs/<algorithm>/<hex> of a digest; MissingBlob when the file is not there."""
    algorithm, _, hexdigest = digest.partition(":")
    path = Path(layout) / "blobs" / algorithm / hexdigest
    if not path.is_file():
        raise MissingBlob(layout, digest)
    return path


def read_blob_json(layout: Path, digest: str) -> dict:
    """A JSON blob (manifest, index, image config) by digest."""
    return json.loads(blob_path(layout, digest).read_bytes())


def image_manifests(
    layout: Path, descriptors: list[dict] | None = None
) -> Iterator[tuple[dict, dict]]:
    """(descriptor, manifest) of every image manifest reachable from the layout's index.json
    (or from `descriptors`), depth first in index order. Other artifacts (attestations,
    signatures: neither an index nor an image manifest) are skipped."""
    for descriptor in read_index(layout) if descriptors is None else descriptors:
        media_type = descriptor.get("mediaType", "")
        if media_type in INDEX_TYPES:
            nested = read_blob_json(layout, descriptor["digest"])["manifests"]
            yield from image_manifests(layout, nested)
        elif media_type in MANIFEST_TYPES:
            yield descriptor, read_blob_json(layout, descriptor["digest"])

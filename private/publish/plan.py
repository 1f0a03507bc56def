"""The plan: what the catalogs publish, loaded from the JSON the rule writes, and --filter."""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from private.oci import layout as oci_layout
from private.publish.errors import UsageError


@dataclass(frozen=True)
class Image:
    """A per-arch image of an index, with its SBOMs and provenance."""

    arch: str
    tag: str
    layout: Path
    digest: str
    spdx: Path
    cyclonedx: Path
    provenance: Path | None = None  # the build-time predicate; None in plans without one


@dataclass(frozen=True)
class Index:
    """A multi-arch index to publish under <registry>/<repository>:<tag>."""

    repository: str
    tag: str
    lock_tag: str
    layout: Path
    digest: str
    images: tuple[Image, ...]
    provenance: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.repository}:{self.tag}"


def layout_digest(layout: Path) -> str:
    """The digest of the one manifest (image or index) an OCI layout directory holds."""
    try:
        return oci_layout.manifest_digest(layout)
    except oci_layout.UnreadableIndex as e:
        raise UsageError(f"{e}; rebuild with bazel") from e.cause
    except oci_layout.NotOneManifest as e:
        raise UsageError(str(e)) from None


def lock_id(lock: Path) -> str:
    """The first 12 hex digits of the lock file's sha256: the suffix of the per-lock tags."""
    return hashlib.sha256(lock.read_bytes()).hexdigest()[:12]


def optional(runfiles: Path, rlocation: str | None) -> Path | None:
    return runfiles / rlocation if rlocation else None


def load_plan(plan_path: Path, runfiles: Path) -> list[Index]:
    """The indexes of the plan the rule wrote, with runfiles paths made absolute."""
    plan = json.loads(plan_path.read_text())
    lock_ids: dict[str, str] = {}
    indexes = []
    for entry in plan["indexes"]:
        lock = entry["lock"]
        if lock not in lock_ids:
            lock_ids[lock] = lock_id(runfiles / lock)
        images = tuple(
            Image(
                arch=i["arch"],
                tag=i["tag"],
                layout=runfiles / i["layout"],
                digest=layout_digest(runfiles / i["layout"]),
                spdx=runfiles / i["spdx"],
                cyclonedx=runfiles / i["cyclonedx"],
                provenance=optional(runfiles, i.get("provenance")),
            )
            for i in entry["images"]
        )
        indexes.append(
            Index(
                repository=entry["repository"],
                tag=entry["tag"],
                lock_tag=f"{entry['tag']}-{lock_ids[lock]}",
                layout=runfiles / entry["layout"],
                digest=layout_digest(runfiles / entry["layout"]),
                images=images,
                provenance=optional(runfiles, entry.get("provenance")),
            )
        )
    return indexes


def select(indexes: list[Index], patterns: list[str]) -> list[Index]:
    """The indexes whose `repository` or `repository:tag` matches one of the glob patterns."""
    if not patterns:
        return indexes
    chosen = [
        i
        for i in indexes
        if any(
            fnmatch.fnmatchcase(i.repository, p) or fnmatch.fnmatchcase(i.name, p) for p in patterns
        )
    ]
    if not chosen:
        repositories = sorted({i.repository for i in indexes})
        known = ", ".join(repositories)
        raise UsageError(f"--filter {' '.join(patterns)} matches nothing; repositories: {known}")
    return chosen

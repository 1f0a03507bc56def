"""What the registry says about a reference: its digest, its manifest, its blobs as a layout."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from private.verify.errors import UsageError, VerifyError

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


@dataclass(frozen=True)
class Crane:
    """crane with the registry's flags."""

    binary: str
    insecure: bool

    def run(self, *args: str) -> str:
        command = [self.binary, *args, *(["--insecure"] if self.insecure else [])]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except FileNotFoundError as e:
            raise UsageError(f"{self.binary} not found: install crane or put it on PATH") from e
        if done.returncode != 0:
            detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise VerifyError(f"registry: crane {args[0]} {args[1]} failed: {detail}")
        return done.stdout


@dataclass(frozen=True)
class Remote:
    """A manifest in the registry: an index (with its platforms) or one image."""

    repository: str  # REGISTRY/PATH/static-debian12
    digest: str
    manifest: dict

    @property
    def ref(self) -> str:
        return f"{self.repository}@{self.digest}"

    @property
    def is_index(self) -> bool:
        return self.manifest.get("mediaType") in INDEX_TYPES or "manifests" in self.manifest

    def platforms(self) -> dict[str, str]:
        """platform (linux/arm64/v8) -> digest, of an index."""
        return {
            platform_name(m.get("platform", {})): m["digest"] for m in self.manifest["manifests"]
        }


def platform_name(platform: dict) -> str:
    parts = [platform.get("os", ""), platform.get("architecture", "")]
    return "/".join(parts + ([platform["variant"]] if platform.get("variant") else []))


def repository_of(reference: str) -> str:
    """REGISTRY/PATH/NAME of REGISTRY/PATH/NAME:TAG or @DIGEST (a port's colon is not a tag)."""
    name = reference.split("@", 1)[0]
    last = name.rsplit("/", 1)
    if ":" in last[-1]:
        name = name[: name.rindex(":")]
    return name


def resolve(reference: str, crane: Crane) -> Remote:
    digest = crane.run("digest", reference).strip()
    repository = repository_of(reference)
    manifest = json.loads(crane.run("manifest", f"{repository}@{digest}"))
    return Remote(repository, digest, manifest)


def child(remote: Remote, digest: str, crane: Crane) -> Remote:
    manifest = json.loads(crane.run("manifest", f"{remote.repository}@{digest}"))
    return Remote(remote.repository, digest, manifest)


def pull_layout(remote: Remote, dest: Path, crane: Crane) -> Path:
    """The remote image as an OCI layout, for the image diff."""
    crane.run("pull", "--format=oci", remote.ref, str(dest))
    return dest

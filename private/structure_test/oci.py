"""The platforms of an OCI image layout (read with private/oci/layout.py), their configs, and
unpacking one platform's image with umoci.

`platform_images` turns every image manifest of a layout (an oci_image, an oci_image_index, or
nested indexes) into one entry per platform.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from private.oci import layout as oci_layout

# The tag of the one-image layout made for umoci, which only unpacks tagged references.
TAG = "structure-test"


class ImageError(Exception):
    """The image cannot be read, selected or unpacked."""


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        parts = [self.os, self.architecture] + ([self.variant] if self.variant else [])
        return "/".join(parts)

    def matches(self, wanted: str) -> bool:
        """`arm64` matches linux/arm64/v8; `arm64/v8` and `linux/arm64/v8` match it exactly."""
        parts = wanted.split("/")
        if parts[0] == self.os:
            parts = parts[1:]
        if not parts or parts[0] != self.architecture:
            return False
        return len(parts) == 1 or parts[1] == self.variant


@dataclass(frozen=True)
class ImageConfig:
    """The fields of an image config's `config` object that structure tests look at."""

    env: dict[str, str]
    entrypoint: list[str] | None
    cmd: list[str] | None
    workdir: str
    user: str
    labels: dict[str, str]
    exposed_ports: list[str]
    volumes: list[str]

    @classmethod
    def from_json(cls, config: dict) -> ImageConfig:
        c = config.get("config") or {}
        env = {}
        for item in c.get("Env") or []:
            key, _, value = item.partition("=")
            env[key] = value
        return cls(
            env=env,
            entrypoint=c.get("Entrypoint"),
            cmd=c.get("Cmd"),
            workdir=c.get("WorkingDir") or "",
            user=c.get("User") or "",
            labels=dict(c.get("Labels") or {}),
            exposed_ports=sorted(c.get("ExposedPorts") or {}),
            volumes=sorted(c.get("Volumes") or {}),
        )


@dataclass(frozen=True)
class PlatformImage:
    """One image manifest of a layout, with its platform and parsed config."""

    layout: Path
    digest: str
    descriptor: dict
    platform: Platform
    config: ImageConfig
    raw_config: dict = field(repr=False)
    layers: list[dict] = field(repr=False)


def platform_images(layout: Path) -> list[PlatformImage]:
    """Every image manifest reachable from the layout's index.json, in index order."""
    if not (layout / "index.json").is_file():
        raise ImageError(f"{layout} is not an OCI image layout (no index.json)")
    found: list[PlatformImage] = []
    try:
        for descriptor, manifest in oci_layout.image_manifests(layout):
            raw_config = oci_layout.read_blob_json(layout, manifest["config"]["digest"])
            described = descriptor.get("platform") or {}
            platform = Platform(
                os=described.get("os") or raw_config.get("os", ""),
                architecture=described.get("architecture") or raw_config.get("architecture", ""),
                variant=described.get("variant") or raw_config.get("variant", ""),
            )
            found.append(
                PlatformImage(
                    layout=layout,
                    digest=descriptor["digest"],
                    descriptor=descriptor,
                    platform=platform,
                    config=ImageConfig.from_json(raw_config),
                    raw_config=raw_config,
                    layers=manifest.get("layers", []),
                )
            )
    except oci_layout.LayoutError as e:
        raise ImageError(str(e)) from e
    if not found:
        raise ImageError(f"{layout}: the layout holds no image manifest")
    return found


def select(
    images: list[PlatformImage], required: list[str], optional: list[str]
) -> list[PlatformImage]:
    """The images to test: every `required` arch must be present ("all" means every platform);
    `optional` arches (from the environment) are tested when the layout has them.

    A layout of a single image is always tested, whatever arches were asked for: it has no
    other platform to choose.
    """
    if len(images) == 1 and images[0].descriptor.get("platform") is None:
        return images
    if "all" in required or "all" in optional:
        return images
    chosen: list[PlatformImage] = []
    for wanted in required + optional:
        matching = [image for image in images if image.platform.matches(wanted)]
        if not matching and wanted in required:
            have = ", ".join(str(image.platform) for image in images)
            raise ImageError(f"the image has no platform {wanted!r} (it has: {have})")
        chosen.extend(image for image in matching if image not in chosen)
    return chosen


def single_image_layout(image: PlatformImage, dest: Path) -> Path:
    """A layout whose index.json tags just this image, with its blobs linked, not copied."""
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    for blob in (image.layout / "blobs" / "sha256").iterdir():
        os.symlink(blob.resolve(), blobs / blob.name)
    descriptor = {k: v for k, v in image.descriptor.items() if k != "annotations"}
    descriptor["annotations"] = {"org.opencontainers.image.ref.name": TAG}
    (dest / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [descriptor]}))
    (dest / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return dest


@dataclass(frozen=True)
class Bundle:
    """An unpacked image: its root filesystem and the runc config umoci derived from it."""

    rootfs: Path
    runtime_config: dict


def unpack(image: PlatformImage, work: Path, runtime_config: bool = True) -> Bundle:
    """Apply the image's layers in order with `umoci raw unpack` (whiteouts honoured, owners and
    modes kept: this runs as root) and have umoci write the runc config for the image."""
    layout = single_image_layout(image, work / "layout")
    rootfs = work / "rootfs"
    _run(["umoci", "raw", "unpack", "--image", f"{layout}:{TAG}", str(rootfs)])
    config = _runc_config(layout, rootfs, work) if runtime_config else {}
    shutil.rmtree(layout)
    return Bundle(rootfs, config)


def runc_config(image: PlatformImage, rootfs: Path, work: Path) -> dict:
    """The runc config umoci derives from the image config (user, working directory,
    environment), with users and groups looked up in `rootfs`."""
    layout = single_image_layout(image, work / "layout")
    config = _runc_config(layout, rootfs, work)
    shutil.rmtree(layout)
    return config


def _runc_config(layout: Path, rootfs: Path, work: Path) -> dict:
    config = work / "config.json"
    ref = f"{layout}:{TAG}"
    _run(["umoci", "raw", "runtime-config", "--image", ref, "--rootfs", str(rootfs), str(config)])
    return json.loads(config.read_text())


def blob_path(image: PlatformImage, digest: str) -> Path:
    algorithm, _, hexdigest = digest.partition(":")
    return image.layout / "blobs" / algorithm / hexdigest


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise ImageError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()}")

"""Shared helpers of the runner's unit tests: a builder of small OCI layouts made in Python
(layers as tar files, config, manifest, index)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest


def _blob(layout: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (layout / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def make_layer(files: dict[str, object]) -> bytes:
    """path -> bytes (a file), None (a directory), ("link", target), or (bytes, mode, uid)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path, spec in files.items():
            info = tarfile.TarInfo(path)
            data = b""
            if spec is None:
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif isinstance(spec, tuple) and spec[0] == "link":
                info.type, info.linkname = tarfile.SYMTYPE, spec[1]
            elif isinstance(spec, tuple):
                data, info.mode, info.uid = spec
                info.gid = info.uid
            else:
                data, info.mode = spec, 0o644
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def make_layout(
    layout: Path, platforms: dict[str, list[bytes]], config: dict | None = None
) -> Path:
    """An OCI layout holding an index of one image per "os/arch[/variant]" of `platforms`."""
    (layout / "blobs" / "sha256").mkdir(parents=True)
    descriptors = []
    for platform, layers in platforms.items():
        os_name, arch, *variant = platform.split("/")
        diff_ids = [f"sha256:{hashlib.sha256(layer).hexdigest()}" for layer in layers]
        image_config = {
            "architecture": arch,
            "os": os_name,
            "config": config or {"Env": ["PATH=/bin"], "User": "65532"},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        }
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                **_blob(layout, json.dumps(image_config).encode()),
            },
            "layers": [
                {"mediaType": "application/vnd.oci.image.layer.v1.tar", **_blob(layout, layer)}
                for layer in layers
            ],
        }
        platform_field = {"os": os_name, "architecture": arch}
        if variant:
            platform_field["variant"] = variant[0]
        descriptors.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                **_blob(layout, json.dumps(manifest).encode()),
                "platform": platform_field,
            }
        )
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": descriptors,
    }
    top = {"mediaType": "application/vnd.oci.image.index.v1+json"}
    top.update(_blob(layout, json.dumps(index).encode()))
    (layout / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [top]}))
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return layout


@pytest.fixture
def layouts(tmp_path):
    """make(name, platforms, config=None) -> a layout under tmp_path."""

    def make(name: str, platforms: dict[str, list[bytes]], config: dict | None = None) -> Path:
        return make_layout(tmp_path / name, platforms, config)

    return make

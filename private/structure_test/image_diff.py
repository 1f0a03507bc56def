"""What changed between two builds of an image or index.

    bazel run //private/structure_test:image_diff -- OLD_LAYOUT NEW_LAYOUT [--arch ARCH ...]
    python3 -m private.structure_test.image_diff OLD_LAYOUT NEW_LAYOUT   (from the repository root)

For each platform (of either side): whether its manifest digest is the same and, when it is
not, what differs: the image config (entrypoint, env, ...), the layers, the files (added,
removed, changed: type, mode, owner, size, sha256 or link target) and the Debian packages
(from /var/lib/dpkg/status.d). Exits 0 when every selected platform is identical, 1 when one
differs, 2 when the layouts cannot be read. Unpacking uses umoci, so this runs as root (inside
the toolchain root: tools/inroot python3 -m private.structure_test.image_diff A B).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from private.oci import layout as oci_layout
from private.structure_test import checks, oci, rootfs

SHOWN = 200  # the most lines printed per kind of change


@dataclass(frozen=True)
class FileEntry:
    """What a path is in an image; two builds agree on a path when these are equal."""

    kind: str
    mode: str
    owner: str
    size: int
    content: str  # sha256 of a regular file, target of a symlink, "" otherwise

    def describe(self) -> str:
        extra = f" {self.content[:19]}" if self.content else ""
        return f"{self.mode} {self.owner} {self.size}{extra}"


def file_entries(root: Path) -> dict[str, FileEntry]:
    entries = {}
    for path, info in rootfs.walk(root):
        host = root / path.lstrip("/")
        content = ""
        if stat.S_ISREG(info.st_mode):
            digest = hashlib.sha256()
            with open(host, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            content = "sha256:" + digest.hexdigest()
        elif stat.S_ISLNK(info.st_mode):
            content = "-> " + os.readlink(host)
        entries[path] = FileEntry(
            kind=rootfs.go_mode_string(info.st_mode)[0],
            mode=rootfs.go_mode_string(info.st_mode),
            owner=f"{info.st_uid}:{info.st_gid}",
            size=info.st_size if stat.S_ISREG(info.st_mode) else 0,
            content=content,
        )
    return entries


def diff_mapping(old: dict, new: dict, show=str) -> list[str]:
    """`+ key value`, `- key value` and `~ key old -> new` lines, sorted by key."""
    lines = []
    for key in sorted(old.keys() | new.keys()):
        if key not in new:
            lines.append(f"- {key} {show(old[key])}")
        elif key not in old:
            lines.append(f"+ {key} {show(new[key])}")
        elif old[key] != new[key]:
            lines.append(f"~ {key} {show(old[key])} -> {show(new[key])}")
    return lines


def _flatten(value: object, prefix: str = "") -> dict[str, str]:
    if isinstance(value, dict):
        flat: dict[str, str] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: json.dumps(value)}


def _print_section(title: str, lines: list[str]) -> None:
    if not lines:
        return
    print(f"  {title}: {len(lines)} change(s)")
    for line in lines[:SHOWN]:
        print(f"    {line}")
    if len(lines) > SHOWN:
        print(f"    ... and {len(lines) - SHOWN} more")


def diff_platform(old: oci.PlatformImage, new: oci.PlatformImage, work: Path) -> None:
    _print_section("config", diff_mapping(_flatten(old.raw_config), _flatten(new.raw_config)))
    old_layers = [layer["digest"] for layer in old.layers]
    new_layers = [layer["digest"] for layer in new.layers]
    if old_layers != new_layers:
        _print_section(
            "layers",
            [f"- {d}" for d in old_layers if d not in new_layers]
            + [f"+ {d}" for d in new_layers if d not in old_layers]
            or ["same layers in another order"],
        )
    old_root = oci.unpack(old, work / "old", runtime_config=False).rootfs
    new_root = oci.unpack(new, work / "new", runtime_config=False).rootfs
    _print_section(
        "packages",
        diff_mapping(checks.installed_packages(old_root), checks.installed_packages(new_root)),
    )
    _print_section(
        "files",
        diff_mapping(file_entries(old_root), file_entries(new_root), FileEntry.describe),
    )


def compare(old_layout: Path, new_layout: Path, arches: list[str]) -> bool:
    """Prints the comparison; True when the selected platforms are all identical."""
    old_top, new_top = (
        oci_layout.read_index(layout)[0]["digest"] for layout in (old_layout, new_layout)
    )
    print(
        f"{'same      ' if old_top == new_top else 'DIFFERENT '} index.json {old_top} -> {new_top}"
    )
    old_images = {str(i.platform): i for i in oci.platform_images(old_layout)}
    new_images = {str(i.platform): i for i in oci.platform_images(new_layout)}
    identical = True
    for platform in sorted(old_images.keys() | new_images.keys()):
        if arches and not any(
            (old_images.get(platform) or new_images[platform]).platform.matches(a) for a in arches
        ):
            continue
        old, new = old_images.get(platform), new_images.get(platform)
        if old is None or new is None:
            identical = False
            print(f"{'only in new' if old is None else 'only in old'}: {platform}")
            continue
        if old.digest == new.digest:
            print(f"same       {platform} {old.digest}")
            continue
        identical = False
        print(f"DIFFERENT  {platform} {old.digest} -> {new.digest}")
        with tempfile.TemporaryDirectory(prefix="image-diff-") as work:
            diff_platform(old, new, Path(work))
    return identical


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="OCI layout of the first build")
    parser.add_argument("new", type=Path, help="OCI layout of the second build")
    parser.add_argument("--arch", action="append", default=[], help="only these platforms")
    args = parser.parse_args(argv)
    try:
        return 0 if compare(args.old, args.new, args.arch) else 1
    except (oci.ImageError, oci_layout.LayoutError, OSError) as error:
        print(f"image_diff: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

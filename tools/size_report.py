#!/usr/bin/env python3
"""Compressed size of every built image index, per architecture, and the largest packages.

Reads the OCI layouts under bazel-bin/<family>/ (build them first, e.g. with
`tools/bazel build //base:debian12`) and the per-package layer metadata of the debian extension.
Usage, from the repository root: python3 -m tools.size_report [--html OUT.html] [FAMILY...]
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from private.oci import layout as oci_layout

FAMILIES = ("base", "cc", "python3", "java", "nodejs")


@dataclass(frozen=True)
class PlatformSize:
    index: str
    platform: str
    compressed: int
    layers: tuple[str, ...]  # layer digests


def index_sizes(layout: str, name: str) -> list[PlatformSize]:
    sizes = []
    for entry, manifest in oci_layout.image_manifests(Path(layout)):
        platform = entry.get("platform", {})
        label = "/".join(filter(None, [platform.get("architecture"), platform.get("variant")]))
        layers = tuple(layer["digest"] for layer in manifest["layers"])
        total = manifest["config"]["size"] + sum(layer["size"] for layer in manifest["layers"])
        sizes.append(PlatformSize(name, label, total, layers))
    return sizes


def package_layers(bazel_bin: str) -> dict[str, tuple[str, int]]:
    """Layer digest -> (package, size) from the deb_layer metadata files."""
    found = {}
    for path in glob.glob(os.path.join(bazel_bin, "external", "*", "layer.json")):
        with open(path) as f:
            meta = json.load(f)
        found["sha256:" + meta["layer_sha256"]] = (meta["package"], meta["layer_size"])
    return found


def mib(n: int) -> str:
    return f"{n / 1048576:.2f}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("families", nargs="*", default=FAMILIES)
    parser.add_argument("--bazel-bin", default="bazel-bin")
    parser.add_argument("--html", help="also write an HTML page with bars")
    parser.add_argument("--top", type=int, default=5, help="largest packages per image")
    args = parser.parse_args(argv)
    packages = package_layers(args.bazel_bin)
    rows: list[PlatformSize] = []
    for family in args.families:
        for layout in sorted(glob.glob(os.path.join(args.bazel_bin, family, "*_debian*"))):
            name = os.path.basename(layout)
            # Indexes are <name>_<user>_<distro>; per-arch images carry the arch too.
            if not os.path.isdir(layout) or name.count("_") < 2 or _is_per_arch(name):
                continue
            rows.extend(index_sizes(layout, f"{family}:{name}"))
    if not rows:
        print("size_report: no built indexes under", args.bazel_bin, file=sys.stderr)
        return 1
    lines = [f"{'index':<52} {'platform':<10} {'MiB':>7}  largest packages (MiB)"]
    for row in rows:
        top = sorted((packages[d] for d in row.layers if d in packages), key=lambda p: -p[1])
        biggest = ", ".join(f"{p} {mib(s)}" for p, s in top[: args.top])
        lines.append(f"{row.index:<52} {row.platform:<10} {mib(row.compressed):>7}  {biggest}")
    print("\n".join(lines))
    if args.html:
        write_html(args.html, rows, packages, args.top)
        print(f"wrote {args.html}")
    return 0


def _is_per_arch(name: str) -> bool:
    parts = name.split("_")
    return len(parts) >= 2 and parts[-2] in ("amd64", "arm64", "arm", "s390x", "ppc64le", "riscv64")


def write_html(out: str, rows: list[PlatformSize], packages: dict, top: int) -> None:
    widest = max(r.compressed for r in rows)
    body = []
    for row in rows:
        width = 600 * row.compressed / widest
        parts = sorted((packages[d] for d in row.layers if d in packages), key=lambda p: -p[1])
        title = html.escape(", ".join(f"{p} {mib(s)} MiB" for p, s in parts[:top]))
        body.append(
            f"<tr><td>{html.escape(row.index)}</td><td>{row.platform}</td>"
            f"<td style='text-align:right'>{mib(row.compressed)}</td>"
            f"<td><svg width='610' height='14'><rect width='{width:.1f}' height='12' "
            f"fill='#4a7'><title>{title}</title></rect></svg></td></tr>"
        )
    with open(out, "w") as f:
        f.write(
            "<!doctype html><meta charset='utf-8'><title>distroless image sizes</title>"
            "<style>body{font:13px sans-serif}td{padding:1px 6px}</style>"
            "<h1>Compressed image sizes (MiB)</h1><table><tr><th>index</th><th>platform</th>"
            "<th>MiB</th><th></th></tr>" + "".join(body) + "</table>\n"
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

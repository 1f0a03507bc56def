#!/usr/bin/env python3
"""busybox-static's binary as /busybox/busybox with a symlink per applet (the debug images'
shell), with the package's copyright file and dpkg status entry."""

from __future__ import annotations

import re
import sys

from private.layers import layer_tool
from private.layers.tarball import Entry


def busybox_applets(binary: bytes) -> list[str]:
    """Applet names from busybox's own table: NUL-separated names starting with "[" and "[["."""
    start = binary.find(b"[\x00[[\x00")
    if start < 0:
        raise layer_tool.LayerError("busybox: no applet table in the binary")
    names = []
    for name in binary[start:].split(b"\x00"):
        if not re.fullmatch(rb"[a-z0-9_.\[\]-]+", name):
            break
        names.append(name.decode())
    return names


def busybox(files: dict[str, bytes]) -> list[Entry]:
    binary = files.get("bin/busybox") or files.get("usr/bin/busybox")
    if binary is None:
        raise layer_tool.LayerError("busybox-static: no bin/busybox in the package")
    return [
        Entry("busybox", "dir", 0o755),
        Entry("busybox/busybox", mode=0o755, content=binary),
    ] + [
        Entry(f"busybox/{applet}", "symlink", 0o777, target="busybox")
        for applet in busybox_applets(binary)
        if applet != "busybox"
    ]


def entries(deb: str) -> list[Entry]:
    return layer_tool.package_part(deb, "busybox-static", busybox)


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "deb", entries))

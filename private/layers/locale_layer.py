#!/usr/bin/env python3
"""The C.UTF-8 locale /usr/lib/locale/C.utf8 of libc-bin, for LANG=C.UTF-8, with the package's
copyright file and dpkg status entry (the rest of libc-bin, ldconfig and friends, has no place in
a distroless image)."""

from __future__ import annotations

import sys

from private.layers import layer_tool
from private.layers.tarball import Entry


def c_utf8(files: dict[str, bytes]) -> list[Entry]:
    locale = {p: data for p, data in files.items() if p.startswith("usr/lib/locale/C.utf8/")}
    if not locale:
        raise layer_tool.LayerError("libc-bin: the package holds no usr/lib/locale/C.utf8")
    return [Entry(path, content=data) for path, data in sorted(locale.items())]


def entries(deb: str) -> list[Entry]:
    return layer_tool.package_part(deb, "libc-bin", c_utf8)


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "deb", entries))

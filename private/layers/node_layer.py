#!/usr/bin/env python3
"""The node binary of an official Node.js build (the npm registry's node-linux-<arch> tarball) as
/nodejs/bin/node, with its licence as /nodejs/LICENSE."""

from __future__ import annotations

import sys
import tarfile

from private.layers import layer_tool
from private.layers.tarball import Entry


def entries(tarball: str) -> list[Entry]:
    """package/bin/node of an official Node.js build as /nodejs/bin/node, with its licence."""
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        if "package/bin/node" not in names:
            raise layer_tool.LayerError(f"{tarball}: no package/bin/node in the npm tarball")
        entries = [
            Entry("nodejs/bin/node", mode=0o755, content=tar.extractfile("package/bin/node").read())
        ]
        if "package/LICENSE" in names:
            content = tar.extractfile("package/LICENSE").read()
            entries.append(Entry("nodejs/LICENSE", content=content))
    return entries


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "tarball", entries))

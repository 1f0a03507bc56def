#!/usr/bin/env python3
"""A layer of files, directories and symlinks described by a JSON list of entries
{path, kind: file|dir|symlink, mode, uid, gid, content | src (a file to copy) | target}."""

from __future__ import annotations

import json
import sys

from private.layers import layer_tool
from private.layers.tarball import Entry


def spec_entries(spec: list[dict]) -> list[Entry]:
    entries = []
    for item in spec:
        content = item.get("content", "").encode()
        if "src" in item:
            with open(item["src"], "rb") as f:
                content = f.read()
        entries.append(
            Entry(
                path=item["path"],
                kind=item.get("kind", "file"),
                mode=int(item.get("mode", "0755" if item.get("kind") == "dir" else "0644"), 8),
                uid=int(item.get("uid", 0)),
                gid=int(item.get("gid", 0)),
                content=content,
                target=item.get("target", ""),
            )
        )
    return entries


def entries(spec_path: str) -> list[Entry]:
    with open(spec_path) as f:
        return spec_entries(json.load(f))


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "spec", entries))

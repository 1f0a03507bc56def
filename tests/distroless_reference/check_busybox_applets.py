#!/usr/bin/env python3
"""Compare the debug images' busybox applets with distroless' and with docs/busybox.md.

Arguments: busybox_applets.yaml, docs/busybox.md, then `RELEASE=LAYER` pairs: the busybox layers
(`.tar.gz`) of each release, one per architecture. Fails when the architectures of a release
offer different applets, when an applet of Debian's glibc build that is not in the layer is not
explained in `dynamic_only`, or when the docs' lists (distroless' applets no Debian build has;
ours that distroless lacks) differ from what the layers hold, naming the applets.
"""

from __future__ import annotations

import re
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

import yaml


def layer_applets(layer: Path) -> set[str]:
    """Names under /busybox in a layer, but busybox itself."""
    with tarfile.open(layer) as tar:
        names = {m.name.removeprefix("./") for m in tar.getmembers()}
    return {n.removeprefix("busybox/") for n in names if n.startswith("busybox/")} - {"busybox"}


def doc_lists(markdown: str) -> dict[str, set[str]]:
    """The code block under each `## ` heading of docs/busybox.md, by heading."""
    lists = {}
    for heading, block in re.findall(r"^## (.+?)\n\n```\n(.*?)```", markdown, re.M | re.S):
        lists[heading.strip()] = set(block.split())
    return lists


def differences(
    reference: dict, docs: dict[str, set[str]], offered: dict[str, dict[str, set[str]]]
) -> list[str]:
    distroless = set(reference["distroless_applets"].split())
    dynamic_only = set(reference["dynamic_only"])
    problems = []
    extra_everywhere = None
    for release, by_layer in sorted(offered.items()):
        layers = sorted(by_layer)
        applets = by_layer[layers[0]]
        for layer in layers[1:]:
            if by_layer[layer] != applets:
                problems.append(
                    f"{release}: {layer} and {layers[0]} differ: "
                    f"{sorted(by_layer[layer] ^ applets)}"
                )
        heading = next((h for h in docs if h.startswith(release + ":")), None)
        if heading is None:
            problems.append(f"{release}: docs/busybox.md has no '## {release}: ...' list")
            continue
        missing = distroless - applets - dynamic_only
        for name, wrong in (
            ("listed as missing but offered", docs[heading] - missing),
            ("missing but not listed", missing - docs[heading]),
        ):
            if wrong:
                problems.append(f"{release}: docs/busybox.md '{heading}': {name}: {sorted(wrong)}")
        if f"({len(missing)})" not in heading:
            problems.append(f"{release}: docs/busybox.md '{heading}' should count {len(missing)}")
        offered_dynamic = dynamic_only & applets
        if offered_dynamic:
            problems.append(
                f"{release}: now offered, drop from dynamic_only: {sorted(offered_dynamic)}"
            )
        extra = applets - distroless
        extra_everywhere = extra if extra_everywhere is None else extra_everywhere & extra
    both = next((h for h in docs if h.startswith("Both releases")), None)
    if both is not None and extra_everywhere is not None and docs[both] != extra_everywhere:
        problems.append(
            f"docs/busybox.md '{both}': lists {sorted(docs[both])}, "
            f"the layers {sorted(extra_everywhere)}"
        )
    return problems


def main(argv: list[str]) -> int:
    reference = yaml.safe_load(Path(argv[0]).read_text())
    docs = doc_lists(Path(argv[1]).read_text())
    offered: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for pair in argv[2:]:
        release, _, layer = pair.partition("=")
        offered[release][layer] = layer_applets(Path(layer))
    for release, layers in sorted(offered.items()):
        counts = ", ".join(
            f"{Path(p).parent.name}/{Path(p).name}: {len(a)}" for p, a in layers.items()
        )
        print(f"{release}: {counts} applets")
    problems = differences(reference, docs, offered)
    for problem in problems:
        print("FAIL " + problem)
    if not problems:
        print("busybox applets: as docs/busybox.md lists them")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

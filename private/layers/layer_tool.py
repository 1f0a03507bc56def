"""What every layer tool shares: its command line, its one error path, and the part of a .deb
that a layer takes together with the package's copyright file and dpkg status entry."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from private.layers.debfile import LayerError, deb_files, status_entry
from private.layers.tarball import Entry, write_layer

__all__ = ["LayerError", "main", "package_part"]


def main(
    argv: list[str], description: str, source: str, entries: Callable[[str], list[Entry]]
) -> int:
    """`TOOL --out LAYER --<source> FILE`: writes entries(FILE) as a layer; errors on one line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="the layer (.tar.gz) to write")
    parser.add_argument(f"--{source}", required=True, dest="source")
    args = parser.parse_args(argv)
    try:
        write_layer(entries(args.source), args.out)
    except (LayerError, OSError, KeyError, ValueError) as e:
        print(f"{parser.prog}: {e}", file=sys.stderr)
        return 1
    return 0


def package_part(
    deb: str, package: str, select: Callable[[dict[str, bytes]], list[Entry]]
) -> list[Entry]:
    """select(files of the .deb), plus the package's copyright file and its dpkg status entry
    (without md5sums: the layer holds only part of the package)."""
    files, control, _ = deb_files(deb, package)
    entries = select(files)
    copyright_path = f"usr/share/doc/{package}/copyright"
    if copyright_path in files:
        entries.append(Entry(copyright_path, content=files[copyright_path]))
    return entries + [Entry(f"var/lib/dpkg/status.d/{package}", content=status_entry(control))]

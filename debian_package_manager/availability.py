"""Can every locked .deb actually be downloaded? Recorded in the lock, never silently dropped.

A mirror may list a package in its signed index yet not serve the pool file (a partial or stale
copy). After resolution every package URL is checked (fetch.Downloader.availability: HEAD, size
against the index); what cannot be downloaded goes into the lock as

    unavailable.<arch>.<package>      the reason, e.g. "HTTP 404 at <url>"
    unavailable_sets.<set>.<arch>     the set's unavailable packages on that architecture

while `packages` and `sets` stay the faithful resolution. The Bazel side leaves the
unavailable (set, architecture) pairs out instead of failing in a download.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from debian_package_manager.errors import UnavailableError
from debian_package_manager.fetch import Downloader

# Unavailable[arch][package] = reason; UnavailableSets[set][arch] = [package, ...]
Unavailable = dict[str, dict[str, str]]
UnavailableSets = dict[str, dict[str, list[str]]]


def find_unavailable(
    packages: Mapping[str, Mapping[str, Any]], downloader: Downloader
) -> Unavailable:
    """Check every package entry of a lock document; returns the unavailable ones, sorted.

    An arch-independent .deb appears under every architecture but is checked once.
    """
    where: dict[tuple[tuple[str, ...], str, int], list[tuple[str, str]]] = {}
    for arch, entries in packages.items():
        for name, entry in entries.items():
            key = (tuple(entry["urls"]), entry["sha256"], entry["size"])
            where.setdefault(key, []).append((arch, name))
    keys = sorted(where)
    unavailable: Unavailable = {}
    for key, reason in zip(keys, downloader.availability_all(keys), strict=True):
        if reason is not None:
            for arch, name in where[key]:
                unavailable.setdefault(arch, {})[name] = reason
    return {arch: dict(sorted(names.items())) for arch, names in sorted(unavailable.items())}


def unavailable_sets(
    sets: Mapping[str, Mapping[str, list[str]]], unavailable: Unavailable
) -> UnavailableSets:
    """Per set and architecture, the members of its closure that cannot be downloaded."""
    result: UnavailableSets = {}
    for set_name, per_arch in sorted(sets.items()):
        for arch, members in sorted(per_arch.items()):
            missing = sorted(name for name in members if name in unavailable.get(arch, {}))
            if missing:
                result.setdefault(set_name, {})[arch] = missing
    return result


def summaries(
    release: str,
    packages: Mapping[str, Mapping[str, Any]],
    unavailable: Unavailable,
    sets: UnavailableSets,
) -> list[str]:
    """One line per architecture with unavailable packages: how many, an example, which sets."""
    lines = []
    for arch, reasons in unavailable.items():
        name, reason = next(iter(reasons.items()))
        affected = [set_name for set_name, per_arch in sets.items() if arch in per_arch]
        lines.append(
            f"{release}/{arch}: {len(reasons)} of {len(packages.get(arch, {}))} locked packages "
            f"cannot be downloaded (e.g. {name}: {reason}); sets affected: "
            f"{', '.join(affected) or 'none'} (recorded under unavailable_sets)"
        )
    return lines


def require_available(release: str, unavailable: Unavailable) -> None:
    """--require-available: one line naming the first unavailable package and its URL."""
    if not unavailable:
        return
    arch, reasons = next(iter(unavailable.items()))
    name, reason = next(iter(reasons.items()))
    others = sum(len(names) for names in unavailable.values()) - 1
    more = ""
    if others:
        more = f" (and {others} more on {', '.join(unavailable)})"
    raise UnavailableError(
        f"{release}/{arch}: {name} cannot be downloaded: {reason}{more}; "
        f"--require-available: no lock written"
    )

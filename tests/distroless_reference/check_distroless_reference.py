#!/usr/bin/env python3
"""Compare every image of a release with what distroless' image of the same name held.

Arguments: the release's reference (distroless_reference.yaml for debian12,
distroless_reference_<release>.yaml for later ones), its lock, the lock tool's config, then the
SBOM files (`<family>_<release>_sbom/<repository>/<tag>-<arch>.spdx.json`; other files are
ignored). Fails, naming the image, the package, added or dropped, its tags and the lock's `why`
path, on a difference the reference does not explain; also on an explanation that explains no
difference any more, and on a catalog image the reference does not cover.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from debian_package_manager.config import load_config
from debian_package_manager.errors import LockError
from debian_package_manager.report import explain

REFERENCE = "tests/distroless_reference/distroless_reference.yaml"
TAGS = ("latest", "nonroot", "debug", "debug-nonroot")
CHANGES = {
    "added": "ADDED (here, not in distroless)",
    "dropped": "DROPPED (in distroless, not here)",
}


def reference_file(reference: Mapping[str, Any]) -> str:
    """The reference's file, for messages: its `file` key (main sets it), else debian12's."""
    return reference.get("file", REFERENCE)


def deb_packages(spdx: Mapping[str, Any]) -> set[str]:
    """Names of the Debian packages an SPDX document lists (purl pkg:deb/...)."""
    names = set()
    for package in spdx.get("packages", []):
        refs = package.get("externalRefs", [])
        if any(ref.get("referenceLocator", "").startswith("pkg:deb/") for ref in refs):
            names.add(package["name"])
    return names


def split_sbom_path(path: Path) -> tuple[str, str, str] | None:
    """(repository, tag, arch) of `<repository>/<tag>-<arch>.spdx.json`, else None."""
    if not path.name.endswith(".spdx.json"):
        return None
    tag, _, arch = path.name.removesuffix(".spdx.json").rpartition("-")
    return path.parent.name, tag, arch


def distroless_packages(reference: Mapping[str, Any], image: str, debug: bool) -> set[str]:
    """What distroless' image held: its own packages plus those of its distroless_base chain."""
    packages: set[str] = set()
    seen = []
    while image:
        if image in seen or image not in reference["images"]:
            chain = seen + [image]
            raise ValueError(f"{reference_file(reference)}: bad distroless_base chain {chain}")
        seen.append(image)
        entry = reference["images"][image]
        packages.update(entry.get("distroless") or [])
        if debug:
            packages.update((entry.get("debug") or {}).get("distroless") or [])
        image = entry.get("distroless_base")
    return packages


def explanations(
    reference: Mapping[str, Any], image: str, debug: bool
) -> dict[str, dict[str, str]]:
    """{"added": {package: reason key}, "dropped": {...}} for the image (its debug variant)."""
    entry = reference["images"][image]
    result = {change: dict(entry.get(change) or {}) for change in CHANGES}
    if debug:
        result["added"].update(reference.get("debug_added") or {})
        for change in CHANGES:
            result[change].update((entry.get("debug") or {}).get(change) or {})
    return result


def check_reference(reference: Mapping[str, Any]) -> list[str]:
    """The reference's own consistency: reason keys exist, no package both held and added."""
    problems = []
    reasons = reference.get("reasons") or {}
    for image in reference["images"]:
        for debug in (False, True):
            held = distroless_packages(reference, image, debug)
            for change, entries in explanations(reference, image, debug).items():
                for package, key in entries.items():
                    if key not in reasons:
                        problems.append(f"{image}: {change} {package}: no reason named {key!r}")
                    if (package in held) == (change == "added"):
                        problems.append(
                            f"{image}: {package} is listed as {change} but distroless "
                            f"{'held' if package in held else 'did not hold'} it"
                        )
    return sorted(set(problems))


def lock_why(lock: Mapping[str, Any], exclusions: Mapping) -> Callable[[str, str], list[str]]:
    """why(package, arch): the lock's `reason` and the lock tool's `why` paths on that arch."""

    def why(package: str, arch: str) -> list[str]:
        lines = []
        locked = lock.get("packages", {}).get(arch, {}).get(package)
        if locked and locked.get("reason"):
            lines.append(f"lock reason ({arch}): {locked['reason']}")
        try:
            lines += [f"why: {line}" for line in explain([lock], package, exclusions, None, arch)]
        except LockError as error:
            lines.append(f"why: {error}")
        return lines

    return why


def compare(
    reference: Mapping[str, Any],
    images: Mapping[tuple[str, str, str], set[str]],
    why: Callable[[str, str], list[str]],
) -> list[str]:
    """Failure messages; `images` maps (repository, tag, arch) to its Debian packages."""
    failures = list(check_reference(reference))
    path = reference_file(reference)
    known = reference["images"]
    found = {repository for repository, _, _ in images}
    for repository in sorted(found - set(known)):
        failures.append(
            f"{repository}: not in {path}; add what distroless' image of "
            "that name held (or the recipe it follows) and explain every difference"
        )
    for repository in sorted(known):
        for tag in TAGS:
            for arch in reference["architectures"]:
                if (repository, tag, arch) not in images:
                    failures.append(f"{repository}: no SBOM for {tag}-{arch}")
    unexplained: dict[tuple[str, str, str], list[str]] = {}
    used: set[tuple[str, bool, str, str]] = set()
    for (repository, tag, arch), actual in sorted(images.items()):
        if repository not in known:
            continue
        debug = tag.startswith("debug")
        held = distroless_packages(reference, repository, debug)
        explained = explanations(reference, repository, debug)
        entry = known[repository]
        for change, packages in (("added", actual - held), ("dropped", held - actual)):
            for package in sorted(packages):
                if package in explained[change]:
                    # Which level of the reference explained it (for the staleness check).
                    own = package in (entry.get(change) or {})
                    level = "image" if own else "debug"
                    used.add((repository, level == "debug", change, package))
                else:
                    unexplained.setdefault((repository, package, change), []).append(
                        f"{tag}-{arch}"
                    )
    for (repository, package, change), where in sorted(unexplained.items()):
        arch = where[0].rpartition("-")[2]
        lines = [
            f"{repository}: {package} {CHANGES[change]}, not explained in {path}",
            f"  in {', '.join(where)}",
        ]
        lines += [f"  {line}" for line in why(package, arch)]
        if change == "dropped":
            lines.append("  (distroless' image held it; the lock does not put it into ours)")
        failures.append("\n".join(lines))
    failures += stale(reference, images, used)
    return failures


def stale(
    reference: Mapping[str, Any],
    images: Mapping[tuple[str, str, str], set[str]],
    used: set[tuple[str, bool, str, str]],
) -> list[str]:
    """Explanations that explain no difference in any SBOM of their image (variant)."""
    problems = []
    present = {repository for repository, _, _ in images}
    for repository, entry in sorted(reference["images"].items()):
        if repository not in present:
            continue
        levels: list[tuple[bool, Mapping]] = [(False, entry)]
        levels.append((True, {**(entry.get("debug") or {})}))
        for debug, source in levels:
            for change in CHANGES:
                for package in source.get(change) or {}:
                    if (repository, debug, change, package) not in used:
                        problems.append(
                            f"{repository}: {package} is explained as {change}"
                            f"{' in the debug variants' if debug else ''}, but no SBOM of it "
                            "shows that difference any more: remove the entry from "
                            + reference_file(reference)
                        )
    debug_used = {package for (_, debug, change, package) in used if debug and change == "added"}
    for package in reference.get("debug_added") or {}:
        if package not in debug_used:
            problems.append(
                f"debug_added: {package} is added to no debug variant any more: remove it from "
                f"{reference_file(reference)}"
            )
    return problems


def read_sboms(paths: Iterable[str]) -> dict[tuple[str, str, str], set[str]]:
    images = {}
    for name in paths:
        key = split_sbom_path(Path(name))
        if key:
            images[key] = deb_packages(json.loads(Path(name).read_text()))
    return images


def main(argv: list[str]) -> int:
    reference_path, lock_path, config_path, *sboms = argv
    reference = {**yaml.safe_load(Path(reference_path).read_text()), "file": reference_path}
    lock = json.loads(Path(lock_path).read_text())
    release = reference["release"]
    if lock.get("release") != release:
        print(f"FAIL {lock_path} is the lock of {lock.get('release')}, not {release}")
        return 1
    config = load_config(config_path)
    exclusions = {(release, spec.name): spec.exclude for spec in config.release(release).sets}
    images = read_sboms(sboms)
    failures = compare(reference, images, lock_why(lock, exclusions))
    for failure in failures:
        print(f"FAIL {failure}")
    print(
        f"{len(images)} SBOMs of {len({r for r, _, _ in images})} images compared with "
        f"distroless {reference['distroless_commit'][:12]}: {len(failures)} failures"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

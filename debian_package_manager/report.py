"""Human-readable views of lock files: the difference of two locks, and why a package is in.

Both work on lock documents alone (no network): the lock records, per set and architecture,
which package pulled each one in and which excluded names were asked for.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from debian_package_manager.errors import LockError


def _archs_label(archs: list[str], all_archs: list[str]) -> str:
    if all_archs and sorted(archs) == sorted(all_archs):
        return "all architectures"
    return " ".join(archs)


def diff_locks(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Lines describing what changed from `old` to `new`; empty when nothing did."""
    lines: list[str] = []
    all_archs = sorted(set(old.get("architectures", [])) | set(new.get("architectures", [])))
    title = f"{new.get('release', old.get('release', '?'))}:"

    old_archives = {a["suite"]: a for a in old.get("archives", [])}
    new_archives = {a["suite"]: a for a in new.get("archives", [])}
    for suite in sorted(set(old_archives) | set(new_archives)):
        before, after = old_archives.get(suite), new_archives.get(suite)
        if before is None:
            lines.append(f"  archive {suite}: added (Date {after['date']})")
        elif after is None:
            lines.append(f"  archive {suite}: removed")
        elif before.get("inrelease_sha256") != after.get("inrelease_sha256"):
            lines.append(f"  archive {suite}: {before.get('date')} -> {after.get('date')}")

    # name -> {(old version, new version): [archs]}
    changes: dict[str, dict[tuple[str | None, str | None], list[str]]] = {}
    for arch in all_archs:
        before = old.get("packages", {}).get(arch, {})
        after = new.get("packages", {}).get(arch, {})
        for name in set(before) | set(after):
            old_version = before[name]["version"] if name in before else None
            new_version = after[name]["version"] if name in after else None
            if old_version != new_version or (
                name in before and name in after and before[name]["sha256"] != after[name]["sha256"]
            ):
                changes.setdefault(name, {}).setdefault((old_version, new_version), []).append(arch)
    for name in sorted(changes):
        for (old_version, new_version), archs in sorted(
            changes[name].items(), key=lambda item: str(item[0])
        ):
            where = _archs_label(archs, all_archs)
            if old_version is None:
                lines.append(f"  + {name} {new_version} ({where})")
            elif new_version is None:
                lines.append(f"  - {name} {old_version} ({where})")
            elif old_version == new_version:
                lines.append(f"  ! {name} {new_version} rebuilt with a new sha256 ({where})")
            else:
                lines.append(f"  ~ {name} {old_version} -> {new_version} ({where})")

    set_changes: dict[tuple[str, str], list[str]] = {}
    old_sets, new_sets = old.get("sets", {}), new.get("sets", {})
    for set_name in sorted(set(old_sets) | set(new_sets)):
        for arch in all_archs:
            before = set(old_sets.get(set_name, {}).get(arch, []))
            after = set(new_sets.get(set_name, {}).get(arch, []))
            if before == after:
                continue
            delta = " ".join([f"+{n}" for n in sorted(after - before)])
            delta = " ".join(
                part for part in (delta, " ".join(f"-{n}" for n in sorted(before - after))) if part
            )
            set_changes.setdefault((set_name, delta), []).append(arch)
    for (set_name, delta), archs in sorted(set_changes.items()):
        lines.append(f"  set {set_name} ({_archs_label(archs, all_archs)}): {delta}")

    old_missing, new_missing = old.get("unavailable", {}), new.get("unavailable", {})
    for arch in sorted(set(old_missing) | set(new_missing)):
        before, after = set(old_missing.get(arch, {})), set(new_missing.get(arch, {}))
        if before != after:
            delta = [f"+{n}" for n in sorted(after - before)] + [
                f"-{n}" for n in sorted(before - after)
            ]
            lines.append(f"  unavailable {arch}: {' '.join(delta)}")

    old_npm, new_npm = old.get("npm", {}), new.get("npm", {})
    for set_name in sorted(set(old_npm) | set(new_npm)):
        for arch in sorted(set(old_npm.get(set_name, {})) | set(new_npm.get(set_name, {}))):
            before = old_npm.get(set_name, {}).get(arch, {}).get("version")
            after = new_npm.get(set_name, {}).get(arch, {}).get("version")
            if before != after:
                lines.append(
                    f"  npm {set_name} {arch}: {before or '(none)'} -> {after or '(none)'}"
                )
    return [title, *lines] if lines else []


def explain(
    documents: list[Mapping[str, Any]],
    package: str,
    excluded_reasons: Mapping[tuple[str, str], Mapping[str, str]],
    set_filter: str | None = None,
    arch_filter: str | None = None,
) -> list[str]:
    """Why `package` is in (or kept out of) each set, grouped over architectures.

    `excluded_reasons` maps (release, set) to the config's exclusion reasons, when known.
    """
    lines: list[str] = []
    known: set[str] = set()
    for document in documents:
        release = document["release"]
        all_archs = document.get("architectures", [])
        for names in document.get("packages", {}).values():
            known.update(names)
        for set_name, per_arch in sorted(document.get("resolution", {}).items()):
            if set_filter and set_name != set_filter:
                continue
            grouped: dict[str, list[str]] = {}
            for arch, info in per_arch.items():
                if arch_filter and arch != arch_filter:
                    continue
                parents = info.get("parents", {})
                if package in parents:
                    chain = [package]
                    while (up := parents.get(chain[-1])) is not None and up not in chain:
                        chain.append(up)
                    grouped.setdefault(" -> ".join(reversed(chain)), []).append(arch)
                elif package in info.get("excluded", {}):
                    wanted_by = ", ".join(info["excluded"][package])
                    reason = excluded_reasons.get((release, set_name), {}).get(package)
                    text = f"EXCLUDED (wanted by {wanted_by})"
                    grouped.setdefault(text + (f": {reason}" if reason else ""), []).append(arch)
                    known.add(package)
            for text, archs in sorted(grouped.items()):
                lines.append(
                    f"{release} set {set_name} ({_archs_label(sorted(archs), all_archs)}): {text}"
                )
    if not lines:
        if package in known:
            return [f"{package} is in the locks, but not in the selected set/architecture"]
        close = difflib.get_close_matches(package, sorted(known), n=4, cutoff=0.7)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise LockError(f"{package} is in no locked set{hint}")
    return lines

"""Edits of the config file's text that keep its comments and layout (not a YAML round trip)."""

from __future__ import annotations

import re
from pathlib import Path

from debian_package_manager.config import SNAPSHOT_RE
from debian_package_manager.errors import ConfigError


def with_snapshot(text: str, release: str, snapshot: str, path: Path) -> str:
    """The config text with `releases.<release>.snapshot` set to `snapshot`.

    A line edit, not a YAML round trip, so comments and layout survive; the release must
    already have a `snapshot:` line (null or a timestamp).
    """
    if not SNAPSHOT_RE.match(snapshot):
        raise ConfigError(f"snapshot {snapshot!r} must look like 20250101T000000Z (UTC)")
    lines = text.splitlines(keepends=True)
    in_releases = False
    release_indent: int | None = None
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            in_releases = stripped.startswith("releases:")
            release_indent = None
            continue
        if not in_releases:
            continue
        if release_indent is None or indent <= release_indent:
            release_indent = indent if stripped.startswith(f"{release}:") else None
            continue
        match = re.match(r"^(\s+snapshot:\s*)([^#\s]*)(.*)$", line.rstrip("\n"))
        if match and indent == release_indent + 2:
            lines[number] = f"{match[1]}{snapshot}{match[3]}\n"
            return "".join(lines)
    raise ConfigError(
        f"{path}: release {release!r} has no 'snapshot:' line to update; add "
        f"'snapshot: null' under it first"
    )

"""The lock file document: build it from resolutions, write it atomically, read and check it.

Determinism: keys are sorted, lists are sorted or in config order, and nothing depends on the
wall clock (only the archives' own Date/Valid-Until are recorded).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from debian_package_manager.errors import LockError, StaleLockError

LOCK_VERSION = 1


def lock_path(locks_dir: Path, release: str) -> Path:
    return Path(locks_dir) / f"{release}.lock.json"


def serialize(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_lock(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LockError(
            f"{path} does not exist; run `python3 -m debian_package_manager lock`"
        ) from None
    except (OSError, ValueError) as error:
        raise LockError(f"cannot read lock {path}: {error}") from None
    if not isinstance(document, dict) or document.get("lock_version") != LOCK_VERSION:
        raise LockError(
            f"{path} is not a version-{LOCK_VERSION} lock; re-create it with "
            f"`python3 -m debian_package_manager lock`"
        )
    return document


def check_lock(document: Mapping[str, Any], config_sha256: str, path: Path) -> None:
    """Raise StaleLockError unless the lock was made from this config and is consistent."""
    release = document.get("release")
    if document.get("config_sha256") != config_sha256:
        raise StaleLockError(
            f"{path} is stale: the config for {release} changed since it was locked; "
            f"run `python3 -m debian_package_manager lock --release {release}`"
        )
    packages = document.get("packages", {})
    for set_name, per_arch in document.get("sets", {}).items():
        for arch, names in per_arch.items():
            missing = [name for name in names if name not in packages.get(arch, {})]
            if missing:
                raise StaleLockError(
                    f"{path} is inconsistent: set {set_name} on {arch} lists "
                    f"{', '.join(missing[:5])} without a package entry; re-run lock"
                )
    # Optional (locks made before the availability check lack them): unavailable_sets must
    # agree with unavailable and sets, or the Bazel side would skip the wrong images.
    unavailable = document.get("unavailable", {})
    for set_name, per_arch in document.get("unavailable_sets", {}).items():
        for arch, names in per_arch.items():
            members = set(document.get("sets", {}).get(set_name, {}).get(arch, []))
            wrong = [n for n in names if n not in members or n not in unavailable.get(arch, {})]
            if wrong:
                raise StaleLockError(
                    f"{path} is inconsistent: unavailable_sets.{set_name}.{arch} lists "
                    f"{', '.join(wrong[:5])}, not an unavailable member of the set; re-run lock"
                )

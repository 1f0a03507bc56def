"""`base:` in a config: find the config it builds on and read that config's locks.

A downstream config says `base: distroless` (this project's own debian_packages.yaml) or
`base: {config: PATH}` (any config, e.g. a vendored copy or a test archive's). The base gives
the mirrors, releases and sets; its lock of each release gives the versions the base images
hold, which the downstream resolution takes as per-architecture pins so that a package shared
with the base images is the same .deb in both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from debian_package_manager.errors import ConfigError, LockError
from debian_package_manager.lockfile import check_lock, lock_path, read_lock

# This package lives in the root of the distroless repository, beside debian_packages.yaml and
# locks/: in a checkout, and in the py_binary's runfiles (BUILD.bazel lists both as data).
# Taken at import, before __main__ changes into the caller's workspace.
DISTROLESS_ROOT = Path(os.path.abspath(__file__)).parent.parent
DISTROLESS_CONFIG = DISTROLESS_ROOT / "debian_packages.yaml"

# Base names a config may write as `base: <name>`.
KNOWN_BASES = {"distroless": DISTROLESS_CONFIG}


def possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


@dataclass(frozen=True)
class BaseRef:
    """What `base:` names, in the config's own words (recorded in the lock as written)."""

    name: str | None  # "distroless", or None for base: {config: PATH}
    config: str | None  # PATH as written, relative to the downstream config

    @property
    def description(self) -> str:
        """How messages name the base config."""
        return f"{possessive(self.name)} config" if self.name else f"the base config {self.config}"

    @property
    def remedy(self) -> str:
        """What to do when a version the base lock holds is gone from the archives."""
        if self.name:
            return (
                f"upgrade {self.name} to a release whose locks match the current archives, "
                f"then run lock again"
            )
        return f"relock {self.config} against the current archives, then run lock again"

    def to_json(self) -> dict[str, str]:
        return {"name": self.name} if self.name else {"config": str(self.config)}


@dataclass(frozen=True)
class BaseLock:
    """What the base's lock of one release fixes for a downstream config."""

    ref: BaseRef
    lock: str  # the base lock's path, for messages
    config_sha256: str  # the base lock's fingerprint of the base config
    versions: Mapping[str, Mapping[str, str]]  # distroless arch -> package -> locked version

    @property
    def source(self) -> str:
        """How messages name the base lock."""
        owner = possessive(self.ref.name or f"the base config {self.ref.config}")
        return f"{owner} lock {Path(self.lock).name}"

    def to_json(self) -> dict[str, Any]:
        """The lock's `base` entry: which base, at which config (no local paths)."""
        return {**self.ref.to_json(), "config_sha256": self.config_sha256}


def base_config_path(ref: BaseRef, config_path: Path) -> Path:
    """The base's config file; raises ConfigError when it is not where it should be."""
    if ref.config is not None:
        # normpath, not resolve(): messages show the path as the user would write it.
        path = Path(os.path.normpath(config_path.parent / ref.config))
        if not path.is_file():
            raise ConfigError(f"{config_path}: base config {ref.config} does not exist ({path})")
        return path
    path = KNOWN_BASES[str(ref.name)]
    if not path.is_file():
        raise ConfigError(
            f"base: {ref.name} needs {ref.name}'s debian_packages.yaml, which is not beside "
            f"this copy of the tool ({path}); run it as `bazel run "
            f"@{ref.name}//debian_package_manager -- lock` or from a {ref.name} checkout, "
            f"or write base: {{config: PATH}}"
        )
    return path


def read_base_lock(ref: BaseRef, base_config: Path, release: str, config_sha256: str) -> BaseLock:
    """The base lock of `release`, which must be fresh: its versions are the base images'."""
    path = lock_path(base_config.parent / "locks", release)
    try:
        document = read_lock(path)
    except LockError as error:
        raise LockError(f"{ref.description} has no usable lock of {release}: {error}") from None
    try:
        check_lock(document, config_sha256, path)
    except LockError as error:
        raise LockError(
            f"{ref.description} and its lock disagree, so the base images' versions are not "
            f"known: {error}"
        ) from None
    versions = {
        arch: {name: entry["version"] for name, entry in sorted(entries.items())}
        for arch, entries in sorted(document.get("packages", {}).items())
    }
    return BaseLock(ref=ref, lock=str(path), config_sha256=config_sha256, versions=versions)

"""Load and validate debian_packages.yaml into per-release specs (format: README.md).

Every validation error names the file and line of the offending key, because the config is
edited by hand. Sets are flattened per release here (``extends`` merged, per-release package
lists picked), so later steps only see what applies to one release.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from debian_package_manager.base import (
    KNOWN_BASES,
    BaseLock,
    BaseRef,
    base_config_path,
    read_base_lock,
)
from debian_package_manager.errors import ConfigError
from debian_package_manager.located_yaml import (
    PACKAGE_NAME_RE,
    Located,
    YamlMap,
    arch_list,
    line_of,
    load_yaml,
    mapping,
    package_names,
    per_release,
    required,
    string,
    string_list,
    suggest,
)

CONFIG_FORMAT_VERSION = 1
SNAPSHOT_RE = re.compile(r"^\d{8}T\d{6}Z$")
SET_NAME_RE = re.compile(r"^[a-z0-9_]+$")
VALID_UNTIL_POLICIES = ("enforce", "ignore")
DEFAULT_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org"


@dataclass(frozen=True)
class Mirror:
    name: str
    url: str  # plain mirror base, e.g. http://deb.debian.org/debian
    snapshot_url: str | None  # snapshot base; the timestamp is appended


@dataclass(frozen=True)
class ArchiveSpec:
    suite: str
    mirror: Mirror
    components: tuple[str, ...]
    architectures: tuple[str, ...]  # distroless names locked from this archive
    valid_until: str  # "enforce" or "ignore"


@dataclass(frozen=True)
class SetSpec:
    """One package set as it applies to one release."""

    name: str
    packages: tuple[str, ...]
    architectures: tuple[str, ...]
    exclude: Mapping[str, str]  # name (real or virtual) -> why it is excluded
    no_dependencies: frozenset[str]


@dataclass(frozen=True)
class NpmSpec:
    name: str
    registry: str
    major: int | None  # newest <major>.x.y at lock time ...
    version: str | None  # ... or exactly this version
    packages: Mapping[str, str]  # distroless arch -> npm package name


@dataclass(frozen=True)
class ReleaseSpec:
    name: str  # debian12
    codename: str  # bookworm
    version: str  # "12"
    keyrings: tuple[str, ...]
    snapshot: str | None  # YYYYMMDDTHHMMSSZ or None for the plain mirror
    architectures: tuple[str, ...]
    archives: tuple[ArchiveSpec, ...]
    pins: Mapping[str, str]
    exclude: Mapping[str, str]  # release-wide exclusions, already merged into every set
    sets: tuple[SetSpec, ...]
    npm: tuple[NpmSpec, ...]
    config_sha256: str = field(default="")
    base: BaseLock | None = None  # the base's locked versions when the config has base:


@dataclass(frozen=True)
class Config:
    path: Path
    releases: Mapping[str, ReleaseSpec]
    base: BaseRef | None = None

    def release(self, name: str) -> ReleaseSpec:
        if name not in self.releases:
            raise ConfigError(
                f"unknown release {name!r}{suggest(name, self.releases)}; "
                f"{self.path.name} defines: {', '.join(self.releases)}"
            )
        return self.releases[name]


# --- the config -------------------------------------------------------------------------------


def load_config(path: str | Path) -> Config:
    """Parse and validate the config file; raises ConfigError naming file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
    try:
        return parse_config(text, path)
    except Located as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None


def load_config_text(text: str, path: Path) -> Config:
    """load_config() of text not (yet) written to `path`."""
    try:
        return parse_config(text, path)
    except Located as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None


TOP_KEYS = ("version", "base", "mirrors", "releases", "architectures", "sets", "npm")


def parse_config(text: str, path: Path) -> Config:
    top = _top(text)
    if "base" in top:
        return _parse_on_base(top, path)
    if "architectures" in top:
        raise Located(
            line_of(top, "architectures"),
            "a top-level 'architectures' narrows the releases of a base (base: distroless); "
            "without base, list them under each release",
        )
    mirrors = _parse_mirrors(top)
    raw_releases = mapping(required(top, "releases", "the config"), "releases", top.line)
    raw_sets, raw_npm = _raw_sets(top)

    releases = {}
    for release_name, raw_release in raw_releases.items():
        release = _parse_release(
            str(release_name), raw_release, line_of(raw_releases, release_name), mirrors
        )
        sets = tuple(
            spec
            for set_name in raw_sets
            if (spec := _parse_set(set_name, raw_sets, release, raw_releases)) is not None
        )
        npm = tuple(
            spec
            for set_name, raw in raw_npm.items()
            if (spec := _parse_npm(set_name, raw, line_of(raw_npm, set_name), release)) is not None
        )
        release = replace(release, sets=sets, npm=npm)
        releases[release.name] = replace(release, config_sha256=release_fingerprint(release))
    return Config(path=path, releases=releases)


def _top(text: str) -> YamlMap:
    top = mapping(load_yaml(text), "the config", 1, TOP_KEYS)
    version = top.get("version", CONFIG_FORMAT_VERSION)
    if version != CONFIG_FORMAT_VERSION:
        raise Located(line_of(top, "version"), f"unsupported config version {version!r}")
    return top


def _raw_sets(top: YamlMap) -> tuple[YamlMap, YamlMap]:
    """The `sets` and `npm` mappings, their names checked."""
    raw_sets = mapping(top.get("sets"), "sets", line_of(top, "sets"))
    raw_npm = mapping(top.get("npm"), "npm", line_of(top, "npm"))
    for name in list(raw_sets) + list(raw_npm):
        if not isinstance(name, str) or not SET_NAME_RE.match(name):
            container = raw_sets if name in raw_sets else raw_npm
            raise Located(line_of(container, name), f"set name {name!r} must match [a-z0-9_]+")
    for name in raw_npm:
        if name in raw_sets:
            raise Located(line_of(raw_npm, name), f"npm set {name!r} clashes with a Debian set")
    return raw_sets, raw_npm


# --- a config on a base -----------------------------------------------------------------------


def _parse_on_base(top: YamlMap, path: Path) -> Config:
    """A downstream config: the base's mirrors, releases and sets, its own sets on top.

    Only the downstream's own sets are locked; they resolve with the base lock's versions as
    pins (ReleaseSpec.base), so the packages they share with the base images are identical.
    """
    ref = _base_ref(top)
    if "mirrors" in top:
        raise Located(
            line_of(top, "mirrors"),
            f"mirrors come from {ref.description} (base: ...); remove 'mirrors' here",
        )
    base_path = base_config_path(ref, path)
    base_top, base = _load_base(ref, base_path)
    base_raw_releases = mapping(base_top.get("releases"), "releases", base_top.line)
    base_raw_sets, base_raw_npm = _raw_sets(base_top)
    raw_sets, raw_npm = _raw_sets(top)
    for container in (raw_sets, raw_npm):
        for name in container:
            if name in base_raw_sets or name in base_raw_npm:
                raise Located(
                    line_of(container, name),
                    f"set {name!r} is already a set of {ref.description}; give yours another "
                    f"name (sets can extend {name!r} but not replace it)",
                )
    # One namespace for `extends`: the base's sets and this config's (names are disjoint).
    all_sets = YamlMap({**base_raw_sets, **raw_sets})
    all_sets.line = raw_sets.line
    all_sets.key_lines = {**base_raw_sets.key_lines, **raw_sets.key_lines}
    unknown_hint = f"; neither this config nor {ref.description} defines it"

    releases = {}
    for base_release in _selected_base_releases(top, ref, base):
        release = replace(base_release, sets=(), npm=())
        sets = tuple(
            spec
            for set_name in raw_sets
            if (spec := _parse_set(set_name, all_sets, release, base_raw_releases, unknown_hint))
            is not None
        )
        npm = tuple(
            spec
            for set_name, raw in raw_npm.items()
            if (spec := _parse_npm(set_name, raw, line_of(raw_npm, set_name), release)) is not None
        )
        base_lock = read_base_lock(ref, base_path, release.name, base_release.config_sha256)
        base_lock = replace(
            base_lock,
            versions={
                arch: versions
                for arch, versions in base_lock.versions.items()
                if arch in release.architectures
            },
        )
        release = replace(release, sets=sets, npm=npm, base=base_lock)
        releases[release.name] = replace(release, config_sha256=release_fingerprint(release))
    return Config(path=path, releases=releases, base=ref)


def _base_ref(top: YamlMap) -> BaseRef:
    raw = top["base"]
    line = line_of(top, "base")
    if isinstance(raw, dict):
        raw = mapping(raw, "base", line, ("config",))
        config = string(required(raw, "config", "base"), "base config", line_of(raw, "config"))
        return BaseRef(name=None, config=config)
    name = string(raw, "base", line)
    if name not in KNOWN_BASES:
        raise Located(
            line,
            f"base {name!r} is not known{suggest(name, KNOWN_BASES)}; write "
            f"{' or '.join(f'base: {known}' for known in KNOWN_BASES)}, "
            f"or base: {{config: PATH}} for another config",
        )
    return BaseRef(name=name, config=None)


def _load_base(ref: BaseRef, path: Path) -> tuple[YamlMap, Config]:
    """The base config's YAML and its parsed form; its errors name the base file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read {ref.description} {path}: {error.strerror}") from None
    try:
        top = _top(text)
        if "base" in top:
            raise Located(
                line_of(top, "base"),
                "a base config cannot itself have a base; it must define its own releases",
            )
        return top, parse_config(text, path)
    except Located as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None


def _selected_base_releases(top: YamlMap, ref: BaseRef, base: Config) -> list[ReleaseSpec]:
    """The base's releases named by `releases:`, narrowed to `architectures:` (default all)."""
    line = line_of(top, "releases")
    raw = top.get("releases")
    if isinstance(raw, dict):
        raise Located(
            line,
            f"releases come from {ref.description}; with base, list the ones to lock "
            f"(e.g. releases: [{next(iter(base.releases))}]), not a mapping",
        )
    names = string_list(raw, "releases", line) if raw is not None else list(base.releases)
    for name in names:
        if name not in base.releases:
            raise Located(
                line,
                f"releases: {ref.description} has no release {name!r}"
                f"{suggest(name, base.releases)}; it has: {', '.join(base.releases)}",
            )
    if not names:
        raise Located(line, "releases is empty: name at least one release to lock")
    selected = [base.releases[name] for name in names]
    if "architectures" not in top:
        return selected
    wanted = arch_list(top["architectures"], "architectures", line_of(top, "architectures"), None)
    offered = {arch for release in selected for arch in release.architectures}
    for arch in wanted:
        if arch not in offered:
            raise Located(
                line_of(top, "architectures"),
                f"architectures: {arch!r} is not an architecture of "
                f"{', '.join(names)} in {ref.description}",
            )
    narrowed = []
    for release in selected:
        archs = tuple(arch for arch in release.architectures if arch in wanted)
        if not archs:
            raise Located(
                line_of(top, "architectures"),
                f"architectures: release {release.name} has none of them "
                f"(it has {', '.join(release.architectures)})",
            )
        archives = tuple(
            replace(archive, architectures=kept)
            for archive in release.archives
            if (kept := tuple(a for a in archive.architectures if a in archs))
        )
        narrowed.append(replace(release, architectures=archs, archives=archives))
    return narrowed


def _parse_mirrors(top: YamlMap) -> dict[str, Mirror]:
    raw = mapping(top.get("mirrors"), "mirrors", line_of(top, "mirrors"))
    mirrors = {}
    for name, value in raw.items():
        where = f"mirror {name!r}"
        value = mapping(value, where, line_of(raw, name), ("url", "snapshot_url"))
        url = string(required(value, "url", where), f"{where} url", value.line).rstrip("/")
        snapshot_url = value.get("snapshot_url")
        if snapshot_url is not None:
            snapshot_url = string(snapshot_url, f"{where} snapshot_url", value.line).rstrip("/")
        for text in (url, snapshot_url):
            if text is not None and not re.match(r"^(https?|file)://", text):
                raise Located(value.line, f"{where}: {text!r} is not an http(s) URL")
        mirrors[str(name)] = Mirror(name=str(name), url=url, snapshot_url=snapshot_url)
    return mirrors


RELEASE_KEYS = (
    "codename",
    "version",
    "keyrings",
    "snapshot",
    "architectures",
    "archives",
    "exclude",
    "pins",
)
ARCHIVE_KEYS = ("suite", "mirror", "components", "architectures", "valid_until")


def _parse_release(name: str, raw: Any, line: int, mirrors: dict[str, Mirror]) -> ReleaseSpec:
    where = f"release {name!r}"
    raw = mapping(raw, where, line, RELEASE_KEYS)
    codename = string(required(raw, "codename", where), f"{where} codename", raw.line)
    version = string(required(raw, "version", where), f"{where} version", raw.line)
    keyrings = string_list(
        raw.get("keyrings", [DEFAULT_KEYRING]), f"{where} keyrings", line_of(raw, "keyrings")
    )
    if not keyrings:
        raise Located(line_of(raw, "keyrings"), f"{where} needs at least one keyring")
    snapshot = raw.get("snapshot")
    if snapshot is not None:
        snapshot = string(snapshot, f"{where} snapshot", line_of(raw, "snapshot"))
        if not SNAPSHOT_RE.match(snapshot):
            raise Located(
                line_of(raw, "snapshot"),
                f"{where} snapshot {snapshot!r} must look like 20250101T000000Z (UTC)",
            )
    archs = arch_list(
        required(raw, "architectures", where),
        f"{where} architectures",
        line_of(raw, "architectures"),
        None,
    )
    if not archs:
        raise Located(line_of(raw, "architectures"), f"{where} needs architectures")
    raw_archives = required(raw, "archives", where)
    if not isinstance(raw_archives, list) or not raw_archives:
        raise Located(line_of(raw, "archives"), f"{where} archives must be a non-empty list")
    archives = []
    for raw_archive in raw_archives:
        archive_where = f"{where} archive"
        raw_archive = mapping(raw_archive, archive_where, raw_archives.line, ARCHIVE_KEYS)
        suite = string(required(raw_archive, "suite", archive_where), "suite", raw_archive.line)
        archive_where = f"{where} archive {suite!r}"
        mirror_name = string(
            required(raw_archive, "mirror", archive_where), "mirror", raw_archive.line
        )
        if mirror_name not in mirrors:
            raise Located(
                line_of(raw_archive, "mirror"),
                f"{archive_where}: unknown mirror {mirror_name!r}{suggest(mirror_name, mirrors)}",
            )
        mirror = mirrors[mirror_name]
        if snapshot is not None and mirror.snapshot_url is None:
            raise Located(
                line_of(raw_archive, "mirror"),
                f"{archive_where}: the release uses snapshot {snapshot} but mirror "
                f"{mirror_name!r} has no snapshot_url",
            )
        components = string_list(
            raw_archive.get("components", ["main"]),
            f"{archive_where} components",
            line_of(raw_archive, "components"),
        )
        archive_archs = archs
        if "architectures" in raw_archive:
            archive_archs = arch_list(
                raw_archive["architectures"],
                f"{archive_where} architectures",
                line_of(raw_archive, "architectures"),
                tuple(archs),
            )
        policy = string(
            raw_archive.get("valid_until", "enforce"),
            f"{archive_where} valid_until",
            line_of(raw_archive, "valid_until"),
        )
        if policy not in VALID_UNTIL_POLICIES:
            raise Located(
                line_of(raw_archive, "valid_until"),
                f"{archive_where} valid_until must be 'enforce' or 'ignore', not {policy!r}",
            )
        archives.append(
            ArchiveSpec(
                suite=suite,
                mirror=mirror,
                components=tuple(components),
                architectures=tuple(archive_archs),
                valid_until=policy,
            )
        )
    for arch in archs:
        if not any(arch in archive.architectures for archive in archives):
            raise Located(line, f"{where}: no archive provides architecture {arch!r}")
    exclude = _exclusions(raw.get("exclude"), f"{where} exclude", line_of(raw, "exclude"))
    raw_pins = mapping(raw.get("pins"), f"{where} pins", line_of(raw, "pins"))
    pins = {
        str(package): string(version, f"{where} pin of {package}", line_of(raw_pins, package))
        for package, version in raw_pins.items()
    }
    return ReleaseSpec(
        name=name,
        codename=codename,
        version=version,
        keyrings=tuple(keyrings),
        snapshot=snapshot,
        architectures=tuple(archs),
        archives=tuple(archives),
        pins=pins,
        exclude=exclude,
        sets=(),
        npm=(),
    )


def _exclusions(value: Any, where: str, line: int) -> dict[str, str]:
    raw = mapping(value, where, line)
    result = {}
    for name, reason in raw.items():
        if not isinstance(name, str) or not PACKAGE_NAME_RE.match(name):
            raise Located(line_of(raw, name), f"{where}: {name!r} is not a package name")
        if not isinstance(reason, str) or not reason.strip():
            raise Located(
                line_of(raw, name), f"{where}: give a reason for excluding {name!r} (a string)"
            )
        result[name] = reason.strip()
    return result


SET_KEYS = ("releases", "architectures", "extends", "packages", "exclude", "no_dependencies")


def _parse_set(
    name: str,
    raw_sets: YamlMap,
    release: ReleaseSpec,
    raw_releases: YamlMap,
    unknown_hint: str = "",
) -> SetSpec | None:
    """The set as it applies to `release`, or None when the set is not built for it."""
    raw = mapping(raw_sets[name], f"set {name!r}", line_of(raw_sets, name), SET_KEYS)
    where = f"set {name!r}"
    if "releases" in raw:
        wanted = string_list(raw["releases"], f"{where} releases", line_of(raw, "releases"))
        for other in wanted:
            if other not in raw_releases:
                raise Located(
                    line_of(raw, "releases"),
                    f"{where}: unknown release {other!r}{suggest(other, raw_releases)}",
                )
        if release.name not in wanted:
            return None
    packages, exclude, no_deps = _set_contents(
        name, raw_sets, release, raw_releases, (), unknown_hint
    )
    archs = list(release.architectures)
    if "architectures" in raw:
        common, specific = per_release(
            raw["architectures"],
            release.name,
            raw_releases,
            f"{where} architectures",
            line_of(raw, "architectures"),
        )
        chosen = specific if specific is not None else common
        if chosen is not None:
            archs = arch_list(
                chosen,
                f"{where} architectures",
                line_of(raw, "architectures"),
                release.architectures,
            )
    if not packages:
        raise Located(raw.line, f"{where} has no packages for release {release.name}")
    merged_exclude = {**release.exclude, **exclude}
    for package in packages:
        if package in merged_exclude:
            raise Located(
                raw.line, f"{where}: {package!r} is both a package of the set and excluded"
            )
    for package in no_deps:
        if package not in packages:
            raise Located(
                line_of(raw, "no_dependencies") or raw.line,
                f"{where}: no_dependencies names {package!r}, which is not a package of the set",
            )
    return SetSpec(
        name=name,
        packages=tuple(packages),
        architectures=tuple(archs),
        exclude=dict(sorted(merged_exclude.items())),
        no_dependencies=frozenset(no_deps),
    )


def _set_contents(
    name: str,
    raw_sets: YamlMap,
    release: ReleaseSpec,
    raw_releases: YamlMap,
    seen: tuple[str, ...],
    unknown_hint: str = "",
) -> tuple[list[str], dict[str, str], list[str]]:
    """Packages, exclusions and no-dependency packages of a set, its `extends` merged in.

    `unknown_hint` ends the message about an unknown parent (which configs were searched).
    """
    if name in seen:
        raise Located(
            line_of(raw_sets, name), f"sets extend each other in a loop: {' -> '.join(seen)}"
        )
    raw = mapping(raw_sets[name], f"set {name!r}", line_of(raw_sets, name), SET_KEYS)
    where = f"set {name!r}"
    packages: list[str] = []
    exclude: dict[str, str] = {}
    no_deps: list[str] = []
    parents = raw.get("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    for parent in string_list(parents, f"{where} extends", line_of(raw, "extends")):
        if parent not in raw_sets:
            raise Located(
                line_of(raw, "extends"),
                f"{where} extends unknown set {parent!r}{suggest(parent, raw_sets)}{unknown_hint}",
            )
        p_packages, p_exclude, p_no_deps = _set_contents(
            parent, raw_sets, release, raw_releases, (*seen, name), unknown_hint
        )
        packages += [p for p in p_packages if p not in packages]
        exclude.update(p_exclude)
        no_deps += [p for p in p_no_deps if p not in no_deps]
    line = line_of(raw, "packages")
    common, specific = per_release(
        raw.get("packages"), release.name, raw_releases, f"{where} packages", line
    )
    for chosen in (common, specific):
        for package in package_names(chosen, f"{where} packages", line):
            if package not in packages:
                packages.append(package)
    exclude.update(_exclusions(raw.get("exclude"), f"{where} exclude", line_of(raw, "exclude")))
    for package in package_names(
        raw.get("no_dependencies"), f"{where} no_dependencies", line_of(raw, "no_dependencies")
    ):
        if package not in no_deps:
            no_deps.append(package)
    return packages, exclude, no_deps


NPM_KEYS = ("releases", "registry", "major", "version", "packages")


def _parse_npm(name: str, raw: Any, line: int, release: ReleaseSpec) -> NpmSpec | None:
    where = f"npm set {name!r}"
    raw = mapping(raw, where, line, NPM_KEYS)
    if "releases" in raw:
        wanted = string_list(raw["releases"], f"{where} releases", line_of(raw, "releases"))
        if release.name not in wanted:
            return None
    registry = string(
        raw.get("registry", DEFAULT_NPM_REGISTRY), f"{where} registry", raw.line
    ).rstrip("/")
    major = raw.get("major")
    version = raw.get("version")
    if (major is None) == (version is None):
        raise Located(raw.line, f"{where} needs exactly one of 'major' (e.g. 22) or 'version'")
    if major is not None and (isinstance(major, bool) or not isinstance(major, int)):
        raise Located(line_of(raw, "major"), f"{where} major must be an integer")
    if version is not None:
        version = string(version, f"{where} version", line_of(raw, "version"))
        if not re.match(r"^\d+\.\d+\.\d+$", version):
            raise Located(line_of(raw, "version"), f"{where} version must be X.Y.Z")
    raw_packages = mapping(required(raw, "packages", where), f"{where} packages", raw.line)
    packages = {}
    for arch, package in raw_packages.items():
        arch_list([arch], f"{where} packages", line_of(raw_packages, arch), None)
        packages[str(arch)] = string(package, f"{where} package", line_of(raw_packages, arch))
    return NpmSpec(name=name, registry=registry, major=major, version=version, packages=packages)


def release_fingerprint(release: ReleaseSpec) -> str:
    """sha256 of everything in the config that affects this release's lock.

    Comments, key order and other releases do not count, so editing debian13 leaves the
    debian12 lock fresh.
    """
    normalized = {
        "format": CONFIG_FORMAT_VERSION,
        "release": {
            "name": release.name,
            "codename": release.codename,
            "version": release.version,
            "keyrings": list(release.keyrings),
            "snapshot": release.snapshot,
            "architectures": list(release.architectures),
            "pins": dict(release.pins),
            "archives": [
                {
                    "suite": archive.suite,
                    "mirror": archive.mirror.url,
                    "snapshot_url": archive.mirror.snapshot_url,
                    "components": list(archive.components),
                    "architectures": list(archive.architectures),
                    "valid_until": archive.valid_until,
                }
                for archive in release.archives
            ],
        },
        "sets": {
            spec.name: {
                "packages": list(spec.packages),
                "architectures": list(spec.architectures),
                "exclude": sorted(spec.exclude),
                "no_dependencies": sorted(spec.no_dependencies),
            }
            for spec in release.sets
        },
        "npm": {
            spec.name: {
                "registry": spec.registry,
                "major": spec.major,
                "version": spec.version,
                "packages": dict(spec.packages),
            }
            for spec in release.npm
        },
    }
    if release.base is not None:
        # Only with base: configs without one keep the fingerprint (and their locks stay fresh).
        # The base lock's versions count, so a relocked base makes the downstream lock stale.
        normalized["base"] = {
            **release.base.to_json(),
            "versions": {arch: dict(versions) for arch, versions in release.base.versions.items()},
        }
    encoded = json.dumps(normalized, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()

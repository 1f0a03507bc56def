"""Load and validate debian_packages.yaml into per-release specs (format: README.md).

Every validation error names the file and line of the offending key, because the config is
edited by hand. Sets are flattened per release here (``extends`` merged, per-release package
lists picked), so later steps only see what applies to one release.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from debian_package_manager.archs import DEBIAN_ARCH, DISTROLESS_ARCH
from debian_package_manager.errors import ConfigError

CONFIG_FORMAT_VERSION = 1
SNAPSHOT_RE = re.compile(r"^\d{8}T\d{6}Z$")
SET_NAME_RE = re.compile(r"^[a-z0-9_]+$")
PACKAGE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.\-]+$")
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


@dataclass(frozen=True)
class Config:
    path: Path
    releases: Mapping[str, ReleaseSpec]

    def release(self, name: str) -> ReleaseSpec:
        if name not in self.releases:
            raise ConfigError(
                f"unknown release {name!r}{_suggest(name, self.releases)}; "
                f"{self.path.name} defines: {', '.join(self.releases)}"
            )
        return self.releases[name]


# --- YAML with line numbers -------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line = 0
    key_lines: dict[str, int]


class _List(list):
    line = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            raise _Located(line, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_list(loader: _Loader, node: yaml.SequenceNode) -> _List:
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


class _Located(Exception):
    """A validation problem at a line; turned into ConfigError with the file name."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def _line_of(container: Any, key: Any = None) -> int:
    if key is not None and isinstance(container, _Map):
        return container.key_lines.get(key, container.line)
    return getattr(container, "line", 0)


def _suggest(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


# --- validation helpers -----------------------------------------------------------------------


def _mapping(value: Any, where: str, line: int, allowed: tuple[str, ...] | None = None) -> _Map:
    if value is None:
        value = _Map()
        value.line, value.key_lines = line, {}
    if not isinstance(value, dict):
        raise _Located(line, f"{where} must be a mapping, not {type(value).__name__}")
    if allowed is not None:
        for key in value:
            if key not in allowed:
                raise _Located(
                    _line_of(value, key),
                    f"unknown key {key!r} in {where}{_suggest(str(key), allowed)}; "
                    f"allowed: {', '.join(allowed)}",
                )
    return value


def _required(value: _Map, key: str, where: str) -> Any:
    if key not in value or value[key] is None:
        raise _Located(_line_of(value), f"{where} needs {key!r}")
    return value[key]


def _string(value: Any, where: str, line: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Located(line, f"{where} must be a string")
    return str(value)


def _string_list(value: Any, where: str, line: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Located(line, f"{where} must be a list")
    return [_string(item, where, _line_of(value)) for item in value]


def _package_names(value: Any, where: str, line: int) -> list[str]:
    names = _string_list(value, where, line)
    for name in names:
        if not PACKAGE_NAME_RE.match(name):
            raise _Located(_line_of(value) or line, f"{where}: {name!r} is not a package name")
    return names


def _arch_list(value: Any, where: str, line: int, allowed: tuple[str, ...] | None) -> list[str]:
    archs = _string_list(value, where, line)
    for arch in archs:
        if arch not in DEBIAN_ARCH:
            hint = (
                f" (Debian's name; write {DISTROLESS_ARCH[arch]!r})"
                if arch in DISTROLESS_ARCH
                else _suggest(arch, DEBIAN_ARCH)
            )
            raise _Located(
                _line_of(value) or line,
                f"{where}: unknown architecture {arch!r}{hint}; "
                f"use distroless names: {', '.join(DEBIAN_ARCH)}",
            )
        if allowed is not None and arch not in allowed:
            raise _Located(
                _line_of(value) or line,
                f"{where}: architecture {arch!r} is not one of the release's "
                f"({', '.join(allowed)})",
            )
    return archs


def _per_release(value: Any, release: str, releases: Any, where: str, line: int) -> Any:
    """A value given either once for all releases or as {all|<release>: value}."""
    if isinstance(value, dict):
        for key in value:
            if key != "all" and key not in releases:
                raise _Located(
                    _line_of(value, key),
                    f"{where}: {key!r} is neither 'all' nor a release"
                    f"{_suggest(str(key), releases)}",
                )
        return value.get("all"), value.get(release)
    return value, None


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
    except _Located as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None


def load_config_text(text: str, path: Path) -> Config:
    """load_config() of text not (yet) written to `path`."""
    try:
        return parse_config(text, path)
    except _Located as error:
        raise ConfigError(f"{path}:{error.line}: {error.message}") from None


def parse_config(text: str, path: Path) -> Config:
    try:
        document = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except _Located:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or error.context or "invalid YAML"
        raise _Located(line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise _Located(0, f"invalid YAML: {error}") from None
    top = _mapping(document, "the config", 1, ("version", "mirrors", "releases", "sets", "npm"))
    version = top.get("version", CONFIG_FORMAT_VERSION)
    if version != CONFIG_FORMAT_VERSION:
        raise _Located(_line_of(top, "version"), f"unsupported config version {version!r}")

    mirrors = _parse_mirrors(top)
    raw_releases = _mapping(_required(top, "releases", "the config"), "releases", top.line)
    raw_sets = _mapping(top.get("sets"), "sets", _line_of(top, "sets"))
    raw_npm = _mapping(top.get("npm"), "npm", _line_of(top, "npm"))
    for name in list(raw_sets) + list(raw_npm):
        if not isinstance(name, str) or not SET_NAME_RE.match(name):
            container = raw_sets if name in raw_sets else raw_npm
            raise _Located(_line_of(container, name), f"set name {name!r} must match [a-z0-9_]+")
    for name in raw_npm:
        if name in raw_sets:
            raise _Located(_line_of(raw_npm, name), f"npm set {name!r} clashes with a Debian set")

    releases = {}
    for release_name, raw_release in raw_releases.items():
        release = _parse_release(
            str(release_name), raw_release, _line_of(raw_releases, release_name), mirrors
        )
        sets = tuple(
            spec
            for set_name in raw_sets
            if (spec := _parse_set(set_name, raw_sets, release, raw_releases)) is not None
        )
        npm = tuple(
            spec
            for set_name, raw in raw_npm.items()
            if (spec := _parse_npm(set_name, raw, _line_of(raw_npm, set_name), release)) is not None
        )
        release = replace(release, sets=sets, npm=npm)
        releases[release.name] = replace(release, config_sha256=release_fingerprint(release))
    return Config(path=path, releases=releases)


def _parse_mirrors(top: _Map) -> dict[str, Mirror]:
    raw = _mapping(top.get("mirrors"), "mirrors", _line_of(top, "mirrors"))
    mirrors = {}
    for name, value in raw.items():
        where = f"mirror {name!r}"
        value = _mapping(value, where, _line_of(raw, name), ("url", "snapshot_url"))
        url = _string(_required(value, "url", where), f"{where} url", value.line).rstrip("/")
        snapshot_url = value.get("snapshot_url")
        if snapshot_url is not None:
            snapshot_url = _string(snapshot_url, f"{where} snapshot_url", value.line).rstrip("/")
        for text in (url, snapshot_url):
            if text is not None and not re.match(r"^(https?|file)://", text):
                raise _Located(value.line, f"{where}: {text!r} is not an http(s) URL")
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
    raw = _mapping(raw, where, line, RELEASE_KEYS)
    codename = _string(_required(raw, "codename", where), f"{where} codename", raw.line)
    version = _string(_required(raw, "version", where), f"{where} version", raw.line)
    keyrings = _string_list(
        raw.get("keyrings", [DEFAULT_KEYRING]), f"{where} keyrings", _line_of(raw, "keyrings")
    )
    if not keyrings:
        raise _Located(_line_of(raw, "keyrings"), f"{where} needs at least one keyring")
    snapshot = raw.get("snapshot")
    if snapshot is not None:
        snapshot = _string(snapshot, f"{where} snapshot", _line_of(raw, "snapshot"))
        if not SNAPSHOT_RE.match(snapshot):
            raise _Located(
                _line_of(raw, "snapshot"),
                f"{where} snapshot {snapshot!r} must look like 20250101T000000Z (UTC)",
            )
    archs = _arch_list(
        _required(raw, "architectures", where),
        f"{where} architectures",
        _line_of(raw, "architectures"),
        None,
    )
    if not archs:
        raise _Located(_line_of(raw, "architectures"), f"{where} needs architectures")
    raw_archives = _required(raw, "archives", where)
    if not isinstance(raw_archives, list) or not raw_archives:
        raise _Located(_line_of(raw, "archives"), f"{where} archives must be a non-empty list")
    archives = []
    for raw_archive in raw_archives:
        archive_where = f"{where} archive"
        raw_archive = _mapping(raw_archive, archive_where, raw_archives.line, ARCHIVE_KEYS)
        suite = _string(_required(raw_archive, "suite", archive_where), "suite", raw_archive.line)
        archive_where = f"{where} archive {suite!r}"
        mirror_name = _string(
            _required(raw_archive, "mirror", archive_where), "mirror", raw_archive.line
        )
        if mirror_name not in mirrors:
            raise _Located(
                _line_of(raw_archive, "mirror"),
                f"{archive_where}: unknown mirror {mirror_name!r}{_suggest(mirror_name, mirrors)}",
            )
        mirror = mirrors[mirror_name]
        if snapshot is not None and mirror.snapshot_url is None:
            raise _Located(
                _line_of(raw_archive, "mirror"),
                f"{archive_where}: the release uses snapshot {snapshot} but mirror "
                f"{mirror_name!r} has no snapshot_url",
            )
        components = _string_list(
            raw_archive.get("components", ["main"]),
            f"{archive_where} components",
            _line_of(raw_archive, "components"),
        )
        archive_archs = archs
        if "architectures" in raw_archive:
            archive_archs = _arch_list(
                raw_archive["architectures"],
                f"{archive_where} architectures",
                _line_of(raw_archive, "architectures"),
                tuple(archs),
            )
        policy = _string(
            raw_archive.get("valid_until", "enforce"),
            f"{archive_where} valid_until",
            _line_of(raw_archive, "valid_until"),
        )
        if policy not in VALID_UNTIL_POLICIES:
            raise _Located(
                _line_of(raw_archive, "valid_until"),
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
            raise _Located(line, f"{where}: no archive provides architecture {arch!r}")
    exclude = _exclusions(raw.get("exclude"), f"{where} exclude", _line_of(raw, "exclude"))
    raw_pins = _mapping(raw.get("pins"), f"{where} pins", _line_of(raw, "pins"))
    pins = {
        str(package): _string(version, f"{where} pin of {package}", _line_of(raw_pins, package))
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
    raw = _mapping(value, where, line)
    result = {}
    for name, reason in raw.items():
        if not isinstance(name, str) or not PACKAGE_NAME_RE.match(name):
            raise _Located(_line_of(raw, name), f"{where}: {name!r} is not a package name")
        if not isinstance(reason, str) or not reason.strip():
            raise _Located(
                _line_of(raw, name), f"{where}: give a reason for excluding {name!r} (a string)"
            )
        result[name] = reason.strip()
    return result


SET_KEYS = ("releases", "architectures", "extends", "packages", "exclude", "no_dependencies")


def _parse_set(
    name: str, raw_sets: _Map, release: ReleaseSpec, raw_releases: _Map
) -> SetSpec | None:
    """The set as it applies to `release`, or None when the set is not built for it."""
    raw = _mapping(raw_sets[name], f"set {name!r}", _line_of(raw_sets, name), SET_KEYS)
    where = f"set {name!r}"
    if "releases" in raw:
        wanted = _string_list(raw["releases"], f"{where} releases", _line_of(raw, "releases"))
        for other in wanted:
            if other not in raw_releases:
                raise _Located(
                    _line_of(raw, "releases"),
                    f"{where}: unknown release {other!r}{_suggest(other, raw_releases)}",
                )
        if release.name not in wanted:
            return None
    packages, exclude, no_deps = _set_contents(name, raw_sets, release, raw_releases, ())
    archs = list(release.architectures)
    if "architectures" in raw:
        common, specific = _per_release(
            raw["architectures"],
            release.name,
            raw_releases,
            f"{where} architectures",
            _line_of(raw, "architectures"),
        )
        chosen = specific if specific is not None else common
        if chosen is not None:
            archs = _arch_list(
                chosen,
                f"{where} architectures",
                _line_of(raw, "architectures"),
                release.architectures,
            )
    if not packages:
        raise _Located(raw.line, f"{where} has no packages for release {release.name}")
    merged_exclude = {**release.exclude, **exclude}
    for package in packages:
        if package in merged_exclude:
            raise _Located(
                raw.line, f"{where}: {package!r} is both a package of the set and excluded"
            )
    for package in no_deps:
        if package not in packages:
            raise _Located(
                _line_of(raw, "no_dependencies") or raw.line,
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
    name: str, raw_sets: _Map, release: ReleaseSpec, raw_releases: _Map, seen: tuple[str, ...]
) -> tuple[list[str], dict[str, str], list[str]]:
    """Packages, exclusions and no-dependency packages of a set, its `extends` merged in."""
    if name in seen:
        raise _Located(
            _line_of(raw_sets, name), f"sets extend each other in a loop: {' -> '.join(seen)}"
        )
    raw = _mapping(raw_sets[name], f"set {name!r}", _line_of(raw_sets, name), SET_KEYS)
    where = f"set {name!r}"
    packages: list[str] = []
    exclude: dict[str, str] = {}
    no_deps: list[str] = []
    parents = raw.get("extends", [])
    if isinstance(parents, str):
        parents = [parents]
    for parent in _string_list(parents, f"{where} extends", _line_of(raw, "extends")):
        if parent not in raw_sets:
            raise _Located(
                _line_of(raw, "extends"),
                f"{where} extends unknown set {parent!r}{_suggest(parent, raw_sets)}",
            )
        p_packages, p_exclude, p_no_deps = _set_contents(
            parent, raw_sets, release, raw_releases, (*seen, name)
        )
        packages += [p for p in p_packages if p not in packages]
        exclude.update(p_exclude)
        no_deps += [p for p in p_no_deps if p not in no_deps]
    line = _line_of(raw, "packages")
    common, specific = _per_release(
        raw.get("packages"), release.name, raw_releases, f"{where} packages", line
    )
    for chosen in (common, specific):
        for package in _package_names(chosen, f"{where} packages", line):
            if package not in packages:
                packages.append(package)
    exclude.update(_exclusions(raw.get("exclude"), f"{where} exclude", _line_of(raw, "exclude")))
    for package in _package_names(
        raw.get("no_dependencies"), f"{where} no_dependencies", _line_of(raw, "no_dependencies")
    ):
        if package not in no_deps:
            no_deps.append(package)
    return packages, exclude, no_deps


NPM_KEYS = ("releases", "registry", "major", "version", "packages")


def _parse_npm(name: str, raw: Any, line: int, release: ReleaseSpec) -> NpmSpec | None:
    where = f"npm set {name!r}"
    raw = _mapping(raw, where, line, NPM_KEYS)
    if "releases" in raw:
        wanted = _string_list(raw["releases"], f"{where} releases", _line_of(raw, "releases"))
        if release.name not in wanted:
            return None
    registry = _string(
        raw.get("registry", DEFAULT_NPM_REGISTRY), f"{where} registry", raw.line
    ).rstrip("/")
    major = raw.get("major")
    version = raw.get("version")
    if (major is None) == (version is None):
        raise _Located(raw.line, f"{where} needs exactly one of 'major' (e.g. 22) or 'version'")
    if major is not None and (isinstance(major, bool) or not isinstance(major, int)):
        raise _Located(_line_of(raw, "major"), f"{where} major must be an integer")
    if version is not None:
        version = _string(version, f"{where} version", _line_of(raw, "version"))
        if not re.match(r"^\d+\.\d+\.\d+$", version):
            raise _Located(_line_of(raw, "version"), f"{where} version must be X.Y.Z")
    raw_packages = _mapping(_required(raw, "packages", where), f"{where} packages", raw.line)
    packages = {}
    for arch, package in raw_packages.items():
        _arch_list([arch], f"{where} packages", _line_of(raw_packages, arch), None)
        packages[str(arch)] = _string(package, f"{where} package", _line_of(raw_packages, arch))
    return NpmSpec(name=name, registry=registry, major=major, version=version, packages=packages)


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
    encoded = json.dumps(normalized, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()

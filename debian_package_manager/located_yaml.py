"""YAML that remembers where each value came from, and readers that check a value's type.

The config is edited by hand, so every error names the line of the offending key: the loader
records the line of each mapping, key and list, and the readers raise Located(line, message),
which the config loader turns into "<file>:<line>: <message>".
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml

from debian_package_manager.archs import DEBIAN_ARCH, DISTROLESS_ARCH

PACKAGE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9+.\-]+$")


class YamlMap(dict):
    """A YAML mapping that remembers the line of itself and of each key."""

    line = 0
    key_lines: dict[str, int]


class YamlList(list):
    line = 0


class LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            raise Located(line, f"duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_list(loader: LineLoader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


class Located(Exception):
    """A validation problem at a line; turned into ConfigError with the file name."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def line_of(container: Any, key: Any = None) -> int:
    if key is not None and isinstance(container, YamlMap):
        return container.key_lines.get(key, container.line)
    return getattr(container, "line", 0)


def kind_of(value: Any) -> str:
    """What a YAML value is, in the words of someone editing the file."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"the text {value!r}"
    return "empty" if value is None else type(value).__name__


def suggest(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def mapping(value: Any, where: str, line: int, allowed: tuple[str, ...] | None = None) -> YamlMap:
    if value is None:
        value = YamlMap()
        value.line, value.key_lines = line, {}
    if not isinstance(value, dict):
        raise Located(line, f"{where} must be a mapping (key: value lines), not {kind_of(value)}")
    if allowed is not None:
        for key in value:
            if key not in allowed:
                raise Located(
                    line_of(value, key),
                    f"unknown key {key!r} in {where}{suggest(str(key), allowed)}; "
                    f"allowed: {', '.join(allowed)}",
                )
    return value


def required(value: YamlMap, key: str, where: str) -> Any:
    if key not in value or value[key] is None:
        raise Located(line_of(value), f"{where} needs {key!r}")
    return value[key]


def string(value: Any, where: str, line: int) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Located(line, f"{where} must be a string")
    return str(value)


def string_list(value: Any, where: str, line: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Located(line, f"{where} must be a list")
    return [string(item, where, line_of(value)) for item in value]


def package_names(value: Any, where: str, line: int) -> list[str]:
    names = string_list(value, where, line)
    for name in names:
        if not PACKAGE_NAME_RE.match(name):
            raise Located(line_of(value) or line, f"{where}: {name!r} is not a package name")
    return names


def arch_list(value: Any, where: str, line: int, allowed: tuple[str, ...] | None) -> list[str]:
    archs = string_list(value, where, line)
    for arch in archs:
        if arch not in DEBIAN_ARCH:
            hint = (
                f" (Debian's name; write {DISTROLESS_ARCH[arch]!r})"
                if arch in DISTROLESS_ARCH
                else suggest(arch, DEBIAN_ARCH)
            )
            raise Located(
                line_of(value) or line,
                f"{where}: unknown architecture {arch!r}{hint}; "
                f"use distroless names: {', '.join(DEBIAN_ARCH)}",
            )
        if allowed is not None and arch not in allowed:
            raise Located(
                line_of(value) or line,
                f"{where}: architecture {arch!r} is not one of the release's "
                f"({', '.join(allowed)})",
            )
    return archs


def per_release(value: Any, release: str, releases: Any, where: str, line: int) -> Any:
    """A value given either once for all releases or as {all|<release>: value}."""
    if isinstance(value, dict):
        for key in value:
            if key != "all" and key not in releases:
                raise Located(
                    line_of(value, key),
                    f"{where}: {key!r} is neither 'all' nor a release{suggest(str(key), releases)}",
                )
        return value.get("all"), value.get(release)
    return value, None


def load_yaml(text: str) -> Any:
    """Parse YAML into YamlMap/YamlList with lines; raises Located on a syntax error."""
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a SafeLoader
    except Located:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or error.context or "invalid YAML"
        raise Located(line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise Located(0, f"invalid YAML: {error}") from None

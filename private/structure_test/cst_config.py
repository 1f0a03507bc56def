"""Parse container-structure-test (CST) files, schemaVersion 1.0.0 and 2.0.0, into dataclasses.

As CST does, unknown keys are errors (CST unmarshals strictly), so a file that passes here also
loads in CST. Defaults follow CST: `shouldExist` is true, `uid`/`gid` unset, `exitCode` 0.
In 1.0.0 files `command` is a list (program and arguments); in 2.0.0 it is a string and the
arguments are in `args`. Both spellings are accepted in either version, as distroless mixes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCHEMA_VERSIONS = ("1.0.0", "2.0.0")


class ConfigError(Exception):
    """A structure test file is malformed."""


@dataclass(frozen=True)
class EnvVar:
    key: str
    value: str
    is_regex: bool = False


@dataclass(frozen=True)
class CommandTest:
    name: str
    command: list[str]
    setup: list[list[str]] = field(default_factory=list)
    teardown: list[list[str]] = field(default_factory=list)
    env_vars: list[EnvVar] = field(default_factory=list)
    exit_code: int = 0
    expected_output: list[str] = field(default_factory=list)
    excluded_output: list[str] = field(default_factory=list)
    expected_error: list[str] = field(default_factory=list)
    excluded_error: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FileExistenceTest:
    name: str
    path: str
    should_exist: bool = True
    permissions: str = ""
    uid: int | None = None
    gid: int | None = None
    is_executable_by: str = ""


@dataclass(frozen=True)
class FileContentTest:
    name: str
    path: str
    expected_contents: list[str] = field(default_factory=list)
    excluded_contents: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MetadataTest:
    env_vars: list[EnvVar] = field(default_factory=list)
    unbound_env_vars: list[str] = field(default_factory=list)
    exposed_ports: list[str] = field(default_factory=list)
    unexposed_ports: list[str] = field(default_factory=list)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    workdir: str = ""
    volumes: list[str] = field(default_factory=list)
    unmounted_volumes: list[str] = field(default_factory=list)
    labels: list[EnvVar] = field(default_factory=list)
    user: str = ""

    def is_empty(self) -> bool:
        return self == MetadataTest()


@dataclass(frozen=True)
class LicenseTest:
    debian: bool = False
    files: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RunOptions:
    """CST's containerRunOptions; only `user` and `envVars` have a meaning here."""

    user: str = ""
    env_vars: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StructureTestFile:
    path: str
    schema_version: str
    global_env_vars: list[EnvVar]
    command_tests: list[CommandTest]
    file_existence_tests: list[FileExistenceTest]
    file_content_tests: list[FileContentTest]
    metadata_test: MetadataTest
    license_tests: list[LicenseTest]
    run_options: RunOptions


class _Fields:
    """Reads one YAML mapping, checking types and rejecting keys nobody asked for."""

    def __init__(self, data: object, where: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
        self.data = data
        self.where = where
        self.used: set[str] = set()

    def get(self, key: str, kind: type | tuple[type, ...], default: object = None) -> object:
        self.used.add(key)
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) and kind is int or not isinstance(value, kind):
            raise ConfigError(f"{self.where}: {key} must be {_kind_name(kind)}, got {value!r}")
        return value

    def strings(self, key: str) -> list[str]:
        value = self.get(key, list, [])
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{self.where}: {key} must be a list of strings, got {value!r}")
        return list(value)

    def required(self, key: str) -> str:
        value = self.get(key, str, "")
        if not value:
            raise ConfigError(f"{self.where}: {key} is required")
        return value

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise ConfigError(f"{self.where}: unknown key(s) {', '.join(unknown)}")


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", bool: "true or false", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _env_vars(items: object, where: str, allow_regex: bool) -> list[EnvVar]:
    if items is None:
        return []
    if not isinstance(items, list):
        raise ConfigError(f"{where}: expected a list of key/value pairs")
    result = []
    for n, item in enumerate(items):
        fields = _Fields(item, f"{where}[{n}]")
        key = fields.required("key")
        value = fields.get("value", (str, int, float), "")
        is_regex = fields.get("isRegex", bool, False) if allow_regex else False
        fields.done()
        result.append(EnvVar(key=key, value=str(value), is_regex=is_regex))
    return result


def _command(fields: _Fields) -> list[str]:
    command = fields.get("command", (str, list), None)
    args = fields.strings("args")
    if isinstance(command, list):
        if not command or not all(isinstance(part, str) for part in command):
            raise ConfigError(f"{fields.where}: command must be a non-empty list of strings")
        return list(command) + args
    if not command:
        raise ConfigError(f"{fields.where}: command is required")
    return [command] + args


def _commands(fields: _Fields, key: str) -> list[list[str]]:
    value = fields.get(key, list, [])
    for command in value:
        if not isinstance(command, list) or not command:
            raise ConfigError(f"{fields.where}: every {key} command must be a non-empty list")
    return [[str(part) for part in command] for command in value]


def _command_test(data: object, where: str) -> CommandTest:
    fields = _Fields(data, where)
    test = CommandTest(
        name=fields.required("name"),
        command=_command(fields),
        setup=_commands(fields, "setup"),
        teardown=_commands(fields, "teardown"),
        env_vars=_env_vars(fields.get("envVars", list), f"{where}.envVars", False),
        exit_code=fields.get("exitCode", int, 0),
        expected_output=fields.strings("expectedOutput"),
        excluded_output=fields.strings("excludedOutput"),
        expected_error=fields.strings("expectedError"),
        excluded_error=fields.strings("excludedError"),
    )
    fields.done()
    return test


def _file_existence_test(data: object, where: str) -> FileExistenceTest:
    fields = _Fields(data, where)
    test = FileExistenceTest(
        name=fields.required("name"),
        path=fields.required("path"),
        should_exist=fields.get("shouldExist", bool, True),
        permissions=fields.get("permissions", str, ""),
        uid=fields.get("uid", int, None),
        gid=fields.get("gid", int, None),
        is_executable_by=fields.get("isExecutableBy", str, ""),
    )
    fields.done()
    if test.is_executable_by not in ("", "any", "owner", "group", "other"):
        raise ConfigError(f"{where}: isExecutableBy must be any, owner, group or other")
    return test


def _file_content_test(data: object, where: str) -> FileContentTest:
    fields = _Fields(data, where)
    test = FileContentTest(
        name=fields.required("name"),
        path=fields.required("path"),
        expected_contents=fields.strings("expectedContents"),
        excluded_contents=fields.strings("excludedContents"),
    )
    fields.done()
    return test


def _optional_strings(fields: _Fields, key: str) -> list[str] | None:
    if fields.data.get(key) is None:
        fields.used.add(key)
        return None
    return fields.strings(key)


def _metadata_test(data: object, where: str) -> MetadataTest:
    if data is None:
        return MetadataTest()
    fields = _Fields(data, where)
    test = MetadataTest(
        env_vars=_env_vars(fields.get("envVars", list), f"{where}.envVars", True),
        unbound_env_vars=[
            e.key for e in _env_vars(fields.get("unboundEnvVars", list), where, False)
        ],
        exposed_ports=[str(p) for p in fields.get("exposedPorts", list, [])],
        unexposed_ports=[str(p) for p in fields.get("unexposedPorts", list, [])],
        entrypoint=_optional_strings(fields, "entrypoint"),
        cmd=_optional_strings(fields, "cmd"),
        workdir=fields.get("workdir", str, ""),
        volumes=fields.strings("volumes"),
        unmounted_volumes=fields.strings("unmountedVolumes"),
        labels=_env_vars(fields.get("labels", list), f"{where}.labels", True),
        user=str(fields.get("user", (str, int), "")),
    )
    fields.done()
    return test


def _license_test(data: object, where: str) -> LicenseTest:
    fields = _Fields(data, where)
    test = LicenseTest(debian=fields.get("debian", bool, False), files=fields.strings("files"))
    fields.done()
    return test


def _run_options(data: object, where: str) -> RunOptions:
    if data is None:
        return RunOptions()
    fields = _Fields(data, where)
    options = RunOptions(
        user=str(fields.get("user", (str, int), "")), env_vars=fields.strings("envVars")
    )
    # The rest of CST's containerRunOptions needs a Docker engine's features.
    for key in ("privileged", "allocateTty", "envFile", "capabilities", "bindMounts"):
        if fields.data.get(key):
            raise ConfigError(f"{where}: {key} is not supported by this runner")
        fields.used.add(key)
    fields.done()
    return options


def _list(fields: _Fields, key: str) -> list:
    return fields.get(key, list, [])


def parse(text: str, path: str) -> StructureTestFile:
    """One structure test file; `path` names it in error messages and reports."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from None
    fields = _Fields(data, path)
    version = fields.get("schemaVersion", str, "")
    if version not in SCHEMA_VERSIONS:
        raise ConfigError(
            f"{path}: schemaVersion must be one of {', '.join(SCHEMA_VERSIONS)}, got {version!r}"
        )
    parsed = StructureTestFile(
        path=path,
        schema_version=version,
        global_env_vars=_env_vars(
            fields.get("globalEnvVars", list), f"{path}: globalEnvVars", False
        ),
        command_tests=[
            _command_test(t, f"{path}: commandTests[{n}]")
            for n, t in enumerate(_list(fields, "commandTests"))
        ],
        file_existence_tests=[
            _file_existence_test(t, f"{path}: fileExistenceTests[{n}]")
            for n, t in enumerate(_list(fields, "fileExistenceTests"))
        ],
        file_content_tests=[
            _file_content_test(t, f"{path}: fileContentTests[{n}]")
            for n, t in enumerate(_list(fields, "fileContentTests"))
        ],
        metadata_test=_metadata_test(fields.get("metadataTest", dict), f"{path}: metadataTest"),
        license_tests=[
            _license_test(t, f"{path}: licenseTests[{n}]")
            for n, t in enumerate(_list(fields, "licenseTests"))
        ],
        run_options=_run_options(
            fields.get("containerRunOptions", dict), f"{path}: containerRunOptions"
        ),
    )
    fields.done()
    return parsed


def load(path: Path, display: str | None = None) -> StructureTestFile:
    return parse(path.read_text(), display or str(path))

"""The checks of a structure test file, with container-structure-test's semantics.

Each check takes the image under test (`Target`) and returns a `CheckResult`; commands run
through a `RunCommand` callable (runc in practice, a fake in unit tests).

Where this differs from CST, on purpose:
- Regular expressions are Python's `re` (searched, like Go's MatchString). The RE2 syntax test
  files use is the same in both; `$` also matches before a final newline in Python.
- Values of a command test's `envVars` are expanded against the image environment (CST expands
  them only for setup commands), so `PATH: $PATH:/x` works.
- A setup command that exits non-zero fails the test (CST ignores its exit code).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from private.structure_test import rootfs
from private.structure_test.cst_config import (
    CommandTest,
    EnvVar,
    FileContentTest,
    FileExistenceTest,
    LicenseTest,
    MetadataTest,
)
from private.structure_test.oci import ImageConfig, Platform

# The longest stdout/stderr shown in a failure report; the rest is elided.
SHOWN_OUTPUT = 2000
# CST's license check: packages it never checks, and words that fail a copyright file.
LICENSE_ALLOWED_PACKAGES = {"libgnutls30"}
LICENSE_FORBIDDEN_WORDS = ("AGPL", "WTFPL")
DPKG_STATUS_DIR = "/var/lib/dpkg/status.d"


@dataclass(frozen=True)
class Target:
    """The image under test: one platform of one layout, unpacked."""

    name: str
    platform: Platform
    digest: str
    config: ImageConfig
    rootfs: Path


@dataclass(frozen=True)
class Outcome:
    """What a command did inside the image."""

    stdout: str
    stderr: str
    exit_code: int
    timed_out: bool = False


@dataclass
class CheckResult:
    kind: str
    name: str
    errors: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.errors

    @property
    def title(self) -> str:
        return f"{self.kind}: {self.name}"


# Runs one test's commands in one fresh copy of the image: (setup, command, teardown, env, user)
RunCommand = Callable[[list[list[str]], list[str], list[list[str]], dict[str, str], str], Outcome]


def go_expand(text: str, lookup: Callable[[str], str]) -> str:
    """Go's os.Expand, which CST applies to commands, paths and env values: $NAME and ${NAME}
    are replaced (unknown names by ""), a lone `$` stays, `${}` is dropped."""
    out: list[str] = []
    i = 0
    j = 0
    while j < len(text):
        if text[j] == "$" and j + 1 < len(text):
            out.append(text[i:j])
            name, width = _shell_name(text[j + 1 :])
            if name:
                out.append(lookup(name))
            elif width == 0:
                out.append("$")
            j += width
            i = j + 1
        j += 1
    return "".join(out) + text[i:]


def _shell_name(s: str) -> tuple[str, int]:
    special = "*#$@!?-0123456789"
    if s[0] == "{":
        if len(s) > 2 and s[1] in special and s[2] == "}":
            return s[1], 3
        end = s.find("}", 1)
        if end == 1:
            return "", 2
        if end == -1:
            return "", 1
        return s[1:end], end + 1
    if s[0] in special:
        return s[0], 1
    n = 0
    while n < len(s) and (s[n] == "_" or s[n].isascii() and s[n].isalnum()):
        n += 1
    return s[:n], n


def _search(pattern: str, text: str) -> bool:
    """CST's CompileAndRunRegex: an unanchored search; a bad pattern is an error, not a miss."""
    try:
        return re.search(pattern, text) is not None
    except re.error as error:
        raise ValueError(f"invalid regular expression {pattern!r}: {error}") from None


def _shown(text: str) -> str:
    if len(text) > SHOWN_OUTPUT:
        text = text[:SHOWN_OUTPUT] + f"... ({len(text) - SHOWN_OUTPUT} more characters)"
    return repr(text)


def _match_all(
    result: CheckResult, label: str, text: str, expected: list[str], excluded: list[str]
) -> None:
    missing, present = [], []
    try:
        missing = [p for p in expected if not _search(p, text)]
        present = [p for p in excluded if _search(p, text)]
    except ValueError as error:
        result.errors.append(str(error))
        return
    for pattern in missing:
        result.errors.append(f"expected {label} to match {pattern!r}")
    for pattern in present:
        result.errors.append(f"expected {label} NOT to match {pattern!r}")
    if missing or present:
        result.details.append(f"actual {label}: {_shown(text)}")


def command_env(target: Target, global_env: list[EnvVar], test_env: list[EnvVar]) -> dict:
    """The image's environment, then the file's globalEnvVars, then the test's envVars; values
    are expanded against the environment before them, as CST does for its env layers."""
    env = dict(target.config.env)
    for layer in (global_env, test_env):
        base = dict(env)
        for var in layer:
            env[var.key] = go_expand(var.value, lambda name, base=base: base.get(name, ""))
    return env


def check_command(
    test: CommandTest,
    target: Target,
    global_env: list[EnvVar],
    user: str,
    run: RunCommand,
) -> CheckResult:
    result = CheckResult("Command Test", test.name)
    env = command_env(target, global_env, [])
    lookup = env.get
    argv = [go_expand(part, lambda name: lookup(name, "")) for part in test.command]
    test_env = command_env(target, global_env, test.env_vars)
    started = time.monotonic()
    outcome = run(test.setup, argv, test.teardown, test_env, user)
    result.seconds = time.monotonic() - started
    result.details.append(f"command: {_quote(argv)}")
    if outcome.timed_out:
        result.errors.append(f"the command did not finish within its timeout ({outcome.stderr})")
        return result
    if outcome.exit_code != test.exit_code:
        result.errors.append(f"expected exit code {test.exit_code}, got {outcome.exit_code}")
    _match_all(result, "stdout", outcome.stdout, test.expected_output, test.excluded_output)
    _match_all(result, "stderr", outcome.stderr, test.expected_error, test.excluded_error)
    if result.errors and outcome.exit_code != test.exit_code:
        for label, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
            line = f"actual {label}: {_shown(text)}"
            if line not in result.details:
                result.details.append(line)
    return result


def _quote(argv: list[str]) -> str:
    return " ".join(a if a and re.fullmatch(r"[\w@%+=:,./-]+", a) else repr(a) for a in argv)


def check_file_existence(test: FileExistenceTest, target: Target) -> CheckResult:
    result = CheckResult("File Existence Test", test.name)
    path = go_expand(test.path, lambda name: target.config.env.get(name, ""))
    try:
        info = rootfs.lstat(target.rootfs, path)
    except rootfs.PathError as error:
        if test.should_exist:
            result.errors.append(f"{path} should exist but does not ({error})")
        return result
    if not test.should_exist:
        result.errors.append(f"{path} should not exist but does ({go_mode_of(info)})")
        return result
    actual = go_mode_of(info)
    if test.permissions and actual != test.permissions:
        result.errors.append(f"{path}: expected permissions {test.permissions}, got {actual}")
    bits = {"any": 0o111, "owner": 0o100, "group": 0o010, "other": 0o001}
    if test.is_executable_by and not info.st_mode & bits[test.is_executable_by]:
        result.errors.append(
            f"{path}: expected to be executable by {test.is_executable_by}, got {actual}"
        )
    if test.uid is not None and info.st_uid != test.uid:
        result.errors.append(f"{path}: expected owner uid {test.uid}, got {info.st_uid}")
    if test.gid is not None and info.st_gid != test.gid:
        result.errors.append(f"{path}: expected group gid {test.gid}, got {info.st_gid}")
    return result


def go_mode_of(info) -> str:
    return rootfs.go_mode_string(info.st_mode)


def check_file_content(test: FileContentTest, target: Target) -> CheckResult:
    result = CheckResult("File Content Test", test.name)
    try:
        data = rootfs.read(target.rootfs, test.path)
    except rootfs.PathError as error:
        result.errors.append(f"cannot read {test.path}: {error}")
        return result
    text = data.decode("utf-8", errors="surrogateescape")
    _match_all(
        result, f"{test.path} contents", text, test.expected_contents, test.excluded_contents
    )
    return result


def check_metadata(test: MetadataTest, target: Target) -> CheckResult:
    result = CheckResult("Metadata Test", "image config")
    config = target.config
    errors = result.errors
    for kind, wanted, actual in (
        ("env var", test.env_vars, config.env),
        ("label", test.labels, config.labels),
    ):
        for pair in wanted:
            if pair.key not in actual:
                errors.append(
                    f"{kind} {pair.key} is not set in the image (expected {pair.value!r})"
                )
                continue
            value = actual[pair.key]
            try:
                ok = _search(pair.value, value) if pair.is_regex else value == pair.value
            except ValueError as error:
                errors.append(str(error))
                continue
            if not ok:
                how = "to match" if pair.is_regex else "to be"
                errors.append(f"expected {kind} {pair.key} {how} {pair.value!r}, got {value!r}")
    errors.extend(
        f"env var {key} should not be set (it is {config.env[key]!r})"
        for key in test.unbound_env_vars
        if key in config.env
    )
    for field_name, wanted, actual in (
        ("entrypoint", test.entrypoint, config.entrypoint),
        ("cmd", test.cmd, config.cmd),
    ):
        if wanted is not None and list(wanted) != list(actual or []):
            errors.append(f"expected {field_name} {wanted}, got {actual or []}")
    if test.workdir and test.workdir != config.workdir:
        errors.append(f"expected workdir {test.workdir!r}, got {config.workdir!r}")
    if test.user and test.user != config.user:
        errors.append(f"expected user {test.user!r}, got {config.user!r}")
    errors.extend(
        f"port {port} is not exposed (exposed: {config.exposed_ports})"
        for port in test.exposed_ports
        if port not in config.exposed_ports
    )
    errors.extend(
        f"port {p} should not be exposed" for p in test.unexposed_ports if p in config.exposed_ports
    )
    errors.extend(
        f"volume {v} is not declared (volumes: {config.volumes})"
        for v in test.volumes
        if v not in config.volumes
    )
    errors.extend(
        f"volume {v} should not be declared" for v in test.unmounted_volumes if v in config.volumes
    )
    return result


def installed_packages(root: Path) -> dict[str, str]:
    """Package -> Version of the dpkg status.d records of a distroless-style image."""
    status_dir = root / DPKG_STATUS_DIR.lstrip("/")
    packages: dict[str, str] = {}
    if not status_dir.is_dir():
        return packages
    for record in sorted(status_dir.iterdir()):
        if not record.is_file() or record.name.endswith(".md5sums"):
            continue
        name = version = ""
        for line in record.read_text(errors="replace").splitlines() + [""]:
            if line.startswith("Package:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("Version:"):
                version = line.split(":", 1)[1].strip()
            elif not line.strip() and name:
                packages[name] = version
                name = version = ""
    return packages


def _license_problem(root: Path, path: str) -> str | None:
    try:
        text = rootfs.read(root, path).decode("utf-8", errors="replace").upper()
    except rootfs.PathError as error:
        return f"no copyright file: {error}"
    # A machine-readable (DEP-5) copyright file names its licences in `License:` fields; only
    # those count, so that base-files' list of the licence texts it ships (`Files: licenses/AGPL-*`)
    # is not taken for the package's own licence. Other files are searched whole, as CST does.
    if text.startswith("FORMAT:"):
        text = "\n".join(re.findall(r"^LICENSE:[^\n]*", text, flags=re.MULTILINE))
    for word in LICENSE_FORBIDDEN_WORDS:
        if word in text:
            return f"{path} names {word}, a license this project does not accept"
    return None


def check_license(test: LicenseTest, target: Target) -> CheckResult:
    """CST's check (every directory of /usr/share/doc has a copyright file without a forbidden
    license) plus: every package in the dpkg status.d records has /usr/share/doc/PKG/copyright."""
    result = CheckResult("License Test", "debian" if test.debian else "files")
    root = target.rootfs
    if test.debian:
        doc = root / "usr/share/doc"
        names = (
            sorted(p.name for p in doc.iterdir() if p.is_dir() and not p.is_symlink())
            if doc.is_dir()
            else []
        )
        packages = installed_packages(root)
        if not packages:
            result.errors.append(f"no package records in {DPKG_STATUS_DIR}")
        for name in sorted(set(names) | set(packages)):
            if name in LICENSE_ALLOWED_PACKAGES:
                continue
            problem = _license_problem(root, f"/usr/share/doc/{name}/copyright")
            if problem:
                result.errors.append(f"package {name}: {problem}")
        result.details.append(f"{len(packages)} packages, {len(names)} doc directories checked")
    for path in test.files:
        problem = _license_problem(root, path)
        if problem:
            result.errors.append(problem)
    return result

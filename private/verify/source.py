"""The source a provenance names: a checkout of its commit, and its lock compared by sha256."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from private.verify.errors import UsageError, VerifyError

BUILD_TYPE = "https://distroless.invalid/provenance/bazel-build/v1"


@dataclass(frozen=True)
class Claim:
    """What a provenance says was built: where, from what and which lock."""

    repository: str
    commit: str
    workspace: str
    target: str
    locks: dict[str, str]  # path in the repository -> sha256

    @property
    def where(self) -> str:
        return f"{self.target} at {self.repository}@{self.commit[:12]}"


def claim_of(predicate: dict) -> Claim:
    definition = predicate.get("buildDefinition", {})
    if definition.get("buildType") != BUILD_TYPE:
        raise VerifyError(
            f"provenance: build type {definition.get('buildType')!r} is not {BUILD_TYPE}: "
            "not an image of distroless' rules, nothing to rebuild"
        )
    external = definition["externalParameters"]
    locks = {}
    for dependency in definition.get("resolvedDependencies", []):
        uri = dependency.get("uri", "")
        if uri.startswith("git+") and "#" in uri:
            locks[uri.split("#", 1)[1]] = dependency["digest"]["sha256"]
    return Claim(
        repository=external["repository"],
        commit=external["commit"],
        workspace=external.get("workspace", ""),
        target=external["target"],
        locks=locks,
    )


def git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "safe.directory=*", *args], capture_output=True, text=True
        )
    except FileNotFoundError as e:
        raise UsageError("git not found: install it") from e
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise VerifyError(f"source: git {args[0]} failed: {detail}")
    return done.stdout.strip()


def checkout(repository: str, commit: str, dest: Path) -> Path:
    """A clone of `repository` with `commit` checked out (the commit must be in it)."""
    git("clone", "--quiet", "--no-checkout", repository, str(dest))
    try:
        git("-C", str(dest), "checkout", "--quiet", "--detach", commit)
    except VerifyError as e:
        raise VerifyError(f"source: commit {commit} is not in {repository} ({e})") from None
    return dest


def check_locks(claim: Claim, tree: Path) -> list[str]:
    """Each lock of the provenance has its sha256 at the commit; the lines to print."""
    lines = []
    for path, sha256 in sorted(claim.locks.items()):
        file = tree / path
        if not file.is_file():
            raise VerifyError(f"lock: {path} is not in commit {claim.commit[:12]}")
        actual = hashlib.sha256(file.read_bytes()).hexdigest()
        if actual != sha256:
            raise VerifyError(
                f"lock: the provenance names {path} with sha256 {sha256[:12]}, but commit "
                f"{claim.commit[:12]} has {actual[:12]}: the image was not built from that lock"
            )
        lines.append(f"{path} sha256:{sha256[:12]} at {claim.commit[:12]}")
    return lines

"""The push-time half of the SLSA provenance: the source the images were built from, runDetails.

The build writes each image's and index's predicate without the source (distroless_sbom,
private/sbom/provenance.py): a commit id inside the build would need stamping and would rebuild
actions on every commit. The source comes in here instead, from `--source-repository` and
`--source-commit` or from git in the workspace `bazel run` was started from.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from private.publish.errors import UsageError

DEFAULT_BUILDER = "https://distroless.invalid/builders/sign_and_push/v1"


@dataclass(frozen=True)
class Source:
    """Where a rebuild starts: a git repository, a commit and the module's directory in it."""

    repository: str  # what `git clone` takes: a URL or a path
    commit: str
    workspace: str  # the Bazel module's directory below the repository's root; "" for the root


@dataclass(frozen=True)
class Run:
    """This publish run, as runDetails names it."""

    builder_id: str
    invocation_id: str
    started_on: str  # RFC 3339, UTC


def _git(directory: Path, *args: str) -> str:
    # safe.directory: the publisher may run as another user than the checkout's owner (the
    # toolchain root runs everything as root).
    done = subprocess.run(
        ["git", "-c", "safe.directory=*", "-C", str(directory), *args],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["git failed"])[-1]
        raise UsageError(
            f"cannot read the source of the provenance from git in {directory} ({detail}); "
            "pass --source-repository URL --source-commit SHA"
        )
    return done.stdout.strip()


def source_from_git(workspace: Path) -> Source:
    """The commit checked out in `workspace`, refused when it is not what was built."""
    top = Path(_git(workspace, "rev-parse", "--show-toplevel"))
    if _git(top, "status", "--porcelain", "--untracked-files=no"):
        raise UsageError(
            f"{top} has uncommitted changes: the provenance would name a commit that did not "
            "build these images; commit first (or pass --source-commit to name one yourself)"
        )
    remote = subprocess.run(
        ["git", "-c", "safe.directory=*", "-C", str(top), "remote", "get-url", "origin"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    below = os.path.relpath(workspace.resolve(), top.resolve())
    return Source(
        repository=remote or str(top),
        commit=_git(top, "rev-parse", "HEAD"),
        workspace="" if below == "." else below,
    )


def complete(template: dict, source: Source, run: Run) -> dict:
    """The full predicate: the build-time half plus the source and runDetails."""
    definition = template["buildDefinition"]
    external = {
        "repository": source.repository,
        "commit": source.commit,
        "workspace": source.workspace,
        **definition["externalParameters"],
    }
    prefix = f"{source.workspace}/" if source.workspace else ""
    dependencies = [
        {"uri": f"git+{source.repository}", "digest": {"gitCommit": source.commit}},
    ]
    for dependency in definition["resolvedDependencies"]:
        if "uri" not in dependency and not dependency["name"].startswith("@"):
            # A file of the source tree (the lock): where it is at that commit.
            path = prefix + dependency["name"]
            dependency = {
                **dependency,
                "uri": f"git+{source.repository}@{source.commit}#{path}",
            }
        dependencies.append(dependency)
    return {
        "buildDefinition": {
            **definition,
            "externalParameters": external,
            "resolvedDependencies": dependencies,
        },
        "runDetails": {
            "builder": {"id": run.builder_id},
            "metadata": {"invocationId": run.invocation_id, "startedOn": run.started_on},
        },
    }


def write_predicate(template: Path, source: Source, run: Run, out: Path) -> Path:
    """The completed predicate of `template`, written to `out` for cosign attest."""
    document = complete(json.loads(template.read_text()), source, run)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return out

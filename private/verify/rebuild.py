"""Rebuild a target from a checkout with Bazel in a fresh output base; read the digests."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from private.oci import layout as oci_layout
from private.verify.errors import UsageError, VerifyError
from private.verify.registry import platform_name

# Where the project's toolchain root keeps its prepared modules: a rebuild there needs the
# checkout's own offline layer (tools/toolchain/env.sh), as tools/bazel adds it.
OFFLINE_MODULES = Path("/opt/distroless/modules")
# The environment of `bazel run` or of a test would steer the inner Bazel and its runfiles.
DROPPED = ("RUNFILES", "TEST_", "BUILD_", "BAZEL_", "PYTHON", "JAVA_RUNFILES")


@dataclass(frozen=True)
class Built:
    """A rebuilt image or index: its layout, digest, per-platform digests, the time it took."""

    layout: Path
    digest: str
    platforms: dict[str, str]
    seconds: float


def offline_layer(repository: Path, workspace: Path) -> list[str]:
    """The checkout's offline flags when running in the project's toolchain root, else none."""
    env_sh = repository / "tools" / "toolchain" / "env.sh"
    if not (env_sh.is_file() and OFFLINE_MODULES.is_dir()):
        return []
    rc, state = offline_settings(env_sh, workspace)
    return [f"--bazelrc={rc}", f"--repository_cache={state}/bazel/cache/repos/v1"]


def default_output_root(name: str) -> Path | None:
    """In the toolchain root: below its state cache, on disk (the root's /tmp is in memory)."""
    if not OFFLINE_MODULES.is_dir():
        return None
    state = Path(os.environ.get("DISTROLESS_CACHE", "/var/cache/distroless-bazel")) / "state"
    return state / "verify" / name if state.is_dir() else None


def offline_settings(env_sh: Path, workspace: Path) -> tuple[str, str]:
    done = subprocess.run(
        ["bash", "-c", 'source "$1" && offline_rc "$2" && echo "$STATE"', "-", env_sh, workspace],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise VerifyError(f"rebuild: the checkout's offline layer failed: {done.stderr.strip()}")
    rc, state = done.stdout.split()
    return rc, state


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED)}
    env.setdefault("HOME", str(home))
    return env


def bazel(command: list[str], workspace: Path, env: dict[str, str]) -> str:
    try:
        done = subprocess.run(command, cwd=workspace, capture_output=True, text=True, env=env)
    except FileNotFoundError as e:
        raise UsageError(f"{command[0]} not found: pass --bazel") from e
    if done.returncode != 0:
        tail = " | ".join(line for line in done.stderr.splitlines() if "ERROR" in line)[-400:]
        raise VerifyError(f"rebuild: bazel {command[2]} failed: {tail or done.stderr[-400:]}")
    return done.stdout


def digests(layout: Path) -> tuple[str, dict[str, str]]:
    """The layout's manifest digest and, for an index, platform -> image digest."""
    digest = oci_layout.manifest_digest(layout)
    manifest = oci_layout.read_blob_json(layout, digest)
    platforms = {
        platform_name(m.get("platform", {})): m["digest"] for m in manifest.get("manifests", [])
    }
    return digest, platforms


def rebuild(
    target: str, repository: Path, workspace: Path, output_root: Path, binary: str
) -> Built:
    """`bazel build target` in `workspace` with its own output root; the server is stopped after."""
    startup = [binary, f"--output_user_root={output_root}"]
    flags = offline_layer(repository, workspace)
    startup += [f for f in flags if f.startswith("--bazelrc")]
    build_flags = [f for f in flags if not f.startswith("--bazelrc")]
    env = environment(output_root)
    started = time.monotonic()
    try:
        bazel(
            [*startup, "build", "--noshow_progress", "--symlink_prefix=/", *build_flags, target],
            workspace,
            env,
        )
        files = bazel([*startup, "cquery", "--output=files", target], workspace, env).split()
        execroot = bazel([*startup, "info", "execution_root"], workspace, env).strip()
    finally:
        subprocess.run([*startup, "shutdown"], cwd=workspace, capture_output=True, env=env)
    if not files:
        raise VerifyError(f"rebuild: {target} has no output")
    layout = Path(execroot) / files[0]
    digest, platforms = digests(layout)
    return Built(layout, digest, platforms, time.monotonic() - started)


def layers(manifest: dict) -> list[str]:
    return [layer["digest"] for layer in manifest.get("layers", [])]


def first_layer_difference(remote: dict, rebuilt: dict) -> str:
    """Which layer differs, by position, between two image manifests."""
    ours, theirs = layers(rebuilt), layers(remote)
    for position, (a, b) in enumerate(zip(theirs, ours, strict=False), start=1):
        if a != b:
            return f"layer {position} differs (registry {a[:19]}, rebuilt {b[:19]})"
    if len(theirs) != len(ours):
        extra = theirs[len(ours) :] or ours[len(theirs) :]
        side = "registry" if len(theirs) > len(ours) else "rebuilt image"
        return f"the {side} has {abs(len(theirs) - len(ours))} more layer(s), first {extra[0][:19]}"
    if remote.get("config") != rebuilt.get("config"):
        return "same layers, different image config"
    return "same layers and config, different manifest"


def manifest_json(layout: Path, digest: str) -> dict:
    return json.loads(oci_layout.blob_path(layout, digest).read_bytes())

"""Helpers of the publishing end-to-end tests (publish_e2e.py, run_e2e.py).

A real registry (docker-registry) on a random loopback port with its storage in the test's
temporary directory, the publisher (//:sign_and_push) from the runfiles, throwaway cosign keys,
and `check`, which prints what it verified so a log shows the evidence, not only a verdict.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from private.oci import layout as oci_layout

RUNFILES = Path(os.environ.get("RUNFILES_DIR") or os.environ["TEST_SRCDIR"])
WORKSPACE = RUNFILES / "_main"
TMP = Path(os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp())
PUBLISHER = WORKSPACE / "sign_and_push"
STARTED = time.monotonic()


class CheckFailed(AssertionError):
    """A verified property that does not hold; the message says which and what was seen."""


def check(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)
    print(f"ok   {what}", flush=True)


def step(title: str) -> None:
    print(f"\n== [{time.monotonic() - STARTED:6.1f}s] {title}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    """docker-registry on 127.0.0.1:<random port>; restartable on the same port and storage."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "config.yml").write_text(
            "version: 0.1\n"
            "log: {level: error, accesslog: {disabled: true}}\n"
            f"storage: {{filesystem: {{rootdirectory: {root / 'data'}}}}}\n"
            f"http: {{addr: {self.host}}}\n"
        )

    def start(self) -> None:
        log = open(self.root / "registry.log", "a")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            ["docker-registry", "serve", str(self.root / "config.yml")],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "REGISTRY_HTTP_SECRET": "e2e"},
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1)
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        raise CheckFailed(
            f"the registry did not start on {self.host}: {self.root / 'registry.log'}"
        )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    stop = kill


def make_keys(directory: Path) -> dict[str, Path]:
    """Two throwaway cosign key pairs without password: good and wrong."""
    keys = {}
    for name in ("good", "wrong"):
        subprocess.run(
            ["cosign", "generate-key-pair", "--output-key-prefix", str(directory / name)],
            check=True,
            capture_output=True,
            env={**os.environ, "COSIGN_PASSWORD": ""},
        )
        keys[name] = directory / f"{name}.key"
    return keys


# The provenance's source, for tests that do not rebuild from it (verify_e2e.py commits a real one).
SOURCE = ["--source-repository", "https://e2e.invalid/distroless.git", "--source-commit", "0" * 40]


def publisher_env() -> dict[str, str]:
    return {**os.environ, "RUNFILES_DIR": str(RUNFILES), "COSIGN_PASSWORD": ""}


def publish(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run //:sign_and_push with these arguments; prints its output for the test log."""
    started = time.monotonic()
    if "--source-commit" not in args and "--dry-run" not in args:
        args = (*args, *SOURCE)
    done = subprocess.run(
        [str(PUBLISHER), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=publisher_env(),
    )
    print(done.stdout + done.stderr, flush=True)
    took = time.monotonic() - started
    print(f"(sign_and_push {' '.join(args)}: exit {done.returncode} in {took:.1f}s)", flush=True)
    return done


def plan(repository: str | None = None) -> list[dict]:
    """The indexes of the publisher's plan, optionally only those of one repository."""
    entries = json.loads((WORKSPACE / "sign_and_push.plan.json").read_text())["indexes"]
    return [e for e in entries if repository in (None, e["repository"])]


def local_digest(rlocation: str) -> str:
    return oci_layout.manifest_digest(RUNFILES / rlocation)


def lock_id(rlocation: str) -> str:
    return hashlib.sha256((RUNFILES / rlocation).read_bytes()).hexdigest()[:12]


def expected_tags(repository: str) -> dict[str, str]:
    """Every tag the publisher must set in `repository`, with the local digest it must name."""
    tags = {}
    for entry in plan(repository):
        digest = local_digest(entry["layout"])
        tags[entry["tag"]] = digest
        tags[f"{entry['tag']}-{lock_id(entry['lock'])}"] = digest
        for image in entry["images"]:
            tags[image["tag"]] = local_digest(image["layout"])
    return tags


def crane_digest(ref: str) -> str:
    done = subprocess.run(["crane", "digest", "--insecure", ref], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else f"(error: {done.stderr.strip()})"


def counts(summary: str) -> tuple[int, int]:
    """(pushed, skipped) from the publisher's summary line."""
    for line in summary.splitlines():
        if " pushed, " in line and " skipped " in line:
            words = line.split(": ", 1)[1].split()
            return int(words[0]), int(words[2])
    raise CheckFailed(f"no summary line in the publisher's output:\n{summary}")

"""Run commands inside an unpacked image with runc, each test in a fresh copy of the image.

The image's root filesystem stays pristine: every command test gets an overlayfs whose lower
layers are that filesystem (or the layer store's directories it is made of) and whose upper
layer is thrown away afterwards, so what one test's setup writes is invisible to the next (as
CST's fresh container per test). Overlay mounts need a private mount namespace: the runner re-
executes itself under `unshare --mount` first (runner.py), so no mount can outlive it.

Processes run as the image's user, in its working directory, with its environment (umoci
derives these from the image config), no terminal, Docker's default capabilities (effective
for root only, as with Docker), a network namespace of their own with just loopback, and no
shell added: argv is executed as given, PATH-resolved by runc inside the image. A foreign
architecture's binaries run through qemu-user via the host's binfmt_misc registrations.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from private.structure_test.checks import Outcome
from private.structure_test.layer_store import Lower, mounted

TIMEOUT_SECONDS = 30
# What Docker grants a container by default (moby's oci/caps/defaults.go).
DOCKER_CAPABILITIES = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
]
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class ContainerError(Exception):
    """runc or the overlay could not be set up (not a failing command: that is an Outcome)."""


@dataclass(frozen=True)
class User:
    uid: int
    gid: int
    additional_gids: tuple[int, ...] = ()


def resolve_user(rootfs: Path, spec: str) -> User:
    """`uid[:gid]` or `name[:group]`, looked up in the image's /etc/passwd and /etc/group, as
    a container runtime does for a containerRunOptions user."""
    name, _, group = spec.partition(":")

    def lookup(file: str, key: str) -> list[str] | None:
        path = rootfs / "etc" / file
        if not path.is_file():
            return None
        for line in path.read_text(errors="replace").splitlines():
            fields = line.split(":")
            if len(fields) > 3 and fields[0] == key:
                return fields
        return None

    if name.isdigit():
        uid = int(name)
        entry = None
    else:
        entry = lookup("passwd", name)
        if entry is None:
            raise ContainerError(f"user {name!r} is not in the image's /etc/passwd")
        uid = int(entry[2])
    if group:
        if group.isdigit():
            gid = int(group)
        else:
            group_entry = lookup("group", group)
            if group_entry is None:
                raise ContainerError(f"group {group!r} is not in the image's /etc/group")
            gid = int(group_entry[2])
    else:
        gid = int(entry[3]) if entry else 0
    return User(uid, gid)


class Runner:
    """Runs command tests in overlays over one image's root filesystem: `rootfs` is where it
    can be read, `lower` what each command's overlay stacks on (the same directory, or the layer
    store's directories and the test's files)."""

    _ids = itertools.count()

    def __init__(
        self,
        rootfs: Path,
        lower: Lower,
        runtime_config: dict,
        work: Path,
        timeout: int = TIMEOUT_SECONDS,
    ) -> None:
        self.rootfs = rootfs
        self.lower = lower
        self.timeout = timeout
        self.base = runtime_config
        self.work = work
        self.state = work / "runc-state"
        self.state.mkdir(parents=True, exist_ok=True)

    def image_user(self) -> str:
        user = self.base["process"]["user"]
        return f"{user['uid']}:{user['gid']}"

    def run(
        self,
        setup: list[list[str]],
        argv: list[str],
        teardown: list[list[str]],
        env: dict[str, str],
        user: str,
    ) -> Outcome:
        """Setup commands, the command, then teardown commands, in one fresh overlay."""
        n = next(self._ids)
        layer = self.work / f"overlay-{n}"
        upper = layer / "upper"
        upper.mkdir(parents=True)
        try:
            with mounted(layer / "merged", self.lower, upper) as merged:
                as_user = self._user(user)
                for step in setup:
                    outcome = self._runc(f"{n}-setup", merged, step, env, as_user)
                    if outcome.exit_code != 0 or outcome.timed_out:
                        return Outcome(
                            outcome.stdout,
                            f"setup command {step} failed ({outcome.exit_code}): {outcome.stderr}",
                            outcome.exit_code if outcome.exit_code != 0 else 1,
                            outcome.timed_out,
                        )
                outcome = self._runc(str(n), merged, argv, env, as_user)
                for step in teardown:
                    self._runc(f"{n}-teardown", merged, step, env, as_user)
                return outcome
        finally:
            shutil.rmtree(layer)

    def _user(self, spec: str) -> User:
        if not spec:
            user = self.base["process"]["user"]
            return User(user["uid"], user["gid"], tuple(user.get("additionalGids") or ()))
        return resolve_user(self.rootfs, spec)

    def _config(self, root: Path, argv: list[str], env: dict[str, str], user: User) -> dict:
        config = copy.deepcopy(self.base)
        config["root"] = {"path": str(root), "readonly": False}
        process = config["process"]
        process["terminal"] = False
        process["args"] = argv
        # umoci adds TERM for a terminal and HOME from /etc/passwd; Docker adds HOME and a
        # default PATH when the image has none, and no TERM without a terminal.
        full_env = dict(env)
        home = next((e[5:] for e in process.get("env", []) if e.startswith("HOME=")), "/")
        full_env.setdefault("HOME", home)
        full_env.setdefault("PATH", DEFAULT_PATH)
        process["env"] = [f"{k}={v}" for k, v in full_env.items()]
        process["user"] = {"uid": user.uid, "gid": user.gid}
        if user.additional_gids:
            process["user"]["additionalGids"] = list(user.additional_gids)
        process["capabilities"] = {
            kind: list(DOCKER_CAPABILITIES)
            for kind in ("bounding", "effective", "permitted", "inheritable")
        }
        process["noNewPrivileges"] = False
        config["hostname"] = "structure-test"
        return config

    def _runc(
        self, name: str, root: Path, argv: list[str], env: dict[str, str], user: User
    ) -> Outcome:
        bundle = self.work / f"bundle-{name}"
        bundle.mkdir()
        container_id = f"st-{os.getpid()}-{name}"
        (bundle / "config.json").write_text(json.dumps(self._config(root, argv, env, user)))
        runc = ["runc", "--root", str(self.state)]
        process = subprocess.Popen(
            runc + ["run", "--bundle", str(bundle), container_id],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
            return Outcome(_text(stdout), _text(stderr), _exit_code(process.returncode, stderr))
        except subprocess.TimeoutExpired:
            # Killing runc would leave the container running: delete it, and runc returns.
            subprocess.run(runc + ["delete", "--force", container_id], capture_output=True)
            stdout, _ = process.communicate()
            return Outcome(_text(stdout), f"killed after {self.timeout} s", -1, True)
        finally:
            shutil.rmtree(bundle, ignore_errors=True)


def _exit_code(code: int, stderr: bytes) -> int:
    """runc's status, except that a program it could not start gets the shell's (and Docker's)
    127 (not found) or 126 (not executable) rather than runc's own 1."""
    if code != 1 or b"unable to start container process" not in stderr:
        return code
    if b"no such file or directory" in stderr or b"executable file not found" in stderr:
        return 127
    if b"permission denied" in stderr or b"exec format error" in stderr:
        return 126
    return code


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


@contextmanager
def tmpfs_at(work: Path) -> Iterator[None]:
    """A tmpfs mounted on `work` for the block, in the runner's private mount namespace.

    A 32-bit program under qemu-user gets EOVERFLOW from readdir on ext4 (its 64-bit hash
    cookies do not fit the guest's 32-bit `d_off`: javac fails "Value too large for defined
    data type" listing its class path), and overlayfs passes unmerged directories through.
    tmpfs numbers its directory entries from 0, so a 32-bit image is unpacked and run there.
    """
    _checked(["mount", "-t", "tmpfs", "tmpfs", str(work)])
    try:
        yield
    finally:
        # Best effort: the namespace, and the mount with it, ends with the runner anyway.
        subprocess.run(["umount", str(work)], capture_output=True)


def _checked(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise ContainerError(f"{' '.join(argv)} failed: {done.stderr.strip()}")

"""Security invariants every distroless image keeps, checked on the unpacked filesystem.

- no setuid or setgid file: nothing in the image can raise a process's privileges (a setgid
  directory only passes its group on to new files, and is allowed);
- nothing world-writable but the sticky scratch directories: /tmp (required), and /var/tmp and
  /var/lock as Debian's base-files creates them (gcr.io/distroless has them too); symlinks,
  always 0777, don't count;
- everything owned by root (0:0), except /home/nonroot and what is below it, which may belong
  to the nonroot user (65532:65532), and /var/local, which base-files gives to group staff (50);
- no package manager (dpkg, apt): images are changed by rebuilding them, never in place;
- non-debug images have no shell (/bin/sh, /busybox, bash, dash); debug images do have
  /busybox/sh, as that is what they are for.
"""

from __future__ import annotations

import fnmatch
import stat

from private.structure_test import rootfs
from private.structure_test.checks import CheckResult, Target

NONROOT_HOME = "/home/nonroot"
NONROOT_IDS = (65532, 65532)
STICKY_WRITABLE = ("/tmp", "/var/tmp", "/var/lock")
REQUIRED_STICKY = ("/tmp",)
# Owners other than 0:0 that Debian's base-files sets and distroless keeps.
DEBIAN_OWNERS = {"/var/local": (0, 50)}
PACKAGE_MANAGER_GLOBS = tuple(
    f"{d}/{name}"
    for d in ("/bin", "/sbin", "/usr/bin", "/usr/sbin")
    for name in ("dpkg", "dpkg-*", "apt", "apt-*", "aptitude")
)
SHELLS = tuple(f"{d}/{sh}" for d in ("/bin", "/usr/bin") for sh in ("sh", "bash", "dash", "ash"))
DEBUG_SHELLS = ("/busybox", "/busybox/sh")
SHOWN_PATHS = 20  # the most offending paths listed per invariant


def _listed(paths: list[str], what: str) -> list[str]:
    shown = paths[:SHOWN_PATHS]
    more = len(paths) - len(shown)
    return [f"{what}: {p}" for p in shown] + ([f"... and {more} more"] if more else [])


def check_invariants(target: Target, debug: bool) -> list[CheckResult]:
    setid: list[str] = []
    writable: list[str] = []
    owners: list[str] = []
    package_managers: list[str] = []
    for path, info in rootfs.walk(target.rootfs):
        mode = info.st_mode
        if (
            not stat.S_ISLNK(mode)
            and not stat.S_ISDIR(mode)
            and mode & (stat.S_ISUID | stat.S_ISGID)
        ):
            setid.append(f"{path} ({rootfs.go_mode_string(mode)})")
        if not stat.S_ISLNK(mode) and mode & stat.S_IWOTH:
            sticky_ok = path in STICKY_WRITABLE and stat.S_ISDIR(mode) and mode & stat.S_ISVTX
            if not sticky_ok:
                writable.append(f"{path} ({rootfs.go_mode_string(mode)})")
        owner = (info.st_uid, info.st_gid)
        in_home = path == NONROOT_HOME or path.startswith(NONROOT_HOME + "/")
        debian_owner = DEBIAN_OWNERS.get(path) == owner
        if owner != (0, 0) and not (in_home and owner == NONROOT_IDS) and not debian_owner:
            owners.append(f"{path} ({info.st_uid}:{info.st_gid})")
        if any(fnmatch.fnmatchcase(path, glob) for glob in PACKAGE_MANAGER_GLOBS):
            package_managers.append(path)
    for path in REQUIRED_STICKY:
        if not rootfs.exists(target.rootfs, path):
            writable.append(f"{path} is missing (expected a sticky world-writable directory)")

    results = [
        CheckResult("Invariant", "no setuid/setgid files", _listed(setid, "setuid/setgid")),
        CheckResult(
            "Invariant",
            "nothing world-writable but sticky /tmp, /var/tmp, /var/lock",
            _listed(writable, "writable"),
        ),
        CheckResult(
            "Invariant",
            f"owned by 0:0 except {NONROOT_HOME} (65532:65532) and /var/local (0:50)",
            _listed(owners, "owned by"),
        ),
        CheckResult(
            "Invariant", "no dpkg/apt binaries", _listed(package_managers, "package manager")
        ),
    ]
    if debug:
        missing = [p for p in DEBUG_SHELLS if not rootfs.exists(target.rootfs, p)]
        results.append(
            CheckResult("Invariant", "debug image has /busybox/sh", _listed(missing, "missing"))
        )
    else:
        shells = [p for p in SHELLS + DEBUG_SHELLS if rootfs.exists(target.rootfs, p)]
        results.append(
            CheckResult("Invariant", "no shell in a non-debug image", _listed(shells, "shell"))
        )
    return results

"""Look at files of an unpacked root filesystem as a process inside the image would see them.

Symbolic links are resolved against the image's root, never the host's: an absolute link
target such as /usr/lib/os-release means <rootfs>/usr/lib/os-release.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Go's os.FileMode.String() letters, highest bit first: CST prints and compares permissions in
# this form, so `drwxrwxrwt` in `ls -l` is `dtrwxrwxrwx` here, and a setuid file `urwxr-xr-x`.
_GO_TYPE_LETTERS = (
    # (predicate on st_mode, letter) in the order of Go's "dalTLDpSugct?"
    (stat.S_ISDIR, "d"),
    (stat.S_ISLNK, "L"),
    (lambda m: stat.S_ISBLK(m) or stat.S_ISCHR(m), "D"),
    (stat.S_ISFIFO, "p"),
    (stat.S_ISSOCK, "S"),
    (lambda m: bool(m & stat.S_ISUID), "u"),
    (lambda m: bool(m & stat.S_ISGID), "g"),
    (stat.S_ISCHR, "c"),
    (lambda m: bool(m & stat.S_ISVTX), "t"),
)

_MAX_LINKS = 40  # as Linux's MAXSYMLINKS: a loop ends with an error, not a hang


class PathError(Exception):
    """A path does not exist in the image, or cannot be resolved inside it."""


def go_mode_string(mode: int) -> str:
    """The permission string CST compares `permissions` with (Go's FileMode.String())."""
    letters = "".join(letter for test, letter in _GO_TYPE_LETTERS if test(mode)) or "-"
    rwx = "".join(c if mode & (1 << (8 - i)) else "-" for i, c in enumerate("rwxrwxrwx"))
    return letters + rwx


def resolve(rootfs: Path, path: str, follow_last: bool = True) -> Path:
    """The host path of `path` inside the image, following symlinks inside the image.

    With follow_last=False the last component is not followed (lstat semantics): a test of a
    symlink's own permissions sees `Lrwxrwxrwx`, as CST's drivers report.
    """
    parts = [p for p in path.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = rootfs.joinpath(*resolved, part)
        is_last = not parts
        if candidate.is_symlink() and (follow_last or not is_last):
            links += 1
            if links > _MAX_LINKS:
                raise PathError(f"{path}: too many levels of symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return rootfs.joinpath(*resolved)


def lstat(rootfs: Path, path: str) -> os.stat_result:
    host = resolve(rootfs, path, follow_last=False)
    try:
        return host.lstat()
    except FileNotFoundError:
        raise PathError(f"{path} does not exist in the image") from None


def read(rootfs: Path, path: str) -> bytes:
    host = resolve(rootfs, path)
    if host.is_dir():
        raise PathError(f"{path} is a directory, not a file")
    try:
        return host.read_bytes()
    except FileNotFoundError:
        raise PathError(f"{path} does not exist in the image") from None


def exists(rootfs: Path, path: str) -> bool:
    try:
        lstat(rootfs, path)
    except PathError:
        return False
    return True


def walk(rootfs: Path):
    """(image path, lstat) of every path in the image except the root itself, in a stable order.
    Symlinks to directories are listed, not followed."""
    for directory, dirnames, filenames in os.walk(rootfs):
        dirnames.sort()
        base = "/" + os.path.relpath(directory, rootfs)
        base = "/" if base == "/." else base
        for name in sorted(dirnames + filenames):
            host = os.path.join(directory, name)
            yield os.path.join(base, name), os.lstat(host)

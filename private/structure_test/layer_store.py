"""Root filesystems of images assembled from a store of unpacked layers, shared by all tests.

The catalog's images share most of their layers (every image holds base's, the root and nonroot
variants hold the same ones), and unpacking whole images with umoci was most of a structure
test's time outside commands under qemu: 4.2 s of the 6.9 s java17 debug takes on amd64. Here each
layer blob is extracted once, by GNU tar, into a directory of the store named after its digest,
and a test's root filesystem is an overlayfs of those directories, mounted in the runner's
private mount namespace. OCI whiteouts become overlayfs whiteouts (a `.wh.NAME` entry a 0:0
character device, `.wh..wh..opq` the `trusted.overlay.opaque` attribute of its directory), so the
merged view is what umoci's unpack would write (tests/structure/test_layer_store.py compares them).

The store is a directory named by $STRUCTURE_TEST_LAYER_STORE (tools/bazel sets it for tests);
without it the runner unpacks with umoci as before. Concurrent runners share it: a layer is
extracted into a temporary directory and renamed into place, a runner holds a shared lock on the
store while it runs, and the least recently used layers beyond MAX_BYTES are removed only by a
runner that gets the lock alone.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from private.structure_test import oci

STORE_ENV = "STRUCTURE_TEST_LAYER_STORE"
MAX_BYTES = 8 << 30
_WHITEOUT = ".wh."
_OPAQUE = ".wh..wh..opq"
_NAME_LENGTH = 24  # hex digits of the digest: names stay short, so 100 layers fit a mount call


class StoreError(Exception):
    """A layer could not be extracted into the store, or the overlay could not be mounted."""


@dataclass(frozen=True)
class Lower:
    """The read-only layers of an overlay, uppermost first; relative paths are relative to
    `cwd`, which keeps the mount options of an image of many layers short."""

    dirs: tuple[str, ...]
    cwd: str | None = None


class LayerStore:
    """A directory of unpacked layers; use as a context manager (it holds the store's lock)."""

    def __init__(self, root: Path, max_bytes: int = MAX_BYTES) -> None:
        self.root = root
        self.layers = root / "layers"
        self.sizes = root / "sizes"
        self.max_bytes = max_bytes
        self._lock: int | None = None

    def __enter__(self) -> LayerStore:
        for directory in (self.layers, self.sizes):
            directory.mkdir(parents=True, exist_ok=True)
        self._lock = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(self._lock, fcntl.LOCK_SH)  # another runner uses the store: no pruning
        else:
            self.prune()
            fcntl.flock(self._lock, fcntl.LOCK_SH)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def layer(self, blob: Path, digest: str) -> str:
        """The store's name (under self.layers) of the unpacked layer blob, extracted if new."""
        name = digest.partition(":")[2][:_NAME_LENGTH]
        if len(name) != _NAME_LENGTH:
            raise StoreError(f"layer digest {digest!r} is not algorithm:hex")
        final = self.layers / name
        if final.is_dir():
            os.utime(final)  # least recently used goes first when pruning
            return name
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=self.layers))
        try:
            os.chmod(scratch, 0o755)  # a layer without a "./" entry leaves the root as a mkdir
            done = subprocess.run(
                ["tar", "-x", "-f", str(blob), "-C", str(scratch), "--numeric-owner"]
                + ["--same-owner", "--same-permissions"],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise StoreError(f"tar could not extract layer {digest}: {done.stderr.strip()}")
            size = _to_overlay_whiteouts(scratch)
            (self.sizes / name).write_text(f"{size}\n")
            try:
                os.rename(scratch, final)
            except OSError as error:
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                # Another runner extracted the same layer meanwhile: its copy is as good.
        finally:
            if scratch.exists():
                shutil.rmtree(scratch, ignore_errors=True)
        return name

    def prune(self) -> None:
        """Removes the least recently used layers until the store holds at most max_bytes.
        Called only while this runner holds the lock alone."""
        entries = []
        total = 0
        for path in self.layers.iterdir():
            try:
                size = int((self.sizes / path.name).read_text())
            except (OSError, ValueError):
                size = None
            if path.name.startswith(".") or size is None:
                # Left by a runner killed mid-extraction, or of a size the total cannot count.
                self._remove(path)
                continue
            entries.append((path.stat().st_mtime, path, size))
            total += size
        for _, path, size in sorted(entries):
            if total <= self.max_bytes:
                break
            self._remove(path)
            total -= size

    def _remove(self, layer: Path) -> None:
        shutil.rmtree(layer, ignore_errors=True)
        (self.sizes / layer.name).unlink(missing_ok=True)


def _to_overlay_whiteouts(root: Path) -> int:
    """Turns the OCI whiteouts under root into overlayfs ones; returns the bytes used."""
    used = 0
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            used += info.st_blocks * 512
            if not name.startswith(_WHITEOUT):
                continue
            os.unlink(path)
            if name == _OPAQUE:
                os.setxattr(directory, "trusted.overlay.opaque", b"y")
            else:
                hidden = os.path.join(directory, name[len(_WHITEOUT) :])
                os.mknod(hidden, stat.S_IFCHR | 0o600, os.makedev(0, 0))
        dirnames[:] = [d for d in dirnames if not d.startswith(_WHITEOUT)]
    return used


_libc = ctypes.CDLL(None, use_errno=True)


def mount_overlay(target: Path, lower: Lower, upper: Path | None = None) -> None:
    """Mounts an overlayfs of `lower` at target; read-only without `upper` (then `lower` needs
    two directories at least), else writes go to `upper` (its work directory is made beside it).

    mount(2) itself rather than mount(8): util-linux passes the options through fsconfig(2),
    which takes at most 256 bytes per value, too few for the lowerdir list of a large image."""
    options = "lowerdir=" + ":".join(lower.dirs)
    if upper is not None:
        work = upper.with_name(upper.name + ".work")
        work.mkdir(exist_ok=True)
        options += f",upperdir={upper},workdir={work}"
    previous = os.getcwd()
    try:
        if lower.cwd:
            os.chdir(lower.cwd)
        result = _libc.mount(b"overlay", os.fsencode(target), b"overlay", 0, options.encode())
        code = ctypes.get_errno()
    finally:
        os.chdir(previous)
    if result != 0:
        raise StoreError(f"mounting an overlay at {target} failed: {os.strerror(code)}")


def unmount(target: Path) -> None:
    if _libc.umount2(os.fsencode(target), 0) != 0:
        code = ctypes.get_errno()
        raise StoreError(f"unmounting {target} failed: {os.strerror(code)}")


@contextmanager
def mounted(target: Path, lower: Lower, upper: Path | None = None) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    mount_overlay(target, lower, upper)
    try:
        yield target
    finally:
        unmount(target)


class AssembledImage:
    """An image's root filesystem as an overlay of the store's layers, at work/rootfs.

    Writable at first (the test's own files go in after the invariants are checked; what they
    create lands in work/files, copied up with the image's owners and modes), then `seal` makes
    it read-only with work/files as its top layer, which every command's overlay stacks on."""

    def __init__(self, store: LayerStore, image: oci.PlatformImage, work: Path) -> None:
        if not image.layers:
            raise StoreError("an image without layers is unpacked by umoci")
        names = [
            store.layer(oci.blob_path(image, la["digest"]), la["digest"]) for la in image.layers
        ]
        self.rootfs = work / "rootfs"
        self.files = work / "files"
        self.files.mkdir(parents=True)
        self._layers = tuple(reversed(names))
        self._cwd = str(store.layers)
        self._mounted = False
        self.rootfs.mkdir()
        mount_overlay(self.rootfs, Lower(self._layers, self._cwd), self.files)
        self._mounted = True
        try:
            self.runtime_config = oci.runc_config(image, self.rootfs, work)
        except BaseException:
            self.close()
            raise

    def seal(self) -> Lower:
        """Remounts the root filesystem read-only with the files written so far on top; returns
        what command overlays stack on."""
        lower = Lower((str(self.files),) + self._layers, self._cwd)
        unmount(self.rootfs)
        self._mounted = False
        mount_overlay(self.rootfs, lower)
        self._mounted = True
        return lower

    def close(self) -> None:
        if self._mounted:
            unmount(self.rootfs)
            self._mounted = False

"""The ELF dependency check: an image holds the shared libraries its programs load, and no other.

On the unpacked root filesystem, before the test's own files are copied in:

1. Every ELF file is read (elf.py: PT_INTERP, DT_NEEDED, DT_SONAME, DT_RUNPATH/DT_RPATH) and
   attributed to its Debian package through /var/lib/dpkg/status.d/<package>.md5sums.
2. From the roots, the check follows what the dynamic loader would load: each object's
   interpreter and NEEDED entries (RUNPATH with $ORIGIN, then the multiarch and /lib, /usr/lib
   directories; a program's private library, such as the JVM's libjvm.so, is also found by its
   SONAME below the requester's parent directory, as it is loaded first), and the `DLOPENS`
   below that the image serves. The roots are:
   - every program (an executable: ET_EXEC, or with an interpreter), busybox included, but
     the `INSTALL_HELPERS` that only dpkg triggers run;
   - every object in a `PLUGIN_GLOBS` directory: modules a program loads by path at run time
     (the JRE's lib/*.so through System.loadLibrary, Python's extension modules, OpenSSL's
     providers);
   - every ELF file of the packages the image offers to applications on purpose (`offered`,
     declared per image with the reason in tests/images/images.bzl).
3. It fails on a NEEDED entry, interpreter or served dlopen of a reached object that is not in
   the image, unless the image leaves it out on purpose (`absent`, same place); on a package
   that holds shared objects none of which is reached (a library nothing needs); on an offered
   package the image does not hold, and on an `absent` library that is present or that nothing
   needs (stale declarations).

An object nothing reaches may lack its own dependencies (libglib2.0-0's libgio in the Java
images): nothing loads it.
"""

from __future__ import annotations

import fnmatch
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from private.structure_test import elf, rootfs
from private.structure_test.checks import DPKG_STATUS_DIR, CheckResult, Target

# Shared objects that programs of the images load by path at run time: each is a root.
PLUGIN_GLOBS = (
    # the JRE: libjli loads lib/server/libjvm.so, System.loadLibrary the rest of lib/
    "/usr/lib/jvm/*/lib/*.so",
    "/usr/lib/jvm/*/lib/server/*.so",
    # Python's extension modules (import)
    "/usr/lib/python3*/lib-dynload/*.so",
    "/usr/lib/python3/dist-packages/*.so",
    # OpenSSL's providers and engines (libcrypto: OSSL_PROVIDER_load, ENGINE_by_id; debian13's
    # libssl3t64 Depends on openssl-provider-legacy)
    "/usr/lib/*-linux-gnu*/ossl-modules/*.so",
    "/usr/lib/*-linux-gnu*/engines-3/*.so",
    # glibc's iconv modules (iconv_open, Python's codecs)
    "/usr/lib/*-linux-gnu*/gconv/*.so",
)

# Programs that only a package's maintainer scripts or dpkg triggers run: an image never runs
# them (it has no dpkg), so they are not roots.
INSTALL_HELPERS = (
    # libglib2.0-0's trigger helpers (GSettings schemas, GIO modules)
    "/usr/lib/*-linux-gnu*/glib-2.0/glib-compile-schemas",
    "/usr/lib/*-linux-gnu*/glib-2.0/gio-querymodules",
)


@dataclass(frozen=True)
class Dlopen:
    """A library a program opens with dlopen() by name. `served`: the image must hold it when it
    holds the loader, and it counts as needed; otherwise the loader copes without it (listed so
    the full list is documented, and never an edge)."""

    loader: str  # glob of the loader's path in the image
    soname: str
    served: bool
    why: str


_JRE = "/usr/lib/jvm/*/lib/"
# Found with `strings` on every ELF file of openjdk-17/21/25-jre-headless and libc6 (names of the
# form lib*.so* that are not NEEDED entries); the JRE's loads of its own lib/*.so are roots above.
DLOPENS = (
    Dlopen(
        "*/libc.so.6",
        "libgcc_s.so.1",
        True,
        "glibc unwinds threads with libgcc_s in pthread_cancel, pthread_exit",
    ),
    Dlopen(
        _JRE + "libawt_headless.so",
        "libfontconfig.so.1",
        True,
        "the fonts of server-side text rendering (java.awt.Font, ImageIO text)",
    ),
    Dlopen(
        _JRE + "libawt_headless.so",
        "libcups.so.2",
        False,
        "printing (javax.print): not in headless images",
    ),
    Dlopen(
        _JRE + "libnet.so",
        "libgio-2.0.so.0",
        False,
        "java.net.useSystemProxies=true reads GNOME's proxy settings; a container has none",
    ),
    Dlopen(_JRE + "libnet.so", "libgconf-2.so.4", False, "the same, GNOME 2's GConf"),
    Dlopen(_JRE + "server/libjvm.so", "libnuma.so.1", False, "-XX:+UseNUMA only"),
    Dlopen(_JRE + "server/libjvm.so", "libguestlib.so.0", False, "VMware guest statistics"),
    Dlopen(_JRE + "libsctp.so", "libsctp.so.1", False, "com.sun.nio.sctp only"),
    Dlopen(
        _JRE + "libj2gss.so",
        "libgssapi_krb5.so.2",
        False,
        "Kerberos through the native GSS library (sun.security.jgss.native=true) only",
    ),
    Dlopen(
        _JRE + "libj2pkcs11.so",
        "libsoftokn3.so",
        False,
        "the SunPKCS11 provider, with a configured PKCS#11 library only",
    ),
)

SHOWN = 20
NO_PACKAGE = "(no package)"


@dataclass
class _Object:
    path: str  # the file's path in the image, symlinks resolved
    package: str
    elf: elf.Elf


def _owners(root: Path) -> dict[str, str]:
    """Image path -> the package whose .md5sums lists it."""
    owners: dict[str, str] = {}
    status = root / DPKG_STATUS_DIR.lstrip("/")
    if not status.is_dir():
        return owners
    for md5sums in sorted(status.glob("*.md5sums")):
        package = md5sums.name[: -len(".md5sums")]
        for line in md5sums.read_text(errors="replace").splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2:
                owners["/" + parts[1].strip().lstrip("/")] = package
    return owners


def _canonical(root: Path, path: str) -> str | None:
    """The path of `path` in the image with every symlink resolved, or None if it is absent."""
    try:
        host = rootfs.resolve(root, path)
    except rootfs.PathError:
        return None
    if not host.is_file():
        return None
    return "/" + str(host.relative_to(root))


def scan(root: Path) -> dict[str, _Object]:
    """Every ELF file of the image by its path, with its package."""
    owners = _owners(root)
    by_canonical: dict[str, str] = {}
    for listed, package in owners.items():
        canonical = _canonical(root, listed)
        if canonical:
            by_canonical.setdefault(canonical, package)
    objects: dict[str, _Object] = {}
    for path, _info in rootfs.walk(root):
        host = root / path.lstrip("/")
        if not os.path.isfile(host) or os.path.islink(host) or not elf.is_elf(host):
            continue
        package = owners.get(path) or by_canonical.get(path, NO_PACKAGE)
        objects[path] = _Object(path, package, elf.read(host))
    return objects


def _library_dirs(root: Path) -> list[str]:
    dirs = []
    for base in ("/lib", "/usr/lib"):
        host = root / base.lstrip("/")
        if host.is_dir():
            dirs += sorted(f"{base}/{d}" for d in os.listdir(host) if "-linux-gnu" in d)
    return dirs + ["/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"]


class _Loader:
    def __init__(self, root: Path, objects: dict[str, _Object]):
        self.root = root
        self.objects = objects
        self.dirs = _library_dirs(root)
        self.by_soname: dict[str, list[str]] = {}
        for obj in objects.values():
            if obj.elf.soname:
                self.by_soname.setdefault(obj.elf.soname, []).append(obj.path)

    def search_path(self, requester: _Object, loaded_by: dict[str, str]) -> list[str]:
        """ld.so's own directories for the requester's NEEDED: its RUNPATH if it has one, else
        the RPATH of the requester and of each object up the chain that loaded it."""
        if requester.elf.runpath:
            chain = [(requester, requester.elf.runpath)]
        else:
            chain, path, seen = [], requester.path, set()
            while path in self.objects and path not in seen:
                seen.add(path)
                chain.append((self.objects[path], self.objects[path].elf.rpath))
                path = loaded_by.get(path, "")
        return [
            entry.replace("$ORIGIN", os.path.dirname(obj.path))
            for obj, entries in chain
            for entry in entries
        ]

    def find(self, name: str, requester: _Object, loaded_by: dict[str, str]) -> str | None:
        if "/" in name:
            return _canonical(self.root, name)
        origin = os.path.dirname(requester.path)
        for directory in self.search_path(requester, loaded_by) + self.dirs:
            found = _canonical(self.root, f"{directory}/{name}")
            if found:
                return found
        if any("$ORIGIN" in e for e in requester.elf.runpath + requester.elf.rpath):
            # a program's private library, loaded before the requester (libjvm.so)
            top = os.path.dirname(origin) + "/"
            for path in self.by_soname.get(name, []):
                if path.startswith(top):
                    return path
        return None


def check_elf_deps(target: Target, offered: list[str], absent: list[str]) -> list[CheckResult]:
    root = target.rootfs
    objects = scan(root)
    loader = _Loader(root, objects)
    packages = {o.package for o in objects.values()}
    offered_missing = [p for p in offered if p not in packages and not _has_status(root, p)]

    roots = [
        o.path
        for o in objects.values()
        if (o.elf.is_program and not _matches(o.path, INSTALL_HELPERS))
        or o.package in offered
        or _matches(o.path, PLUGIN_GLOBS)
    ]
    reached: dict[str, str] = {path: "root" for path in roots}
    missing: list[str] = []
    absent_used: set[str] = set()
    queue = deque(roots)
    while queue:
        obj = objects[queue.popleft()]
        wanted = [(n, "NEEDED") for n in obj.elf.needed]
        if obj.elf.interpreter:
            wanted.insert(0, (obj.elf.interpreter, "interpreter"))
        wanted += [
            (d.soname, "dlopen")
            for d in DLOPENS
            if d.served and fnmatch.fnmatchcase(obj.path, d.loader)
        ]
        for name, how in wanted:
            found = loader.find(name, obj, reached)
            if found is None:
                if os.path.basename(name) in absent:
                    absent_used.add(os.path.basename(name))
                else:
                    missing.append(
                        f"{name} ({how} of {obj.path}, {obj.package}) is not in the image"
                    )
                continue
            if found in objects and found not in reached:
                reached[found] = obj.path
                queue.append(found)

    by_package: dict[str, list[str]] = {}
    for obj in objects.values():
        if not obj.elf.is_program:
            by_package.setdefault(obj.package, []).append(obj.path)
    unneeded = [
        f"{package}: nothing loads its {', '.join(sorted(paths)[:3])}"
        + (f" (and {len(paths) - 3} more)" if len(paths) > 3 else "")
        for package, paths in sorted(by_package.items())
        if package != NO_PACKAGE and not any(p in reached for p in paths)
    ]
    stale = [
        f"{name} is declared absent on purpose, but "
        + ("the image holds it" if name in loader.by_soname else "nothing needs it")
        for name in absent
        if name not in absent_used
    ]
    stale += [f"{p} is declared offered, but the image does not hold it" for p in offered_missing]
    return [
        CheckResult(
            "ElfDeps", "every library a reached ELF object needs is in the image", _listed(missing)
        ),
        CheckResult(
            "ElfDeps",
            "every package with shared objects is needed or offered",
            _listed([f"not needed: {u}" for u in unneeded]),
        ),
        CheckResult(
            "ElfDeps", "the declared offered and absent libraries are up to date", _listed(stale)
        ),
    ]


def _matches(path: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, g) for g in globs)


def _has_status(root: Path, package: str) -> bool:
    return (root / DPKG_STATUS_DIR.lstrip("/") / package).is_file()


def _listed(lines: list[str]) -> list[str]:
    shown = lines[:SHOWN]
    more = len(lines) - len(shown)
    return shown + ([f"... and {more} more"] if more else [])

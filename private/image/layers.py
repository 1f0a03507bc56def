#!/usr/bin/env python3
"""Layers the images need besides whole Debian packages, each written deterministically.

files    a layer of files, directories and symlinks described by a JSON spec
cacerts  the CA bundle (and optionally Java's keystore) from the ca-certificates .deb
busybox  busybox-static's binary under /busybox with a symlink per applet
node     the node binary of an official Node.js build (npm tarball) under /nodejs
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import re
import struct
import sys
import tarfile
from dataclasses import dataclass

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "debian"))
from deb_layer import LayerError, read_ar, read_control, status_entry  # noqa: E402

CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"
JAVA_KEYSTORE = "etc/ssl/certs/java/cacerts"


@dataclass(frozen=True)
class Entry:
    """One layer entry; `content` for files, `target` for symlinks."""

    path: str
    kind: str = "file"  # file | dir | symlink
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    content: bytes = b""
    target: str = ""


def write_layer(entries: list[Entry], out: str) -> None:
    """A gzip tar of the entries with parents created, sorted, mtime 0, fixed gzip header."""
    by_path = {e.path.strip("/"): e for e in entries}
    for path in list(by_path):
        parent = os.path.dirname(path)
        while parent and parent not in by_path:
            by_path[parent] = Entry(parent, "dir", 0o755)
            parent = os.path.dirname(parent)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for path in sorted(by_path):
            entry = by_path[path]
            info = tarfile.TarInfo(path)
            info.mode, info.uid, info.gid = entry.mode, entry.uid, entry.gid
            info.uname = info.gname = ""
            if entry.kind == "dir":
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.kind == "symlink":
                info.type, info.linkname = tarfile.SYMTYPE, entry.target
                tar.addfile(info)
            else:
                info.size = len(entry.content)
                tar.addfile(info, io.BytesIO(entry.content))
    with open(out, "wb") as f, gzip.GzipFile("", "wb", 9, f, mtime=0) as gz:
        gz.write(raw.getvalue())


def spec_entries(spec: list[dict]) -> list[Entry]:
    entries = []
    for item in spec:
        content = item.get("content", "").encode()
        if "src" in item:
            with open(item["src"], "rb") as f:
                content = f.read()
        entries.append(
            Entry(
                path=item["path"],
                kind=item.get("kind", "file"),
                mode=int(item.get("mode", "0755" if item.get("kind") == "dir" else "0644"), 8),
                uid=int(item.get("uid", 0)),
                gid=int(item.get("gid", 0)),
                content=content,
                target=item.get("target", ""),
            )
        )
    return entries


def deb_files(deb_path: str, package: str) -> tuple[dict[str, bytes], str, bytes]:
    """Regular files of a .deb by path (no leading ./), its control text and md5sums."""
    with open(deb_path, "rb") as f:
        members = read_ar(f.read(), package)
    control, md5sums = read_control(members.control_tar, package)
    files = {}
    with tarfile.open(fileobj=io.BytesIO(members.data_tar)) as tar:
        for member in tar:
            if member.isreg():
                files[member.name.removeprefix("./")] = tar.extractfile(member).read()
    return files, control, md5sums


def status_entries(package: str, control: str) -> list[Entry]:
    """The dpkg status entry of a package whose files are taken only in part (no md5sums)."""
    return [Entry(f"var/lib/dpkg/status.d/{package}", content=status_entry(control))]


def pem_certificates(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """(name, PEM) of every CA certificate the package ships, sorted like update-ca-certificates."""
    certs = sorted(
        (path.rsplit("/", 1)[1].removesuffix(".crt"), data)
        for path, data in files.items()
        if path.startswith("usr/share/ca-certificates/") and path.endswith(".crt")
    )
    if not certs:
        raise LayerError("ca-certificates: the package holds no certificates")
    return certs


def java_keystore(certs: list[tuple[str, bytes]], password: str = "changeit") -> bytes:
    """A JKS keystore of trusted certificates, as Debian's ca-certificates-java writes it."""
    body = io.BytesIO()
    body.write(struct.pack(">IIi", 0xFEEDFEED, 2, len(certs)))
    for name, pem in certs:
        der = base64.b64decode(b"".join(re.findall(rb"^[A-Za-z0-9+/=]+$", pem, re.MULTILINE)))
        alias = f"debian:{name}.pem".lower().encode()
        body.write(struct.pack(">I", 2))  # trusted certificate entry
        body.write(struct.pack(">H", len(alias)) + alias)
        body.write(struct.pack(">q", 0))  # creation time: fixed, for reproducibility
        body.write(struct.pack(">H", 5) + b"X.509")
        body.write(struct.pack(">I", len(der)) + der)
    data = body.getvalue()
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + data).digest()
    return data + digest


def cacerts_entries(deb: str, java: bool) -> list[Entry]:
    """The CA bundle with the package's copyright and status entry; with `java`, only the Java
    keystore (the images that need it already hold the bundle)."""
    files, control, _ = deb_files(deb, "ca-certificates")
    certs = pem_certificates(files)
    if java:
        return [Entry(JAVA_KEYSTORE, content=java_keystore(certs))]
    bundle = b"".join(pem if pem.endswith(b"\n") else pem + b"\n" for _, pem in certs)
    entries = [Entry(CA_BUNDLE, content=bundle)]
    copyright_path = "usr/share/doc/ca-certificates/copyright"
    if copyright_path in files:
        entries.append(Entry(copyright_path, content=files[copyright_path]))
    return entries + status_entries("ca-certificates", control)


def busybox_applets(binary: bytes) -> list[str]:
    """Applet names from busybox's own table: NUL-separated names starting with "[" and "[["."""
    start = binary.find(b"[\x00[[\x00")
    if start < 0:
        raise LayerError("busybox: no applet table in the binary")
    names = []
    for name in binary[start:].split(b"\x00"):
        if not re.fullmatch(rb"[a-z0-9_.\[\]-]+", name):
            break
        names.append(name.decode())
    return names


def busybox_entries(deb: str) -> list[Entry]:
    files, control, _ = deb_files(deb, "busybox-static")
    binary = files.get("bin/busybox") or files.get("usr/bin/busybox")
    if binary is None:
        raise LayerError("busybox-static: no bin/busybox in the package")
    entries = [Entry("busybox", "dir", 0o755), Entry("busybox/busybox", mode=0o755, content=binary)]
    entries += [
        Entry(f"busybox/{applet}", "symlink", 0o777, target="busybox")
        for applet in busybox_applets(binary)
        if applet != "busybox"
    ]
    copyright_path = "usr/share/doc/busybox-static/copyright"
    if copyright_path in files:
        entries.append(Entry(copyright_path, content=files[copyright_path]))
    return entries + status_entries("busybox-static", control)


def locale_entries(deb: str) -> list[Entry]:
    """/usr/lib/locale/C.utf8 of libc-bin, with the package's copyright and status entry (the
    rest of libc-bin, ldconfig and friends, has no place in a distroless image)."""
    files, control, _ = deb_files(deb, "libc-bin")
    locale = {p: data for p, data in files.items() if p.startswith("usr/lib/locale/C.utf8/")}
    if not locale:
        raise LayerError("libc-bin: the package holds no usr/lib/locale/C.utf8")
    entries = [Entry(path, content=data) for path, data in sorted(locale.items())]
    copyright_path = "usr/share/doc/libc-bin/copyright"
    if copyright_path in files:
        entries.append(Entry(copyright_path, content=files[copyright_path]))
    return entries + status_entries("libc-bin", control)


def node_entries(tarball: str) -> list[Entry]:
    """package/bin/node of an official Node.js build as /nodejs/bin/node, with its licence."""
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        if "package/bin/node" not in names:
            raise LayerError(f"{tarball}: no package/bin/node in the npm tarball")
        entries = [
            Entry("nodejs/bin/node", mode=0o755, content=tar.extractfile("package/bin/node").read())
        ]
        if "package/LICENSE" in names:
            content = tar.extractfile("package/LICENSE").read()
            entries.append(Entry("nodejs/LICENSE", content=content))
    return entries


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("files", "cacerts", "busybox", "node", "locale"))
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--spec", help="files: JSON list of {path, kind, mode, uid, gid, content|src}"
    )
    parser.add_argument("--deb", help="cacerts, busybox, locale: the .deb")
    parser.add_argument("--java", action="store_true", help="cacerts: the Java keystore instead")
    parser.add_argument("--tarball", help="node: the npm tarball")
    args = parser.parse_args(argv)
    try:
        if args.kind == "files":
            with open(args.spec) as f:
                entries = spec_entries(json.load(f))
        elif args.kind == "cacerts":
            entries = cacerts_entries(args.deb, args.java)
        elif args.kind == "busybox":
            entries = busybox_entries(args.deb)
        elif args.kind == "locale":
            entries = locale_entries(args.deb)
        else:
            entries = node_entries(args.tarball)
        write_layer(entries, args.out)
    except (LayerError, OSError, KeyError, ValueError) as e:
        print(f"layers {args.kind}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

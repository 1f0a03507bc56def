"""Reading a Debian package (.deb): its ar members, control stanza, md5sums and files."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from dataclasses import dataclass


class LayerError(Exception):
    """A package that cannot become a layer under the release's rules; the message says why."""


@dataclass(frozen=True)
class DebMembers:
    control_tar: bytes
    data_tar: bytes


def read_ar(deb: bytes, name: str) -> DebMembers:
    """Split a .deb (an ar archive) into its control and data tarballs, decompressed."""
    if not deb.startswith(b"!<arch>\n"):
        raise LayerError(f"{name}: not a Debian package (no ar header)")
    members: dict[str, bytes] = {}
    pos = 8
    while pos + 60 <= len(deb):
        header = deb[pos : pos + 60]
        member = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[member] = deb[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size % 2)

    def tarball(prefix: str) -> bytes:
        for member, data in members.items():
            if member.startswith(prefix):
                return decompress(member, data, name)
        raise LayerError(f"{name}: the .deb has no {prefix}* member")

    return DebMembers(control_tar=tarball("control.tar"), data_tar=tarball("data.tar"))


def decompress(member: str, data: bytes, name: str) -> bytes:
    if member.endswith(".xz"):
        return lzma.decompress(data)
    if member.endswith(".gz"):
        return gzip.decompress(data)
    if member.endswith(".tar"):
        return data
    raise LayerError(f"{name}: unsupported compression of {member}")


def read_control(control_tar: bytes, name: str) -> tuple[str, bytes]:
    """The control file (text) and the md5sums file (bytes, may be empty)."""
    with tarfile.open(fileobj=io.BytesIO(control_tar)) as tar:
        files = {m.name.removeprefix("./"): m for m in tar.getmembers() if m.isfile()}
        if "control" not in files:
            raise LayerError(f"{name}: control.tar has no control file")
        control = tar.extractfile(files["control"]).read().decode()
        md5sums = tar.extractfile(files["md5sums"]).read() if "md5sums" in files else b""
    return control, md5sums


def parse_control(control: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in control.splitlines():
        if line[:1] in (" ", "\t") and key:
            fields[key] += "\n" + line
        elif ":" in line:
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    return fields


def status_entry(control: str) -> bytes:
    """The control stanza with dpkg's `Status:` line after `Package:`, as dpkg's status has it."""
    lines = [line for line in control.strip("\n").splitlines() if not line.startswith("Status:")]
    lines.insert(1, "Status: install ok installed")
    return ("\n".join(lines) + "\n").encode()


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

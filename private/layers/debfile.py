"""Reading a Debian package (.deb): its ar members, control stanza, md5sums and files."""

from __future__ import annotations

import gzip
import io
import lzma
import tarfile
from dataclasses import dataclass
from typing import BinaryIO


class LayerError(Exception):
    """A package that cannot become a layer under the release's rules; the message says why."""


@dataclass(frozen=True)
class DebMembers:
    control_tar: bytes  # decompressed: it is small
    data_name: str  # data.tar.xz, data.tar.gz or data.tar
    data_compressed: bytes  # decompressed while read (data_stream): it may be hundreds of MB

    def data_stream(self, name: str) -> BinaryIO:
        """data.tar, decompressed as it is read, for a streaming tarfile (mode "r|")."""
        raw = io.BytesIO(self.data_compressed)
        if self.data_name.endswith(".xz"):
            return lzma.LZMAFile(raw)
        if self.data_name.endswith(".gz"):
            return gzip.GzipFile(fileobj=raw, mode="rb")
        if self.data_name.endswith(".tar"):
            return raw
        raise LayerError(f"{name}: unsupported compression of {self.data_name}")


def read_ar(deb: bytes, name: str) -> DebMembers:
    """Split a .deb (an ar archive) into its control tarball (decompressed) and data tarball."""
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

    def named(prefix: str) -> str:
        for found in members:
            if found.startswith(prefix):
                return found
        raise LayerError(f"{name}: the .deb has no {prefix}* member")

    control, data = named("control.tar"), named("data.tar")
    return DebMembers(decompress(control, members[control], name), data, members[data])


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
    with tarfile.open(fileobj=members.data_stream(package), mode="r|") as tar:
        for member in tar:
            if member.isreg():
                files[member.name.removeprefix("./")] = tar.extractfile(member).read()
    return files, control, md5sums

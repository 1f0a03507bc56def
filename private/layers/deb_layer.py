#!/usr/bin/env python3
"""Turn one Debian package (.deb) into an OCI layer, its dpkg status entry and its SBOM metadata.

The layer holds the package's files as dpkg would install them (modes, owners, symlinks and hard
links from data.tar), minus documentation other than the copyright file, plus
/var/lib/dpkg/status.d/<package> and <package>.md5sums so scanners see the package. It is written
deterministically (sorted as in the .deb, fixed gzip header) so the same .deb gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import tarfile
from dataclasses import dataclass, field
from typing import BinaryIO

from private.layers.debfile import LayerError, parse_control, read_ar, read_control, status_entry
from private.layers.tarball import write_gzip

# Top-level directories that merged-/usr systems replace with symlinks into /usr.
MERGED_DIRS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32", "libo32")
# Documentation dropped like a dpkg path-exclude would (the copyright file stays for licences).
DROPPED_PREFIXES = ("usr/share/man/", "usr/share/info/", "usr/share/lintian/", "usr/share/doc/")
STATUS_DIR = "var/lib/dpkg/status.d"


@dataclass
class LayerReport:
    files: int = 0
    dropped: int = 0
    rewritten: int = 0
    setuid: list[str] = field(default_factory=list)


def normalize(path: str) -> str:
    return path.removeprefix("./").removeprefix("/").rstrip("/")


def keep(path: str, package: str) -> bool:
    if not (path + "/").startswith(DROPPED_PREFIXES):
        return True
    doc_dir = f"usr/share/doc/{package}"
    # The package's doc directory and its copyright file stay (licence scanners read it).
    return path in ("usr/share/doc", doc_dir, f"{doc_dir}/copyright")


def merged_path(path: str) -> str:
    top, _, rest = path.partition("/")
    return f"usr/{top}/{rest}" if top in MERGED_DIRS and rest else path


def check_and_rewrite(member: tarfile.TarInfo, merged_usr: bool, package: str) -> str | None:
    """The member's path in the layer, or None to leave it out; raises on a /usr-merge conflict."""
    path = normalize(member.name)
    top = path.split("/", 1)[0]
    if merged_usr and path in MERGED_DIRS:
        if member.issym():
            return path  # the /bin -> usr/bin style symlink itself (base-files ships them)
        if member.isdir():
            return None  # the symlink from base-files stays; contents move below /usr
        raise LayerError(f"{package}: /{path} is a file, which would replace a merged-/usr symlink")
    if not merged_usr and path == top and top in MERGED_DIRS and member.issym():
        raise LayerError(
            f"{package}: /{path} is a symlink, but this release keeps /{path} a directory "
            "(a symlink would hide the files other packages install there)"
        )
    return merged_path(path) if merged_usr else path


@dataclass(frozen=True)
class Layer:
    """What writing a layer found out: its report, control fields, copyright text and digest."""

    report: LayerReport
    fields: dict[str, str]
    copyright_text: str
    sha256: str
    size: int


def write_layer(deb: bytes, package: str, merged_usr: bool, setuid: str, out: BinaryIO) -> Layer:
    """Writes the layer of a .deb to `out`: data.tar is read as it is decompressed and the
    layer's tar is held in memory for libdeflate (tarball.py)."""
    members = read_ar(deb, package)
    control, md5sums = read_control(members.control_tar, package)
    fields = parse_control(control)
    if fields.get("Package") != package:
        raise LayerError(f"{package}: the .deb contains package {fields.get('Package')!r}")
    report = LayerReport()
    copyright_path = f"usr/share/doc/{package}/copyright"
    copyright_text = ""
    tar = io.BytesIO()
    with (
        tarfile.open(fileobj=members.data_stream(package), mode="r|") as data,
        tarfile.open(fileobj=tar, mode="w", format=tarfile.GNU_FORMAT) as layer,
    ):
        written: set[str] = set()
        for member in data:
            path = normalize(member.name)
            if path in ("", "."):
                continue
            if not keep(path, package):
                report.dropped += 1
                continue
            new_path = check_and_rewrite(member, merged_usr, package)
            if new_path is None:
                continue
            if new_path != path:
                report.rewritten += 1
            member.name = new_path
            if member.islnk():
                target = normalize(member.linkname)
                member.linkname = merged_path(target) if merged_usr else target
            if member.mode & 0o6000 and not member.isdir():
                report.setuid.append(f"/{new_path} ({member.mode:o})")
                if setuid == "strip":
                    member.mode &= ~0o6000
            report.files += 1
            written.add(new_path)
            content = data.extractfile(member) if member.isreg() else None
            if new_path == copyright_path:
                # Read here for the SBOM's licences; the last entry of the path is what counts.
                text = content.read() if content else b""
                copyright_text = text.decode(errors="replace")
                content = io.BytesIO(text) if content else None
            layer.addfile(member, content)
        if report.setuid and setuid == "reject":
            raise LayerError(
                f"{package}: setuid/setgid files {', '.join(report.setuid)}; distroless images "
                'have none (strip the bits with setuid = "strip" if the package must be included)'
            )
        # A path twice in one layer is refused by some clients (podman 5: "duplicates of file
        # paths not supported"); base-files already ships /var/lib/dpkg.
        for directory in ("var", "var/lib", "var/lib/dpkg", STATUS_DIR):
            if directory in written:
                continue
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            layer.addfile(info)
        add_file(layer, f"{STATUS_DIR}/{package}", status_entry(control))
        if md5sums:
            add_file(layer, f"{STATUS_DIR}/{package}.md5sums", md5sums)
    sha256, size = write_gzip(tar.getbuffer(), out)
    return Layer(report, fields, copyright_text, sha256, size)


def build_layer(
    deb: bytes, package: str, merged_usr: bool, setuid: str
) -> tuple[bytes, LayerReport, dict[str, str]]:
    """write_layer into memory: the layer's bytes, its report and the control fields."""
    out = io.BytesIO()
    layer = write_layer(deb, package, merged_usr, setuid, out)
    return out.getvalue(), layer.report, layer.fields


def add_file(layer: tarfile.TarFile, path: str, content: bytes) -> None:
    info = tarfile.TarInfo(path)
    info.size, info.mode = len(content), 0o644
    layer.addfile(info, io.BytesIO(content))


def licenses(copyright_text: str) -> list[str]:
    """The distinct `License:` short names of a machine-readable (DEP-5) copyright file; none
    for a free-form one, whose `License:` lines are prose, not names."""
    if not copyright_text.startswith("Format:"):
        return []
    names = re.findall(r"^License:[ \t]*(\S[^\n]*)$", copyright_text, flags=re.MULTILINE)
    return sorted({name.strip() for name in names})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deb", required=True)
    parser.add_argument("--package", required=True)
    parser.add_argument("--merged-usr", action="store_true")
    parser.add_argument("--setuid", choices=("reject", "strip", "keep"), default="reject")
    parser.add_argument("--metadata", required=True, help="extra JSON metadata (lock entry)")
    parser.add_argument("--out-layer", required=True)
    parser.add_argument("--out-metadata", required=True)
    args = parser.parse_args(argv)
    with open(args.deb, "rb") as f:
        deb = f.read()
    try:
        with open(args.out_layer, "wb") as out:
            layer = write_layer(deb, args.package, args.merged_usr, args.setuid, out)
    except LayerError as e:
        print(f"deb_layer: {e}", file=sys.stderr)
        return 1
    fields = layer.fields
    metadata = json.loads(args.metadata)
    metadata.update(
        {
            "package": args.package,
            "version": fields.get("Version", ""),
            "architecture": fields.get("Architecture", ""),
            "source": fields.get("Source", args.package).split(" ")[0],
            "maintainer": fields.get("Maintainer", ""),
            "homepage": fields.get("Homepage", ""),
            "installed_size_kib": int(fields.get("Installed-Size", "0") or 0),
            "licenses": licenses(layer.copyright_text),
            "copyright_path": f"/usr/share/doc/{args.package}/copyright"
            if layer.copyright_text
            else "",
            "layer_sha256": layer.sha256,
            "layer_size": layer.size,
            "files": layer.report.files,
        }
    )
    with open(args.out_metadata, "w") as f:
        json.dump(metadata, f, indent=1, sort_keys=True)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

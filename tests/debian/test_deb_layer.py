"""deb_layer.py on .debs built here with dpkg-deb: what reaches the layer, and what is refused."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from private.layers import deb_layer


def make_deb(tmp_path: Path, package: str, tree: dict[str, tuple], **control) -> bytes:
    """A real .deb: tree maps path -> ("file", mode, text) | ("dir", mode) | ("sym", target)
    | ("hard", target)."""
    root = tmp_path / f"{package}-build"
    (root / "DEBIAN").mkdir(parents=True)
    fields = {"Package": package, "Version": "1.0-1", "Architecture": "amd64"}
    fields.update(control)
    fields.setdefault("Maintainer", "Test <test@example.invalid>")
    fields.setdefault("Description", "test package")
    (root / "DEBIAN" / "control").write_text("".join(f"{k}: {v}\n" for k, v in fields.items()))
    (root / "DEBIAN" / "md5sums").write_text("d41d8cd98f00b204e9800998ecf8427e  usr/bin/tool\n")
    order = {"dir": 0, "file": 1, "sym": 2, "hard": 3}  # a hard link needs its target first
    for path, spec_ in sorted(tree.items(), key=lambda item: (order[item[1][0]], item[0])):
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        kind = spec_[0]
        if kind == "dir":
            target.mkdir(exist_ok=True)
        elif kind == "file":
            target.write_text(spec_[2])
        elif kind == "sym":
            target.symlink_to(spec_[1])
        elif kind == "hard":
            os.link(root / spec_[1], target)
    for path, spec_ in tree.items():  # modes last: a 0555 dir must still take its files
        if spec_[0] in ("dir", "file"):
            os.chmod(root / path, spec_[1])
    out = tmp_path / f"{package}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(out)],
        check=True,
        capture_output=True,
    )
    return out.read_bytes()


def members(layer: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_keeps_modes_owners_links_and_writes_status(tmp_path):
    deb = make_deb(
        tmp_path,
        "tool",
        {
            "tmp": ("dir", 0o1777),
            "usr/bin/tool": ("file", 0o755, "#!tool\n"),
            "usr/bin/tool-alias": ("sym", "tool"),
            "usr/bin/tool-hard": ("hard", "usr/bin/tool"),
            "usr/share/doc/tool/copyright": ("file", 0o644, "License: MIT\n"),
            "usr/share/doc/tool/changelog.gz": ("file", 0o644, "x"),
            "usr/share/man/man1/tool.1.gz": ("file", 0o644, "x"),
        },
        Source="tool-src (1.0-0)",
    )
    layer, report, fields = deb_layer.build_layer(deb, "tool", merged_usr=False, setuid="reject")
    got = members(layer)
    assert got["tmp"].mode == 0o1777 and got["tmp"].isdir()
    assert got["usr/bin/tool"].mode == 0o755
    assert got["usr/bin/tool-alias"].issym() and got["usr/bin/tool-alias"].linkname == "tool"
    hard = got["usr/bin/tool-hard"] if got["usr/bin/tool-hard"].islnk() else got["usr/bin/tool"]
    assert hard.islnk() and hard.linkname in ("usr/bin/tool", "usr/bin/tool-hard")
    assert all((m.uid, m.gid) == (0, 0) for m in got.values())
    assert "usr/share/doc/tool/copyright" in got
    assert "usr/share/doc/tool/changelog.gz" not in got
    assert not any(name.startswith("usr/share/man") for name in got)
    assert report.dropped >= 2
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        status = tar.extractfile("var/lib/dpkg/status.d/tool").read().decode()
        md5sums = tar.extractfile("var/lib/dpkg/status.d/tool.md5sums").read().decode()
    assert status.splitlines()[:2] == ["Package: tool", "Status: install ok installed"]
    assert "Version: 1.0-1" in status.splitlines()
    assert md5sums.endswith("usr/bin/tool\n")
    assert fields["Source"] == "tool-src (1.0-0)"


def test_same_deb_gives_identical_layer(tmp_path):
    deb = make_deb(tmp_path, "tool", {"usr/bin/tool": ("file", 0o755, "x")})
    first = deb_layer.build_layer(deb, "tool", merged_usr=False, setuid="reject")[0]
    second = deb_layer.build_layer(deb, "tool", merged_usr=False, setuid="reject")[0]
    assert first == second


def test_layer_reports_its_digest_copyright_and_a_fixed_gzip_header(tmp_path):
    deb = make_deb(
        tmp_path,
        "tool",
        {
            "usr/bin/tool": ("file", 0o755, "x" * 100_000),
            "usr/share/doc/tool/copyright": ("file", 0o644, "Format: x\nLicense: MIT\n"),
        },
    )
    out = io.BytesIO()
    layer = deb_layer.write_layer(deb, "tool", merged_usr=False, setuid="reject", out=out)
    data = out.getvalue()
    assert (layer.sha256, layer.size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert layer.copyright_text == "Format: x\nLicense: MIT\n"
    # gzip header: magic, deflate, no flags (so no file name), mtime 0, OS "unknown".
    assert data[:8] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00" and data[9] == 255
    assert members(data)["usr/share/doc/tool/copyright"].size == 23


def test_setuid_is_rejected_unless_stripped_or_kept(tmp_path):
    deb = make_deb(tmp_path, "su", {"usr/bin/su": ("file", 0o4755, "x")})
    with pytest.raises(deb_layer.LayerError, match=r"setuid/setgid files /usr/bin/su \(4755\)"):
        deb_layer.build_layer(deb, "su", merged_usr=False, setuid="reject")
    stripped = deb_layer.build_layer(deb, "su", merged_usr=False, setuid="strip")[0]
    assert members(stripped)["usr/bin/su"].mode == 0o755
    kept = deb_layer.build_layer(deb, "su", merged_usr=False, setuid="keep")[0]
    assert members(kept)["usr/bin/su"].mode == 0o4755


def test_merged_usr_moves_paths_below_usr_and_keeps_symlinks(tmp_path):
    deb = make_deb(
        tmp_path,
        "libfoo",
        {
            "lib/x86_64-linux-gnu/libfoo.so.1": ("file", 0o644, "elf"),
            "lib/x86_64-linux-gnu/libfoo.so": ("hard", "lib/x86_64-linux-gnu/libfoo.so.1"),
            "bin/foo": ("file", 0o755, "x"),
        },
    )
    layer, report, _ = deb_layer.build_layer(deb, "libfoo", merged_usr=True, setuid="reject")
    got = members(layer)
    assert "usr/lib/x86_64-linux-gnu/libfoo.so.1" in got and "usr/bin/foo" in got
    assert not any(name == "lib" or name.startswith(("lib/", "bin/")) for name in got)
    links = [m for m in got.values() if m.islnk()]
    assert links and all(m.linkname.startswith("usr/lib/") for m in links)
    assert report.rewritten >= 2

    base_files = make_deb(
        tmp_path, "base-files", {"bin": ("sym", "usr/bin"), "usr/bin": ("dir", 0o755)}
    )
    got = members(
        deb_layer.build_layer(base_files, "base-files", merged_usr=True, setuid="reject")[0]
    )
    assert got["bin"].issym() and got["bin"].linkname == "usr/bin"


def test_merged_usr_conflicts_fail_the_build(tmp_path):
    # A file where the release has a /usr-merge symlink would replace it.
    deb = make_deb(tmp_path, "bad", {"lib": ("file", 0o644, "x")})
    with pytest.raises(deb_layer.LayerError, match="would replace a merged-/usr symlink"):
        deb_layer.build_layer(deb, "bad", merged_usr=True, setuid="reject")
    # A symlink where the release keeps a directory would hide other packages' files.
    deb = make_deb(tmp_path, "bad2", {"lib": ("sym", "usr/lib"), "usr/lib": ("dir", 0o755)})
    with pytest.raises(deb_layer.LayerError, match="this release keeps /lib a directory"):
        deb_layer.build_layer(deb, "bad2", merged_usr=False, setuid="reject")


def test_wrong_package_and_garbage_are_refused(tmp_path):
    deb = make_deb(tmp_path, "tool", {"usr/bin/tool": ("file", 0o755, "x")})
    with pytest.raises(deb_layer.LayerError, match="contains package 'tool'"):
        deb_layer.build_layer(deb, "other", merged_usr=False, setuid="reject")
    with pytest.raises(deb_layer.LayerError, match="not a Debian package"):
        deb_layer.build_layer(b"<html>404</html>", "tool", merged_usr=False, setuid="reject")


def test_licenses_reads_dep5_short_names():
    text = (
        "Format: x\n\nFiles: *\nLicense: GPL-2+\n\nFiles: a\nLicense: MIT\n text\n\nLicense: MIT\n"
    )
    assert deb_layer.licenses(text) == ["GPL-2+", "MIT"]
    # A free-form copyright file's "License:" lines are prose, not licence names.
    assert deb_layer.licenses("This is free software.\nLicense: Permission to use, copy\n") == []


def test_no_path_twice_when_the_package_ships_var_lib_dpkg(tmp_path):
    # Some clients refuse a layer with a path twice (podman 5: "duplicates of file paths").
    tree = {
        "var/lib/dpkg": ("dir", 0o755),
        "var/lib/misc": ("dir", 0o755),
        "etc/issue": ("file", 0o644, "x"),
    }
    deb = make_deb(tmp_path, "base-files", tree)
    layer = deb_layer.build_layer(deb, "base-files", merged_usr=False, setuid="reject")[0]
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(layer))) as tar:
        names = [m.name for m in tar.getmembers()]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert "var/lib/dpkg/status.d/base-files" in names


def test_a_missing_libdeflate_is_a_one_line_layer_error(tmp_path, monkeypatch):
    from private.layers import tarball

    monkeypatch.setattr(tarball, "LIBDEFLATE", "libdeflate-missing.so.0")
    monkeypatch.setattr(tarball, "_libdeflate", None)
    deb = make_deb(tmp_path, "tool", {"usr/bin/tool": ("file", 0o755, "x")})
    with pytest.raises(deb_layer.LayerError, match="install Debian's libdeflate0"):
        deb_layer.write_layer(deb, "tool", merged_usr=False, setuid="reject", out=io.BytesIO())

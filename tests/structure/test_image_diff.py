"""image_diff.py on layouts made here: identical builds compare equal; a changed file, a file
removed by a whiteout, an added file and a package version change are all reported."""

import os
import shutil

import pytest
from conftest import make_layer

from private.structure_test import image_diff

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("umoci") is None,
    reason="unpacks with umoci as root (run inside the toolchain root: tools/test)",
)

STATUS = "var/lib/dpkg/status.d"


def base_layer(version: str, content: bytes) -> bytes:
    return make_layer(
        {
            "etc": None,
            "etc/config": content,
            "etc/gone": b"removed later\n",
            "var": None,
            "var/lib": None,
            "var/lib/dpkg": None,
            STATUS: None,
            f"{STATUS}/libfoo": f"Package: libfoo\nVersion: {version}\n".encode(),
        }
    )


def test_identical_layouts(layouts, capsys):
    old = layouts("old", {"linux/amd64": [base_layer("1.0", b"a\n")]})
    new = layouts("new", {"linux/amd64": [base_layer("1.0", b"a\n")]})
    assert image_diff.compare(old, new, []) is True
    out = capsys.readouterr().out
    assert "same       linux/amd64 sha256:" in out
    assert "DIFFERENT" not in out


def test_reports_files_and_packages(layouts, capsys):
    old = layouts("old", {"linux/amd64": [base_layer("1.0", b"a\n")], "linux/arm64/v8": []})
    whiteout = make_layer({"etc": None, "etc/.wh.gone": b"", "etc/added": (b"new\n", 0o755, 0)})
    new = layouts(
        "new", {"linux/amd64": [base_layer("1.1", b"bb\n"), whiteout], "linux/arm64/v8": []}
    )
    assert image_diff.compare(old, new, ["amd64"]) is False
    out = capsys.readouterr().out
    assert "DIFFERENT  linux/amd64 sha256:" in out
    assert "linux/arm64/v8" not in out  # not selected
    assert "~ libfoo 1.0 -> 1.1" in out
    assert "+ /etc/added -rwxr-xr-x 0:0 4 sha256:" in out
    assert "- /etc/gone -rw-r--r-- 0:0 14 sha256:" in out
    assert "~ /etc/config -rw-r--r-- 0:0 2 sha256:" in out
    assert "-> -rw-r--r-- 0:0 3 sha256:" in out
    assert "layers: " in out


def test_platform_only_on_one_side(layouts, capsys):
    old = layouts("old", {"linux/amd64": []})
    new = layouts("new", {"linux/amd64": [], "linux/s390x": []})
    assert image_diff.compare(old, new, []) is False
    assert "only in new: linux/s390x" in capsys.readouterr().out

"""tools/bootstrap refuses what it cannot do with one actionable line, and leaves nothing behind."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

BOOTSTRAP = Path(__file__).resolve().parents[2] / "tools" / "bootstrap"


def bootstrap(env: dict[str, str], *prefix: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*prefix, str(BOOTSTRAP)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_not_root(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to drop to another user")
    result = bootstrap(
        {"DISTROLESS_CACHE": str(tmp_path / "cache")},
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "tools/bootstrap: must run as root (it builds a root file system and mounts into it); "
        f"try: sudo {BOOTSTRAP}"
    )
    assert not (tmp_path / "cache").exists()


def test_offline_sources_missing(tmp_path):
    result = bootstrap({"DISTROLESS_OFFLINE": str(tmp_path / "nowhere")})
    assert result.returncode == 1
    assert f"offline sources not found in {tmp_path}/nowhere" in result.stderr
    assert "set DISTROLESS_OFFLINE" in result.stderr


def test_mirror_unreachable(tmp_path):
    offline = tmp_path / "offline"  # only their presence is checked before the mirror
    (offline / "rules_oci-2.2.7").mkdir(parents=True)
    (offline / "regclient-0.8.0").mkdir()
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    result = bootstrap(
        {
            "DISTROLESS_OFFLINE": str(offline),
            "DISTROLESS_CACHE": str(tmp_path / "cache"),
            "DISTROLESS_TOOLCHAIN_MIRROR": "http://127.0.0.1:9/debian",
        }
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "tools/bootstrap: cannot download http://127.0.0.1:9/debian/dists/forky/InRelease: "
        "is the Debian mirror reachable? (set DISTROLESS_TOOLCHAIN_MIRROR)"
    )
    assert not (tmp_path / "cache" / "root.new").exists()

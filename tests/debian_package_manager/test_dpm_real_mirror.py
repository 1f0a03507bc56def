"""Against the real Debian archive: one small index (bookworm-security amd64, ~400 kB) and one
.deb, verified through the whole chain with Debian's own keyring. Runs by default; deselect
it with `-m "not real_mirror"` or DISTROLESS_REAL_MIRROR=0 on a machine without access to
deb.debian.org."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from debian_package_manager.cache import HashCache
from debian_package_manager.config import load_config
from debian_package_manager.fetch import Downloader, Expected
from debian_package_manager.locker import LockOptions, lock_release

KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

CONFIG = f"""\
version: 1
mirrors:
  debian-security: {{url: http://deb.debian.org/debian-security}}
releases:
  debian12:
    codename: bookworm
    version: "12"
    keyrings: [{KEYRING}]
    architectures: [amd64]
    archives:
      # A 7-day Valid-Until on a mirror that may be a frozen copy: accepted, with a warning.
      - {{suite: bookworm-security, mirror: debian-security, valid_until: ignore}}
sets:
  ssl:
    packages: [libssl3]
    no_dependencies: [libssl3]
"""


@pytest.mark.real_mirror
def test_lock_a_small_set_from_the_real_mirror(tmp_path):
    if os.environ.get("DISTROLESS_REAL_MIRROR") == "0":
        pytest.skip("DISTROLESS_REAL_MIRROR=0")
    if not Path(KEYRING).is_file():
        pytest.skip("debian-archive-keyring is not installed")
    config_path = tmp_path / "debian_packages.yaml"
    config_path.write_text(CONFIG)
    release = load_config(config_path).release("debian12")
    downloader = Downloader(HashCache(tmp_path / "cache"), retries=2)
    warnings: list[str] = []
    document = lock_release(release, downloader, LockOptions(), warn=warnings.append)

    archive = document["archives"][0]
    assert archive["codename"] == "bookworm-security"
    assert archive["signed_by"], "no trusted signer recorded"
    assert archive["indexes"]["amd64"][0]["path"] == "main/binary-amd64/Packages.xz"
    entry = document["packages"]["amd64"]["libssl3"]
    assert entry["suite"] == "bookworm-security" and entry["source"] == "openssl"
    assert entry["urls"] == [f"http://deb.debian.org/debian-security/{entry['filename']}"]
    # The end of the chain: the .deb the lock points to has the locked hash.
    deb = downloader.fetch(entry["urls"][0], Expected("sha256", entry["sha256"], entry["size"]))
    assert hashlib.sha256(deb.read_bytes()).hexdigest() == entry["sha256"]

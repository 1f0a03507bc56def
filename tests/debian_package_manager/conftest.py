"""Fixtures: a signed loopback Debian archive, its keyring, a config writer.

Markers: `integration` (loopback archive) and `real_mirror` (talks to deb.debian.org; runs by
default, select or deselect it with -m).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from dpm_archive import (
    MAIN_PACKAGES,
    SNAPSHOT,
    SNAPSHOT_LATER,
    UPDATES_PACKAGES,
    ArchiveBuilder,
    ArchiveServer,
    Pkg,
    Suite,
    now_utc,
)
from dpm_openpgp import SigningKey

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: uses the loopback signed test archive")
    config.addinivalue_line(
        "markers", "real_mirror: downloads a small index from deb.debian.org (network)"
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE not in Path(str(item.fspath)).parents:
            continue  # this hook sees the whole session; only mark this directory's tests
        if "real_mirror" not in item.keywords and "archive" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def archive(tmp_path_factory, signing_key):
    """The published archive tree and its HTTP server (shared by the whole session)."""
    if shutil.which("dpkg-deb") is None or shutil.which("gpgv") is None:
        pytest.skip("dpkg-deb and gpgv are needed for the loopback archive")
    root = tmp_path_factory.mktemp("archive")
    builder = ArchiveBuilder(root, signing_key)
    now = now_utc() - timedelta(hours=1)
    mirror = root / "debian"
    builder.publish(mirror, Suite("testing", MAIN_PACKAGES), now)
    builder.publish(mirror, Suite("testing-updates", UPDATES_PACKAGES), now)
    # Expired a month ago: Valid-Until = Date + 7 days, Date 40 days back.
    builder.publish(mirror, Suite("expired", MAIN_PACKAGES, date=now - timedelta(days=40)), now)
    builder.publish(mirror, Suite("nobyhash", MAIN_PACKAGES, by_hash=False), now)
    # Signed by a key that is not in the keyring.
    other = ArchiveBuilder(root, SigningKey.generate())
    other.debs = builder.debs
    other.publish(mirror, Suite("wrongkey", MAIN_PACKAGES), now)
    # A snapshot from 2025: valid at the snapshot time, long expired now.
    snapshot_base = root / "snapshot/archive/debian" / SNAPSHOT
    snapshot_date = now.replace(year=2024, month=12, day=31)
    builder.publish(snapshot_base, Suite("testing", MAIN_PACKAGES), snapshot_date)
    # A month later hello has a new version.
    later = [
        Pkg("hello", "2.11", fields=p.fields) if p.name == "hello" else p for p in MAIN_PACKAGES
    ]
    later_base = root / "snapshot/archive/debian" / SNAPSHOT_LATER
    builder.publish(
        later_base, Suite("testing", later), snapshot_date.replace(month=1, day=31, year=2025)
    )
    keyring = root / "keyring.gpg"
    keyring.write_bytes(signing_key.public_keyring())
    server = ArchiveServer(root)
    yield ArchiveInfo(root=root, server=server, keyring=keyring, builder=builder)
    server.close()


class ArchiveInfo:
    def __init__(self, root, server, keyring, builder):
        self.root = root
        self.server = server
        self.keyring = keyring
        self.builder = builder

    @property
    def url(self) -> str:
        return self.server.url

    def config_text(self, archives: str | None = None, sets: str | None = None, extra=""):
        archives = archives or (
            "      - {suite: testing, mirror: test}\n"
            "      - {suite: testing-updates, mirror: test}\n"
        )
        sets = sets or (
            "  hello:\n    packages: [base-files, hello, tzdata]\n"
            "  cycle:\n    packages: [cycle-a]\n"
            "  python:\n    packages: [python3]\n"
        )
        return (
            "version: 1\n"
            "mirrors:\n"
            "  test:\n"
            f"    url: {self.url}/debian\n"
            f"    snapshot_url: {self.url}/snapshot/archive/debian\n"
            "releases:\n"
            "  debian99:\n"
            "    codename: testing\n"
            '    version: "99"\n'
            f"    keyrings: [{self.keyring}]\n"
            "    architectures: [amd64, arm64]\n"
            f"{extra}"
            "    archives:\n"
            f"{archives}"
            "    exclude:\n"
            "      debconf: maintainer scripts only\n"
            "      debconf-2.0: virtual name of debconf\n"
            "      mawk: maintainer scripts only\n"
            "sets:\n"
            f"{sets}"
        )


@pytest.fixture
def server(archive):
    """The archive's server with no faults left over from another test."""
    archive.server.faults.clear()
    archive.server.documents.clear()
    archive.server.requests.clear()
    yield archive.server
    archive.server.faults.clear()
    archive.server.documents.clear()


@pytest.fixture
def workspace(tmp_path, archive, server, monkeypatch):
    """A repo-like directory with a config, an empty lock dir and a private cache."""
    monkeypatch.setenv("DISTROLESS_DPM_CACHE", str(tmp_path / "cache"))
    return Workspace(tmp_path, archive)


class Workspace:
    def __init__(self, path: Path, archive: ArchiveInfo):
        self.path = path
        self.archive = archive
        self.config = path / "debian_packages.yaml"
        self.locks = path / "locks"

    def write_config(self, **kwargs) -> Path:
        self.config.write_text(self.archive.config_text(**kwargs))
        return self.config

    def run(self, *args: str) -> int:
        from debian_package_manager.cli import main

        return main([args[0], "--config", str(self.config), *args[1:]])

    def lock(self, *extra: str) -> int:
        return self.run("lock", "-q", "--retries", "2", "--retry-delay", "0.01", *extra)

    def lock_document(self, release: str = "debian99") -> dict:
        import json

        return json.loads((self.locks / f"{release}.lock.json").read_text())

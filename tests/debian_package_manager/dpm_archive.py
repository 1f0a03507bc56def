"""A tiny signed Debian archive built at test time and served over loopback HTTP.

Real .debs (dpkg-deb), Packages.xz indexes published by-hash, clearsigned InRelease files.
The server can inject faults per path (404, 503, truncated body, other bytes) so every
failure of the download/verify chain can be provoked.
"""

from __future__ import annotations

import hashlib
import http.server
import lzma
import subprocess
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from dpm_openpgp import SigningKey

SNAPSHOT = "20250101T000000Z"
SNAPSHOT_LATER = "20250201T000000Z"


@dataclass
class Pkg:
    name: str
    version: str = "1.0"
    arch: str | None = None  # None: the index architecture; "all" for arch-independent
    fields: dict[str, str] = field(default_factory=dict)


# The fixture's universe: alternatives, virtual packages with priorities, a cycle, an
# unsatisfiable dependency and a package that only exists in the -updates suite.
MAIN_PACKAGES = [
    Pkg(
        "base-files",
        "13",
        fields={"Essential": "yes", "Priority": "required", "Pre-Depends": "awk"},
    ),
    Pkg("mawk", "1.3", fields={"Priority": "required", "Provides": "awk"}),
    Pkg("gawk", "5.2", fields={"Priority": "optional", "Provides": "awk"}),
    Pkg(
        "libc6",
        "2.36-9",
        fields={"Priority": "optional", "Depends": "libgcc-s1", "Multi-Arch": "same"},
    ),
    Pkg("libgcc-s1", "12.2", fields={"Depends": "libc6 (>= 2.35)", "Source": "gcc-12 (12.2.0-14)"}),
    Pkg("tzdata", "2025a", "all", {"Depends": "debconf (>= 0.5) | debconf-2.0"}),
    Pkg("debconf", "1.5", "all", {"Provides": "debconf-2.0", "Priority": "important"}),
    Pkg("hello", "2.10", fields={"Depends": "libc6 (>= 2.34), libhello1 | libhello-alt"}),
    Pkg("libhello1", "1.0"),
    Pkg("libhello-alt", "1.0"),
    Pkg("cycle-a", "1", fields={"Depends": "cycle-b"}),
    Pkg("cycle-b", "1", fields={"Depends": "cycle-a, libc6"}),
    Pkg("broken", "1", fields={"Depends": "missing-lib (>= 2)"}),
    Pkg("python3", "3.11", fields={"Depends": "python3-minimal:any, libpython3-stdlib"}),
    Pkg("python3-minimal", "3.11", fields={"Multi-Arch": "allowed"}),
    Pkg("libpython3-stdlib", "3.11", fields={"Depends": "mime-support | media-types"}),
    Pkg("media-types", "10", "all", {"Provides": "mime-support"}),
]
UPDATES_PACKAGES = [Pkg("libhello1", "1.1")]


def _deb(workdir: Path, package: Pkg, arch: str) -> Path:
    """Build a real .deb with dpkg-deb (control file plus one data file)."""
    root = workdir / f"{package.name}_{package.version}_{arch}"
    (root / "DEBIAN").mkdir(parents=True)
    doc = root / "usr/share/doc" / package.name
    doc.mkdir(parents=True)
    (doc / "README").write_text(f"{package.name} {package.version} for tests\n")
    control = {
        "Package": package.name,
        "Version": package.version,
        "Architecture": arch,
        "Maintainer": "Tests <tests@example.invalid>",
        "Description": f"test package {package.name}",
    }
    control.update({k: v for k, v in package.fields.items() if k != "Source"})
    (root / "DEBIAN/control").write_text("".join(f"{k}: {v}\n" for k, v in control.items()))
    output = workdir / f"{package.name}_{package.version}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(output)],
        check=True,
        capture_output=True,
    )
    return output


@dataclass
class Suite:
    name: str
    packages: list[Pkg]
    valid_until: timedelta | None = timedelta(days=7)
    date: datetime | None = None
    by_hash: bool = True


class ArchiveBuilder:
    """Writes <root>/debian/{dists,pool}; <root>/snapshot/... mirrors it for snapshot URLs."""

    def __init__(self, root: Path, key: SigningKey, archs=("amd64", "arm64")):
        self.root = root
        self.key = key
        self.archs = archs
        self.debs: dict[tuple[str, str, str], Path] = {}
        self.workdir = root / "build"
        self.workdir.mkdir(parents=True, exist_ok=True)

    def deb(self, package: Pkg, arch: str) -> Path:
        deb_arch = package.arch or arch
        key = (package.name, package.version, deb_arch)
        if key not in self.debs:
            self.debs[key] = _deb(self.workdir, package, deb_arch)
        return self.debs[key]

    def publish(self, base: Path, suite: Suite, release_date: datetime) -> dict[str, str]:
        """Publish a suite under base/dists/<suite>; returns {index path: sha256}."""
        dists = base / "dists" / suite.name
        files: dict[str, tuple[str, int]] = {}
        for arch in self.archs:
            stanzas = []
            for package in suite.packages:
                deb = self.deb(package, arch)
                deb_arch = package.arch or arch
                first = package.name[0]
                filename = f"pool/main/{first}/{package.name}/{deb.name}"
                target = base / filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(deb.read_bytes())
                data = deb.read_bytes()
                fields = {
                    "Package": package.name,
                    "Version": package.version,
                    "Architecture": deb_arch,
                    "Maintainer": "Tests <tests@example.invalid>",
                    **package.fields,
                    "Priority": package.fields.get("Priority", "optional"),
                    "Section": "misc",
                    "Filename": filename,
                    "Size": str(len(data)),
                    "SHA256": hashlib.sha256(data).hexdigest(),
                    "Description": f"test package {package.name}\n multi-line description",
                }
                stanzas.append("".join(f"{k}: {v}\n" for k, v in fields.items()))
            text = "\n".join(stanzas).encode()
            compressed = lzma.compress(text)
            directory = dists / "main" / f"binary-{arch}"
            (directory / "by-hash/SHA256").mkdir(parents=True, exist_ok=True)
            for name, content in (("Packages", text), ("Packages.xz", compressed)):
                digest = hashlib.sha256(content).hexdigest()
                (directory / name).write_bytes(content)
                (directory / "by-hash/SHA256" / digest).write_bytes(content)
                files[f"main/binary-{arch}/{name}"] = (digest, len(content))
        date = suite.date or release_date
        lines = [
            "Origin: Test",
            "Label: Test",
            f"Suite: {suite.name}",
            f"Codename: {suite.name}",
            f"Date: {format_datetime(date, usegmt=True)}",
        ]
        if suite.valid_until is not None:
            lines.append(f"Valid-Until: {format_datetime(date + suite.valid_until, usegmt=True)}")
        lines += [
            *(["Acquire-By-Hash: yes"] if suite.by_hash else []),
            "No-Support-for-Architecture-all: Packages",
            f"Architectures: all {' '.join(self.archs)}",
            "Components: main",
            "Description: test archive",
            "SHA256:",
        ]
        lines += [f" {digest} {size:8d} {path}" for path, (digest, size) in sorted(files.items())]
        release = "\n".join(lines) + "\n"
        (dists / "Release").write_text(release)
        (dists / "InRelease").write_bytes(self.key.clearsign(release))
        return {path: digest for path, (digest, _) in files.items()}


class FaultyHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the archive directory; `server.faults[path]` injects a failure for a path.

    `server.requests` logs every request: a plain GET as its path, a HEAD as "HEAD <path>",
    a GET with a Range header as "GET <path> <range>". Faults: "404", "503", "503-once",
    "truncate", other bytes (also what HEAD describes), "no-head" (HEAD answers 405; a ranged
    GET answers 206 with a Content-Range).
    """

    def log_message(self, format, *args):  # keep test output clean
        pass

    def do_HEAD(self):
        server = self.server
        server.requests.append(f"HEAD {self.path}")
        fault = server.faults.get(self.path)
        if fault in ("404", "503"):
            self.send_error(int(fault))
            return
        if fault == "503-once":
            del server.faults[self.path]
            self.send_error(503)
            return
        if fault == "no-head":
            self.send_error(405)
            return
        if isinstance(fault, bytes):
            self._send_headers(len(fault))
            return
        super().do_HEAD()

    def do_GET(self):
        server = self.server
        fault = server.faults.get(self.path)
        requested_range = self.headers.get("Range")
        if requested_range:
            server.requests.append(f"GET {self.path} {requested_range}")
            if fault == "no-head" and requested_range == "bytes=0-0":
                size = Path(self.translate_path(self.path)).stat().st_size
                data = Path(self.translate_path(self.path)).read_bytes()[:1]
                self.send_response(206)
                self.send_header("Content-Range", f"bytes 0-0/{size}")
                self.send_header("Content-Length", "1")
                self.end_headers()
                self.wfile.write(data)
                return
        else:
            server.requests.append(self.path)
        if fault == "404":
            self.send_error(404)
            return
        if fault == "503-once":
            del server.faults[self.path]
            self.send_error(503)
            return
        if fault == "503":
            self.send_error(503)
            return
        if isinstance(fault, bytes):
            self._send(fault)
            return
        if fault == "truncate":
            path = Path(self.translate_path(self.path))
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path in server.documents:
            self._send(server.documents[self.path], "application/json")
            return
        super().do_GET()

    def _send(self, data: bytes, content_type: str = "application/octet-stream"):
        self._send_headers(len(data), content_type)
        self.wfile.write(data)

    def _send_headers(self, size: int, content_type: str = "application/octet-stream"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(size))
        self.end_headers()


class _Server(http.server.ThreadingHTTPServer):
    # The default listen backlog of 5 is smaller than the tool's 8 parallel availability
    # checks: the kernel drops the extra SYNs and the client retransmits after a second.
    request_queue_size = 64


class ArchiveServer:
    def __init__(self, directory: Path):
        handler = lambda *args, **kwargs: FaultyHandler(*args, directory=str(directory), **kwargs)  # noqa: E731
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.faults = {}
        self.httpd.documents = {}
        self.httpd.requests = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def faults(self) -> dict:
        return self.httpd.faults

    @property
    def documents(self) -> dict:
        return self.httpd.documents

    @property
    def requests(self) -> list:
        return self.httpd.requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def index_path(root: Path, suite: str, arch: str = "amd64", base: str = "debian") -> str:
    """The by-hash URL path of a suite's Packages.xz, as the signed Release lists it."""
    release = (root / base / "dists" / suite / "Release").read_text()
    for line in release.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == f"main/binary-{arch}/Packages.xz":
            return f"/{base}/dists/{suite}/main/binary-{arch}/by-hash/SHA256/{parts[0]}"
    raise AssertionError("index not found")


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)

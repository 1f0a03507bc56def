#!/usr/bin/env python3
"""The built SBOMs of real images under the official validators, and their reproducibility.

Arguments: the lock file, then SBOM files (*.spdx.json, *.cdx.json). Every SPDX document must pass
spdx-tools' full validation (and the first one its `pyspdxtools` command line, as users run it),
every CycloneDX document cyclonedx-python-lib's strict 1.6 schema. Reproducibility: the only time
in a document is the lock's newest archive Date, and its namespace / serial number is the hash of
its own content, so equal inputs give equal bytes. Contents: every Debian package has a purl of
the issue's form, a sha256 and a deb.debian.org URL, and the images hold the packages they must.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import subprocess
import sys
import uuid
from datetime import UTC
from pathlib import Path

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

DEB_PURL = re.compile(
    r"pkg:deb/debian/[a-z0-9][a-z0-9+.-]*@[A-Za-z0-9.:~%-]+\?arch=(amd64|arm64|armhf|all)&distro=debian-12"
)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
# Packages each image must list (a sample: its defining ones).
MUST_HOLD = {
    "static-debian12": {"base-files", "netbase", "tzdata"},
    "python3-debian12": {"libc6", "libssl3", "python3.11-minimal", "libpython3.11-stdlib"},
}
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    if not condition:
        failures.append(what)
        print(f"FAIL {what}", flush=True)


def content_hash(document: dict, without: str) -> str:
    """The hash the generator names a document by: of its content with `without` blank/absent."""
    if without == "documentNamespace":
        document = {**document, without: ""}
    else:
        document = {k: v for k, v in document.items() if k != without}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()


def check_spdx(path: Path, created: str) -> None:
    messages = validate_full_spdx_document(parse_file(str(path)))
    check(not messages, f"{path.name}: spdx-tools: {[m.validation_message for m in messages][:3]}")
    document = json.loads(path.read_text())
    check(
        document["creationInfo"]["created"] == created, f"{path.name}: created is the lock's date"
    )
    namespace = document["documentNamespace"]
    check(
        namespace.endswith("-" + content_hash(document, "documentNamespace")),
        f"{path.name}: namespace = content hash",
    )
    timestamps = TIMESTAMP.findall(path.read_text())
    check(timestamps == [created[:16]], f"{path.name}: no other timestamp ({timestamps})")
    packages = [p for p in document["packages"] if p["SPDXID"] != "SPDXRef-image"]
    for p in packages:
        purl = p["externalRefs"][0]["referenceLocator"]
        check(bool(DEB_PURL.fullmatch(purl)), f"{path.name}: {p['name']}: purl {purl}")
        check(
            re.fullmatch(r"[0-9a-f]{64}", p["checksums"][0]["checksumValue"]) is not None,
            f"{p['name']}: sha256",
        )
        check(
            p["downloadLocation"].startswith("http://deb.debian.org/"), f"{p['name']}: download URL"
        )
    repository = document["name"].split(":")[0]
    names = {p["name"] for p in packages}
    missing = MUST_HOLD.get(repository, set()) - names
    check(
        not missing,
        f"{path.name}: lists {sorted(MUST_HOLD.get(repository, []))} (missing {sorted(missing)})",
    )
    if "debug" in path.name:
        check("busybox-static" in names, f"{path.name}: the debug variant lists busybox-static")
    arch = path.name.rsplit("-", 1)[1].split(".")[0]
    libc = [p for p in packages if p["name"] == "libc6"]
    check(
        all(f"arch={arch}&" in p["externalRefs"][0]["referenceLocator"] for p in libc),
        f"{path.name}: libc6 is {arch}",
    )
    print(f"ok   {path.name} ({repository}): {len(packages)} packages, valid SPDX 2.3", flush=True)


def check_cyclonedx(path: Path, created: str, validator: JsonStrictValidator) -> None:
    text = path.read_text()
    error = validator.validate_str(text)
    check(error is None, f"{path.name}: cyclonedx 1.6 schema: {str(error)[:300]}")
    document = json.loads(text)
    check(
        document["metadata"]["timestamp"] == created, f"{path.name}: timestamp is the lock's date"
    )
    serial = f"urn:uuid:{uuid.UUID(content_hash(document, 'serialNumber')[:32])}"
    check(document["serialNumber"] == serial, f"{path.name}: serial number = content hash")
    print(
        f"ok   {path.name}: {len(document['components'])} components, valid CycloneDX 1.6",
        flush=True,
    )


def lock_created(lock: Path) -> str:
    dates = [
        email.utils.parsedate_to_datetime(a["date"])
        for a in json.loads(lock.read_text())["archives"]
    ]
    return max(dates).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv: list[str]) -> int:
    lock, files = Path(argv[0]), [Path(a) for a in argv[1:]]
    created = lock_created(lock)
    spdx = [f for f in files if f.name.endswith(".spdx.json")]
    cyclonedx = [f for f in files if f.name.endswith(".cdx.json")]
    check(
        len(spdx) == len(cyclonedx) >= 10,
        f"{len(spdx)} SPDX and {len(cyclonedx)} CycloneDX files given",
    )
    cli = subprocess.run(["pyspdxtools", "-i", str(spdx[0])], capture_output=True, text=True)
    check(cli.returncode == 0, f"pyspdxtools -i {spdx[0].name}: {cli.stdout}{cli.stderr}")
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for path in spdx:
        check_spdx(path, created)
    for path in cyclonedx:
        check_cyclonedx(path, created, validator)
    print(f"\n{len(files)} SBOMs, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

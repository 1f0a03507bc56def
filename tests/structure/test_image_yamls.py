"""The image test files of every family (<family>/testdata) load as the runner (and CST,
which is as strict) would load them, their regular expressions compile, and every file
images.bzl can name exists."""

import re
from pathlib import Path

import pytest

from private.structure_test import cst_config

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "tests" / "images"
YAMLS = sorted(ROOT.glob("*/testdata/*.yaml"))


def _testdata(name: str) -> Path:
    """base/common.yaml -> <repo>/base/testdata/common.yaml"""
    family, file = name.split("/")
    return ROOT / family / "testdata" / file


def _patterns(parsed: cst_config.StructureTestFile) -> list[str]:
    patterns = []
    for test in parsed.command_tests:
        patterns += test.expected_output + test.excluded_output
        patterns += test.expected_error + test.excluded_error
    for test in parsed.file_content_tests:
        patterns += test.expected_contents + test.excluded_contents
    metadata = parsed.metadata_test
    patterns += [e.value for e in metadata.env_vars + metadata.labels if e.is_regex]
    return patterns


def test_there_are_image_yamls():
    assert len(YAMLS) >= 25


@pytest.mark.parametrize("path", YAMLS, ids=[str(p.relative_to(ROOT)) for p in YAMLS])
def test_yaml_loads_and_regexes_compile(path):
    parsed = cst_config.load(path)
    checks = (
        parsed.command_tests
        + parsed.file_existence_tests
        + parsed.file_content_tests
        + parsed.license_tests
    )
    assert checks or not parsed.metadata_test.is_empty(), f"{path} checks nothing"
    for pattern in _patterns(parsed):
        re.compile(pattern)
        # RE2 syntax that Python's re would read differently.
        assert "[[:" not in pattern and "\\Q" not in pattern, pattern
    assert path.read_text().startswith("#"), f"{path} should say which images it is for"


def test_every_file_images_bzl_names_exists():
    names = ["base/common.yaml", "base/root.yaml", "base/nonroot.yaml"]
    names += ["base/nondebug.yaml", "base/static.yaml", "base/debug.yaml"]
    names += ["base/base_nossl.yaml", "base/base.yaml", "cc/cc.yaml", "python3/python3.yaml"]
    names += ["java/java_base.yaml", "java/java.yaml", "nodejs/nodejs.yaml"]
    names += ["java/entrypoint.yaml", "nodejs/entrypoint.yaml"]
    for distro in ("debian12", "debian13"):
        names += [f"base/static_{distro}.yaml", f"base/debug_{distro}.yaml"]
        names += [f"base/base_{distro}.yaml", f"python3/python3_{distro}.yaml"]
        names += [f"python3/entrypoint_{distro}.yaml"]
    names += ["java/java17_debian12.yaml", "java/java21_debian13.yaml", "java/java25_debian13.yaml"]
    names += [f"nodejs/nodejs{major}.yaml" for major in (20, 22, 24)]
    names += ["nodejs/nodejs18_debian.yaml", "nodejs/nodejs20_debian.yaml"]
    missing = [name for name in names if not _testdata(name).is_file()]
    assert not missing
    bzl = (IMAGES / "images.bzl").read_text()
    for literal in re.findall(r'"([a-z0-9_]+/[a-z0-9_%]+\.yaml)"', bzl):
        assert "%" in literal or _testdata(literal).is_file(), literal

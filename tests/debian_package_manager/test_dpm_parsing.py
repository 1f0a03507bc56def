"""The Packages index scanner and lazy stanza parser (checked against python-debian),
relations, versions, Release files."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import pytest
from debian import deb822
from debian.debian_support import version_compare

from debian_package_manager import index_loader
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import VerificationError
from debian_package_manager.index_loader import IndexSource
from debian_package_manager.packages_index import (
    IndexTable,
    Scanner,
    packages_from_text,
    scan_index,
)
from debian_package_manager.relations import Relation, parse_relations, version_satisfies
from debian_package_manager.release import IndexFile, find_index, parse_release

INDEX = """\
Package: libfoo1
Source: foo (1.2-3)
Version: 1.2-3+b1
Installed-Size: 10
Maintainer: Jörg Ünïcode <j@example.org>
Architecture: amd64
Multi-Arch: same
Depends: libc6 (>= 2.34),
 libbar (>> 1:2.0~rc1) | libbaz
Pre-Depends: dpkg (>= 1.15)
Provides: libfoo (= 1.2), libfoo-abi-1
Description: a library
 with a long
 .
 description
Tag: role::shared-lib,
 devel::library
Section: libs
Priority: optional
Essential: no
Filename: pool/main/f/foo/libfoo1_1.2-3+b1_amd64.deb
Size: 1234
SHA256: ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef0123456789

Package: foo-data
Version: 1.2-3
Architecture: all
Description: data
Filename: pool/main/f/foo/foo-data_1.2-3_all.deb
Size: 99
SHA256: 1111111111111111111111111111111111111111111111111111111111111111
Important: yes
Essential: yes
"""


def test_fields():
    first, second = packages_from_text(INDEX, "bookworm")
    assert first.name == "libfoo1" and first.version == "1.2-3+b1"
    assert (first.source, first.source_version) == ("foo", "1.2-3")
    assert first.depends == "libc6 (>= 2.34), libbar (>> 1:2.0~rc1) | libbaz"
    assert first.pre_depends == "dpkg (>= 1.15)"
    assert first.provides == "libfoo (= 1.2), libfoo-abi-1"
    assert first.multi_arch == "same" and not first.essential and not first.important
    assert first.size == 1234 and first.sha256 == "abcdef0123456789" * 4
    assert first.suite == "bookworm"
    assert (second.source, second.source_version) == ("foo-data", "1.2-3")
    assert second.essential and second.important and second.priority == "optional"
    assert second.multi_arch == "no"


def _fields(package):
    return (package.name, package.version, package.architecture, package.provides, package.to_row())


@pytest.mark.parametrize(
    "text",
    [
        INDEX,  # the first stanza starts the text, the last ends with one newline
        INDEX.rstrip("\n"),  # no newline at the end
        "\n\n" + INDEX.replace("\n\n", "\n\n\n\n") + "\n\n",  # runs of blank lines
    ],
)
def test_scan_finds_every_stanza_and_its_span(text):
    first, second = packages_from_text(text)
    assert _fields(first) == _fields(packages_from_text(INDEX)[0])
    assert (second.name, second.filename, second.size) == (
        "foo-data",
        "pool/main/f/foo/foo-data_1.2-3_all.deb",
        99,
    )
    assert list(scan_index(text.encode(), "s").provides) == [0]  # the first stanza's only


def test_scan_unfolds_a_multi_line_provides_like_the_stanza_parser():
    text = INDEX.replace(
        "Provides: libfoo (= 1.2), libfoo-abi-1", "Provides: libfoo (= 1.2),\n libfoo-abi-1"
    )
    (package, _) = packages_from_text(text)
    assert package.provides == "libfoo (= 1.2), libfoo-abi-1"
    assert package.to_row()[11] == b" libfoo (= 1.2), libfoo-abi-1"  # the stanza's own parse


@pytest.mark.parametrize("piece", [1, 7, 100, 1 << 20])
def test_a_text_scanned_in_pieces_gives_the_same_table(piece, monkeypatch):
    monkeypatch.setattr(Scanner, "SEGMENT", 50)  # many segments, cut at many blank lines
    text = ("\n" + INDEX + "\n\n") * 7
    scanner = Scanner("s")
    data = text.encode()
    for start in range(0, len(data), piece):
        scanner.feed(data[start : start + piece])
    whole = scan_index(data, "s")
    assert scanner.columns() == (
        whole.names,
        whole.versions,
        whole.architectures,
        whole.provides,
        whole.provided,
        whole.starts,
        whole.ends,
    )
    assert whole.provided == {
        "libfoo": list(range(0, 14, 2)),
        "libfoo-abi-1": list(range(0, 14, 2)),
    }
    table = IndexTable(data, *scanner.columns())
    assert [_fields(p) for p in table.packages("s")] == [
        _fields(p) for p in packages_from_text(text)
    ]


def test_a_field_name_inside_a_description_is_not_a_field():
    text = INDEX.replace(" with a long\n", " with a long\n Package: not-a-package\n")
    assert [p.name for p in packages_from_text(text)] == ["libfoo1", "foo-data"]


def test_stanzas_are_checked_when_scanned_and_when_parsed():
    with pytest.raises(VerificationError, match="'x' in the s index lacks architecture, version"):
        scan_index(b"Package: x\n", "s")
    with pytest.raises(VerificationError, match="'\\?' in the s index lacks name"):
        scan_index(b"Version: 1\nArchitecture: all\nProvides: y\n", "s")
    (package,) = scan_index(b"Package: x\nVersion: 1\nArchitecture: all\n", "s").packages("s")
    assert package.name == "x"  # the scanned fields need no parse
    with pytest.raises(VerificationError, match="'x' in the s index lacks filename, sha256, size"):
        package.filename  # noqa: B018


def test_matches_python_debian_on_the_same_index(tmp_path):
    text = (INDEX + "\n") * 3
    ours = packages_from_text(text)
    theirs = list(deb822.Packages.iter_paragraphs(io.StringIO(text), use_apt_pkg=False))
    assert len(ours) == len(theirs)
    for mine, paragraph in zip(ours, theirs, strict=True):
        assert mine.name == paragraph["Package"]
        assert mine.version == paragraph["Version"]
        assert mine.sha256 == paragraph["SHA256"].lower()
        assert mine.depends == " ".join(paragraph.get("Depends", "").split())
        assert mine.filename == paragraph["Filename"]


@pytest.mark.parametrize(
    "compress", [lzma.compress, gzip.compress, bz2.compress, lambda data: data]
)
def test_compressed_and_broken_indexes(tmp_path, compress):
    path = tmp_path / "Packages.xz"
    source = IndexSource("s", "amd64", "http://unused", _index_file(), None)
    path.write_bytes(compress(INDEX.encode()))
    table = index_loader.read_table(source, HashCache(tmp_path / "cache"), lambda source, tee: path)
    assert [p.name for p in table.packages("s")] == ["libfoo1", "foo-data"]
    if compress(b"x") != b"x":
        path.write_bytes(compress(INDEX.encode())[:50])
        with pytest.raises(VerificationError, match="cannot decompress s main/binary-amd64"):
            index_loader.read_table(source, HashCache(tmp_path / "cache"), lambda source, tee: path)
    path.write_bytes(compress(b"Package: caf\xe9\nVersion: 1\nArchitecture: all\n"))
    with pytest.raises(VerificationError, match="index is not UTF-8"):
        index_loader.read_table(source, HashCache(tmp_path / "cache"), lambda source, tee: path)


def _index_file():
    return IndexFile("main/binary-amd64/Packages.xz", "0" * 64, 0)


def test_parse_relations():
    groups = parse_relations(
        "libc6 (>= 2.34), libbar (>> 1:2.0~rc1) | libbaz, python3:any, a (<< 2)"
    )
    assert groups == (
        (Relation("libc6", None, ">=", "2.34"),),
        (Relation("libbar", None, ">>", "1:2.0~rc1"), Relation("libbaz")),
        (Relation("python3", "any"),),
        (Relation("a", None, "<<", "2"),),
    )
    assert parse_relations("old (< 1), older (> 2)")[0][0].op == "<="
    assert parse_relations("x [amd64] <!nocheck>") == ((Relation("x"),),)
    assert str(groups[1][0]) == "libbar (>> 1:2.0~rc1)"


@pytest.mark.parametrize(
    "a, b",
    [
        ("1.0", "1.0"),
        ("1.0~rc1", "1.0"),
        ("1:1.0", "2.0"),
        ("2.36-9+deb12u4", "2.36-9+deb12u10"),
        ("1.0-1", "1.0-1+b1"),
        ("1.2.3a", "1.2.3"),
        ("0:1.0", "1.0"),
        ("1.0+dfsg-1~deb12u1", "1.0+dfsg-1"),
    ],
)
def test_version_constraints_follow_dpkg_order(a, b):
    order = version_compare(a, b)
    assert version_satisfies(a, "=", b) == (order == 0)
    assert version_satisfies(a, "<<", b) == (order < 0)
    assert version_satisfies(a, ">>", b) == (order > 0)
    assert version_satisfies(a, ">=", b) == (order >= 0)
    assert version_satisfies(a, "<=", b) == (order <= 0)
    assert version_satisfies(a, None, None)


RELEASE = """\
Origin: Debian
Suite: oldstable-security
Codename: bookworm-security
Date: Sat, 28 Nov 2026 02:53:00 UTC
Valid-Until: Sat, 05 Dec 2026 02:53:00 UTC
Acquire-By-Hash: yes
Architectures: amd64 arm64
Components: updates/main updates/contrib
SHA256:
 aa 100 main/binary-amd64/Packages
 bb 20 main/binary-amd64/Packages.xz
 cc 30 main/binary-arm64/Packages.gz
 dd 40 main/binary-arm64/Packages.xz
"""


def test_release_file():
    info = parse_release(RELEASE.encode(), "u")
    assert info.codename == "bookworm-security" and info.acquire_by_hash
    assert info.valid_until_utc.day == 5 and info.date_utc.tzinfo is not None
    assert info.arch_all_in_arch_indexes  # no "all" in Architectures
    assert find_index(info, "main", "amd64", "u").path == "main/binary-amd64/Packages.xz"
    assert find_index(info, "main", "arm64", "u").sha256 == "cc"  # gzip first: less CPU
    with pytest.raises(VerificationError, match="no component 'non-free'"):
        find_index(info, "non-free", "amd64", "u")
    with pytest.raises(VerificationError, match="lists no Packages index"):
        find_index(info, "main", "s390x", "u")
    with pytest.raises(VerificationError, match="no SHA256 field"):
        parse_release(b"Origin: x\nDate: Sat, 28 Nov 2026 02:53:00 UTC\n", "u")


def test_release_fields_ignore_case_and_malformed_entries_fail():
    text = RELEASE.replace("Acquire-By-Hash: yes", "acquire-by-hash: yes")
    assert parse_release(text.encode(), "u").acquire_by_hash
    with pytest.raises(VerificationError, match="u: malformed SHA256 entry 'bb main/binary'"):
        parse_release(
            RELEASE.replace(" bb 20 main/binary-amd64/Packages.xz", " bb main/binary").encode(), "u"
        )
    with pytest.raises(VerificationError, match="u: malformed line 'not a field'"):
        parse_release(b"not a field\n" + RELEASE.encode(), "u")
    with pytest.raises(VerificationError, match="a continuation line opens the file"):
        parse_release(b" aa 1 x\n" + RELEASE.encode(), "u")

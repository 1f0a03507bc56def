"""Dependency resolution on small hand-written indexes."""

from __future__ import annotations

import pytest

from debian_package_manager.errors import ResolutionError
from debian_package_manager.packages_index import SuitePackages, scan_index
from debian_package_manager.relations import parse_relations
from debian_package_manager.resolve import build_index, resolve


def stanza(name, version="1.0", arch="amd64", **fields):
    fields = {key.replace("_", "-"): value for key, value in fields.items()}
    text = f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
    text += "".join(f"{key}: {value}\n" for key, value in fields.items())
    return text + f"Filename: pool/{name}_{version}_{arch}.deb\nSize: 100\nSHA256: {'0' * 64}\n"


MAIN = "\n".join(
    [
        stanza("base-files", Essential="yes", Priority="required", Pre_Depends="awk"),
        stanza("mawk", Priority="required", Provides="awk"),
        stanza("gawk", Priority="optional", Provides="awk"),
        stanza("original-awk", Priority="extra", Provides="awk"),
        stanza("libc6", "2.36", Depends="libgcc-s1"),
        stanza("libgcc-s1", "12", Depends="libc6 (>= 2.35)"),
        stanza("tzdata", arch="all", Depends="debconf (>= 0.5) | debconf-2.0"),
        stanza("debconf", arch="all", Provides="debconf-2.0"),
        stanza("app", Depends="libfoo (>= 2) | libfoo-compat, libbar"),
        stanza("libfoo", "1.5"),
        stanza("libfoo-compat"),
        stanza("libbar", Depends="libvirtual (>= 3)"),
        stanza("libvirtual-old", Provides="libvirtual"),
        stanza("libvirtual-new", Provides="libvirtual (= 3.1)"),
        stanza("py", Depends="py-minimal:any, py-tool:any"),
        stanza("py-minimal", Multi_Arch="allowed"),
        stanza("py-tool", Multi_Arch="foreign"),
        stanza("prefers-selected", Depends="gawk | mawk"),
        stanza("odd", Depends="libc6:amd64, libc6:native"),
        stanza("needs-excluded-provider", Depends="awk"),
    ]
)
UPDATES = stanza("libfoo", "2.1") + "\n" + stanza("libbar", "0.9")


def suite(text, name):
    return SuitePackages(scan_index(text.encode(), name), name, ("amd64", "all"))


def index(pins=None, extra="", updates=UPDATES):
    suites = [suite(MAIN + "\n" + extra, "main"), suite(updates, "updates")]
    return build_index("test", "amd64", "amd64", suites, pins or {})


def names(result):
    return sorted(result.packages)


def test_highest_version_over_suites_and_pins():
    ix = index()
    assert ix.candidates["libfoo"].version == "2.1"
    assert ix.candidates["libfoo"].suite == "updates"
    assert ix.candidates["libbar"].version == "1.0"  # older in updates: main's wins
    pinned = index(pins={"libfoo": "1.5"})
    assert pinned.candidates["libfoo"].version == "1.5"
    with pytest.raises(ResolutionError, match=r"pinned libfoo 9 .*available: 1\.5, 2\.1"):
        index(pins={"libfoo": "9"})


def test_versioned_alternatives_and_versioned_provides():
    result = resolve(index(), "s", ["app"], {})
    assert names(result) == ["app", "libbar", "libfoo", "libvirtual-new"]
    # With libfoo pinned below the constraint, the alternative is used.
    result = resolve(index(pins={"libfoo": "1.5"}), "s", ["app"], {})
    assert "libfoo-compat" in result.packages and "libfoo" not in result.packages
    assert result.depends["app"] == ["libbar", "libfoo-compat"]


def test_priority_picks_provider_and_exclusion_covers_it():
    result = resolve(index(), "s", ["base-files"], {})
    assert names(result) == ["base-files", "mawk"]  # required beats optional/extra
    excluded = resolve(index(), "s", ["base-files"], {"mawk": "scripts"})
    # Excluding the provider apt would pick drops the dependency instead of taking gawk.
    assert names(excluded) == ["base-files"]
    assert excluded.excluded == {"mawk": ["base-files"]}
    by_virtual = resolve(index(), "s", ["base-files"], {"awk": "scripts"})
    assert names(by_virtual) == ["base-files"] and "awk" in by_virtual.excluded


def test_exclusion_of_first_alternative_drops_the_group():
    result = resolve(index(), "s", ["tzdata"], {"debconf": "scripts"})
    assert names(result) == ["tzdata"]
    assert result.excluded == {"debconf": ["tzdata"]}
    assert names(resolve(index(), "s", ["tzdata"], {})) == ["debconf", "tzdata"]


def test_already_selected_alternative_wins():
    result = resolve(index(), "s", ["mawk", "prefers-selected"], {})
    assert names(result) == ["mawk", "prefers-selected"]
    assert result.depends["prefers-selected"] == ["mawk"]


def test_cycle_and_paths():
    result = resolve(index(), "web", ["libgcc-s1"], {})
    assert names(result) == ["libc6", "libgcc-s1"]
    assert result.path("libc6") == ["libgcc-s1", "libc6"]
    assert result.reason("libc6") == "set web: libgcc-s1 -> libc6"
    assert result.depends == {"libgcc-s1": ["libc6"], "libc6": ["libgcc-s1"]}


def test_multiarch_qualifiers():
    assert names(resolve(index(), "s", ["odd"], {})) == ["libc6", "libgcc-s1", "odd"]
    # py-tool is Multi-Arch: foreign, so "py-tool:any" is not satisfied by it (dpkg rules).
    with pytest.raises(ResolutionError, match="py-tool:any"):
        resolve(index(), "s", ["py"], {})


def test_no_dependencies():
    result = resolve(index(), "s", ["app"], {}, no_dependencies=["app"])
    assert names(result) == ["app"] and result.depends["app"] == []


def test_unsatisfiable_message_names_chain_and_candidates():
    extra = stanza("top", Depends="needs-new-libfoo") + "\n"
    extra += stanza("needs-new-libfoo", Depends="libfoo (>= 3) | libfoo-compat (>= 2)")
    ix = index(pins={"libfoo": "1.5"}, extra=extra)
    with pytest.raises(ResolutionError) as caught:
        resolve(ix, "s", ["top"], {})
    message = str(caught.value)
    assert "test/amd64 set s: unsatisfiable dependency: top -> needs-new-libfoo" in message
    assert "'libfoo (>= 3) | libfoo-compat (>= 2)'" in message
    assert "libfoo 1.5, 2.1; libfoo-compat 1.0" in message


def test_unknown_root_suggests_close_names():
    with pytest.raises(ResolutionError, match="unknown package 'libfo'.*did you mean libfoo"):
        resolve(index(), "s", ["libfo"], {})


def test_virtual_root_takes_the_best_provider():
    assert names(resolve(index(), "s", ["awk"], {})) == ["mawk"]


def test_arch_filter_in_index():
    foreign = stanza("armonly", arch="armhf")
    ix = index(extra=foreign)
    assert "armonly" not in ix.candidates


def test_providers_are_parsed_when_looked_up_and_match_parsing_every_field():
    extra = "\n".join(
        [
            stanza("p1", Provides="Virt-A (= 1.0), virt-b | virt-c, virt-a"),
            stanza("p2", Provides="virt-b:any (= 2), x [amd64]"),
            stanza("p3", Provides="virt-a (= 3) <!nocheck>,, virt-d"),
        ]
    )
    ix = index(extra=extra)
    eager = {}
    for package in ix.candidates.values():
        for group in parse_relations(package.provides) if package.provides else ():
            for relation in group:
                eager.setdefault(relation.name, []).append((package.name, relation.version))
    assert {name: [(p.name, v) for p, v in ix.providers[name]] for name in ix.providers} == eager
    assert eager["virt-a"] == [("p1", "1.0"), ("p1", None), ("p3", "3")]
    assert "virt-e" not in ix.providers and ix.providers.get("virt-e", ()) == ()


def test_a_malformed_provides_fails_when_its_names_are_looked_up():
    ix = index(extra=stanza("broken", Provides="ok-name, (nonsense"))
    assert "ok-name" in ix.providers
    with pytest.raises(ResolutionError, match="broken .* malformed relation field"):
        ix.providers["ok-name"]  # noqa: B018


def test_only_a_candidate_provides():
    # main's old-tool provides tool-virtual; the updates' newer old-tool (the candidate) no more.
    extra = stanza("old-tool", "1.0", Provides="tool-virtual") + "\n"
    extra += stanza("other-tool", "1.0", Provides="tool-virtual (= 1)")
    ix = index(extra=extra, updates=UPDATES + "\n" + stanza("old-tool", "2.0"))
    assert ix.candidates["old-tool"].version == "2.0"
    assert [(p.name, v) for p, v in ix.providers["tool-virtual"]] == [("other-tool", "1")]
    assert names(resolve(ix, "s", ["tool-virtual"], {})) == ["other-tool"]
    ix = index(extra=extra, updates=UPDATES + "\n" + stanza("other-tool", "2.0"))
    assert "tool-virtual" in ix.providers
    assert [p.name for p, _ in ix.providers["tool-virtual"]] == ["old-tool"]


def test_names_listed_twice_in_one_index():
    extra = stanza("twice", "1.0") + "\n" + stanza("twice", "3.0") + "\n" + stanza("twice", "2.0")
    ix = index(extra=extra)
    assert ix.candidates["twice"].version == "3.0"
    assert [p.version for p in ix.versions("twice")] == ["1.0", "3.0", "2.0"]
    assert index(extra=extra, pins={"twice": "2.0"}).candidates["twice"].version == "2.0"

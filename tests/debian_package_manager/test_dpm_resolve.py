"""Dependency resolution on small hand-written indexes."""

from __future__ import annotations

import pytest

from debian_package_manager.errors import ResolutionError
from debian_package_manager.packages_index import packages_from_text
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


def index(pins=None, extra=""):
    packages = packages_from_text(MAIN + "\n" + extra, "main")
    updates = packages_from_text(UPDATES, "updates")
    return build_index("test", "amd64", "amd64", [packages, updates], pins or {})


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
    ix = index(pins={"libfoo": "1.5"}, extra=stanza("top", Depends="needs-new-libfoo"))
    ix.candidates.pop("libfoo-compat")
    ix.candidates["needs-new-libfoo"] = packages_from_text(
        stanza("needs-new-libfoo", Depends="libfoo (>= 3) | libfoo-compat (>= 1)")
    )[0]
    with pytest.raises(ResolutionError) as caught:
        resolve(ix, "s", ["top"], {})
    message = str(caught.value)
    assert "test/amd64 set s: unsatisfiable dependency: top -> needs-new-libfoo" in message
    assert "'libfoo (>= 3) | libfoo-compat (>= 1)'" in message
    assert "libfoo 1.5, 2.1" in message


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

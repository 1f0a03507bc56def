"""Resolve a package set to its Depends/Pre-Depends closure on one architecture.

The choices follow what `apt-get install` does on an empty system, minus the exclusions:
- one candidate per package name: the highest version over all archives (apt's default pin
  gives every archive priority 500), unless the config pins a version;
- an alternative group ("a | b") is first checked against what is already selected; otherwise
  the first alternative that can be satisfied wins;
- a virtual package is satisfied through Provides (versioned Provides for versioned
  dependencies); among several providers the Essential, then Important, then highest-Priority
  one wins, then the name, as in apt's pkgPrioSortList;
- an excluded name ends the group, whether it is the alternative itself, a virtual name, or
  the provider apt would pick (so excluding mawk also drops "awk").
Recommends and Suggests are never followed, Conflicts/Breaks are not evaluated.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from debian_package_manager.errors import ResolutionError
from debian_package_manager.packages_index import BinaryPackage, SuitePackages
from debian_package_manager.relations import (
    Relation,
    RelationSyntaxError,
    parse_relations,
    version_compare,
    version_satisfies,
)

PRIORITY_RANK = {"required": 0, "important": 1, "standard": 2, "optional": 3, "extra": 4}


@dataclass(frozen=True)
class BasePins:
    """A base lock's versions on one architecture (base: in the config), pinned like `pins`.

    Kept apart from the config's pins for the message when a version is gone: the fix is in
    the base, not in this config.
    """

    versions: Mapping[str, str]  # package -> version the base images hold
    source: str  # how messages name the base lock, e.g. "distroless' lock"
    remedy: str  # what the user does when a version is gone


@dataclass
class ArchIndex:
    """Everything the archives offer on one architecture, merged over their suites."""

    release: str
    arch: str  # distroless name
    debian_arch: str
    candidates: Mapping[str, BinaryPackage]  # name -> the version apt would install
    providers: Mapping[str, list[tuple[BinaryPackage, str | None]]]  # virtual -> (pkg, version)
    suites: Sequence[SuitePackages]  # in config order

    def versions(self, name: str) -> list[BinaryPackage]:
        """Every listed version of `name`, for pins and messages."""
        return [package for suite in self.suites for package in suite.named(name)]


class _Candidates(Mapping[str, BinaryPackage]):
    """Name -> the highest version over the suites (an earlier suite wins a tie), or the pinned
    one; worked out for a name when it is first looked up."""

    def __init__(self, suites: Sequence[SuitePackages]):
        self._suites = suites
        self._chosen: dict[str, BinaryPackage | None] = {}

    def __getitem__(self, name: str) -> BinaryPackage:
        try:
            chosen = self._chosen[name]
        except KeyError:
            chosen = self._chosen[name] = self._best(name)
        if chosen is None:
            raise KeyError(name)
        return chosen

    def _best(self, name: str) -> BinaryPackage | None:
        best = None
        for suite in self._suites:
            for package in suite.named(name):
                if best is None or (
                    package.version != best.version
                    and version_compare(package.version, best.version) > 0
                ):
                    best = package
        return best

    def pin(self, package: BinaryPackage) -> None:
        self._chosen[package.name] = package

    def __iter__(self) -> Iterator[str]:  # every name: only error messages list them
        return iter(dict.fromkeys(name for suite in self._suites for name in suite.names()))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _pin(
    candidates: _Candidates,
    versions: Callable[[str], list[BinaryPackage]],
    pins: Mapping[str, str],
    missing: Callable[[str, str, str], str],
) -> None:
    """Make each pinned version the candidate; missing(name, version, available) says why not."""
    for name, version in pins.items():
        listed = versions(name)
        matching = [p for p in listed if p.version == version]
        if matching:
            candidates.pin(matching[0])
        elif listed:
            available = ", ".join(sorted({p.version for p in listed}))
            raise ResolutionError(missing(name, version, available))


def build_index(
    release: str,
    arch: str,
    debian_arch: str,
    suites: Sequence[SuitePackages],
    pins: Mapping[str, str],
    base_pins: BasePins | None = None,
) -> ArchIndex:
    """Merge the indexes of several suites (in config order; earlier wins a version tie)."""
    candidates = _Candidates(suites)
    providers = _Providers(suites, candidates, release, arch)
    index = ArchIndex(release, arch, debian_arch, candidates, providers, suites)
    _pin(
        candidates,
        index.versions,
        pins,
        lambda name, pinned, available: (
            f"{release}/{arch}: pinned {name} {pinned} is not in the archives "
            f"(available: {available}); fix 'pins' in the config"
        ),
    )
    if base_pins is not None:
        _pin(
            candidates,
            index.versions,
            base_pins.versions,
            lambda name, locked, available: (
                f"{release}/{arch}: {name} {locked} is the version in {base_pins.source} "
                f"(the base images hold it), but the archives now have only {available}; "
                f"{base_pins.remedy}"
            ),
        )
    return index


class _Providers(Mapping[str, list[tuple[BinaryPackage, str | None]]]):
    """Virtual name -> [(candidate, provided version)], in suite and index order.

    The scan lists, per index, which stanzas' Provides name each name (IndexTable.provided);
    a Provides field is parsed when a name it provides is first looked up, and counts only
    while its package is its name's candidate.
    """

    def __init__(
        self,
        suites: Sequence[SuitePackages],
        candidates: Mapping[str, BinaryPackage],
        release: str,
        arch: str,
    ):
        self._suites = suites
        self._candidates = candidates
        self._where = (release, arch)
        self._parsed: dict[str, list[tuple[BinaryPackage, str | None]]] = {}

    def _mentions(self, name: object) -> list[BinaryPackage]:
        if not isinstance(name, str):
            return []
        return [package for suite in self._suites for package in suite.providing(name)]

    def __getitem__(self, name: str) -> list[tuple[BinaryPackage, str | None]]:
        found = self._parsed.get(name)
        if found is None:
            mentions = self._mentions(name)
            if not mentions:
                raise KeyError(name)
            found = self._parsed[name] = [
                (package, provided.version)
                for package in mentions
                if self._candidates.get(package.name) is package
                for group in _relations(package.provides, package, *self._where)
                for provided in group
                if provided.name == name
            ]
        return found

    def __contains__(self, name: object) -> bool:  # parses nothing
        return any(self._candidates.get(p.name) is p for p in self._mentions(name))

    def __iter__(self) -> Iterator[str]:  # every name: only tests list them
        names = dict.fromkeys(name for suite in self._suites for name in suite.provided_names())
        return (name for name in names if name in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class Resolution:
    set_name: str
    roots: tuple[str, ...]
    packages: dict[str, BinaryPackage] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)  # who pulled it in first
    depends: dict[str, list[str]] = field(default_factory=dict)  # resolved direct deps
    excluded: dict[str, list[str]] = field(default_factory=dict)  # excluded name -> wanted by

    def path(self, name: str) -> list[str]:
        """The chain of packages from a root of the set down to `name`."""
        chain = [name]
        while (up := self.parent.get(chain[-1])) is not None:
            chain.append(up)
        return chain[::-1]

    def reason(self, name: str) -> str:
        return f"set {self.set_name}: {' -> '.join(self.path(name))}"


def resolve(
    index: ArchIndex,
    set_name: str,
    roots: Sequence[str],
    exclude: Mapping[str, str],
    no_dependencies: Iterable[str] = (),
) -> Resolution:
    return _Resolver(index, set_name, tuple(roots), exclude, frozenset(no_dependencies)).run()


class _Excluded(Exception):
    def __init__(self, name: str):
        self.name = name


class _Resolver:
    def __init__(
        self,
        index: ArchIndex,
        set_name: str,
        roots: tuple[str, ...],
        exclude: Mapping[str, str],
        no_dependencies: frozenset[str],
    ):
        self.index = index
        self.exclude = exclude
        self.no_dependencies = no_dependencies
        self.where = f"{index.release}/{index.arch} set {set_name}"
        self.result = Resolution(set_name, roots)
        self.queue: deque[BinaryPackage] = deque()
        # virtual name -> selected providers, kept up to date for "already satisfied" checks
        self.selected_provides: dict[str, list[tuple[BinaryPackage, str | None]]] = {}

    def run(self) -> Resolution:
        for root in self.result.roots:
            self._select(self._root_package(root), None)
        while self.queue:
            package = self.queue.popleft()
            self.result.depends[package.name] = self._dependencies_of(package)
        return self.result

    # -- selection ------------------------------------------------------------------------

    def _select(self, package: BinaryPackage, parent: str | None) -> None:
        result = self.result
        if package.name in result.packages:
            return
        result.packages[package.name] = package
        result.parent[package.name] = parent
        for group in _relations(package.provides, package, self.index.release, self.index.arch):
            for provided in group:
                self.selected_provides.setdefault(provided.name, []).append(
                    (package, provided.version)
                )
        self.queue.append(package)

    def _root_package(self, name: str) -> BinaryPackage:
        if name in self.index.candidates:
            return self.index.candidates[name]
        providers = self._providers(Relation(name))
        if providers:
            return providers[0]
        close = difflib.get_close_matches(name, self.index.candidates.keys(), n=4, cutoff=0.75)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ResolutionError(
            f"{self.where}: unknown package {name!r}: no archive of {self.index.release} "
            f"has it for {self.index.debian_arch}{hint}"
        )

    def _dependencies_of(self, package: BinaryPackage) -> list[str]:
        if package.name in self.no_dependencies:
            return []
        chosen: list[str] = []
        fields = (package.pre_depends, package.depends)
        for field_text in fields:
            for group in _relations(field_text, package, self.index.release, self.index.arch):
                try:
                    name = self._satisfy(group, package)
                except _Excluded as excluded:
                    self.result.excluded.setdefault(excluded.name, []).append(package.name)
                    continue
                if name != package.name and name not in chosen:
                    chosen.append(name)
        return sorted(chosen)

    def _satisfy(self, group: tuple[Relation, ...], package: BinaryPackage) -> str:
        # 1. Something already selected satisfies one of the alternatives.
        for relation in group:
            already = self._selected_match(relation)
            if already is not None:
                return already
        # 2. The first alternative that is excluded or installable decides.
        for relation in group:
            if relation.name in self.exclude:
                raise _Excluded(relation.name)
            options = self._options(relation)
            if not options:
                continue
            best = options[0]
            if best.name in self.exclude:
                raise _Excluded(best.name)
            self._select(best, package.name)
            return best.name
        raise ResolutionError(self._unsatisfiable_message(group, package))

    def _selected_match(self, relation: Relation) -> str | None:
        selected = self.result.packages.get(relation.name)
        if selected is not None and self._real_matches(selected, relation):
            return selected.name
        for provider, provided_version in self.selected_provides.get(relation.name, ()):
            if self._provide_matches(provided_version, relation):
                return provider.name
        return None

    def _options(self, relation: Relation) -> list[BinaryPackage]:
        """Packages that could satisfy the relation, best first."""
        real = self.index.candidates.get(relation.name)
        options = [real] if real is not None and self._real_matches(real, relation) else []
        options += [p for p in self._providers(relation) if p.name != relation.name]
        return options

    def _providers(self, relation: Relation) -> list[BinaryPackage]:
        matching = {
            provider.name: provider
            for provider, provided_version in self.index.providers.get(relation.name, ())
            if self._provide_matches(provided_version, relation)
        }
        return sorted(matching.values(), key=_provider_rank)

    def _real_matches(self, package: BinaryPackage, relation: Relation) -> bool:
        qualifier = relation.arch_qualifier
        # dpkg: "pkg:any" is satisfied only by a Multi-Arch: allowed package.
        if qualifier == "any" and package.multi_arch != "allowed":
            return False
        if qualifier not in (None, "any", "native") and package.architecture not in (
            qualifier,
            "all",
        ):
            return False
        return version_satisfies(package.version, relation.op, relation.version)

    @staticmethod
    def _provide_matches(provided_version: str | None, relation: Relation) -> bool:
        if relation.op is None:
            return True
        # A versioned dependency is only satisfied by a versioned Provides (policy 7.5).
        return provided_version is not None and version_satisfies(
            provided_version, relation.op, relation.version
        )

    def _unsatisfiable_message(self, group: tuple[Relation, ...], package: BinaryPackage) -> str:
        wanted = " | ".join(str(relation) for relation in group)
        available = []
        for relation in group:
            versions = self.index.versions(relation.name)
            if versions:
                available.append(
                    f"{relation.name} {', '.join(sorted({p.version for p in versions}))}"
                )
            elif relation.name in self.index.providers:
                names = sorted({p.name for p, _ in self.index.providers[relation.name]})
                available.append(f"{relation.name} provided by {', '.join(names)}")
        found = f"; the archives have: {'; '.join(available)}" if available else ""
        chain = " -> ".join(self.result.path(package.name))
        return (
            f"{self.where}: unsatisfiable dependency: {chain} depends on '{wanted}', "
            f"which no package of {self.index.release}/{self.index.debian_arch} "
            f"satisfies{found}; pin a version, exclude it, or mark "
            f"{package.name} no_dependencies"
        )


def _provider_rank(package: BinaryPackage) -> tuple:
    return (
        not package.essential,
        not package.important,
        PRIORITY_RANK.get(package.priority, len(PRIORITY_RANK)),
        package.name,
    )


def _relations(
    text: str, package: BinaryPackage, release: str, arch: str
) -> tuple[tuple[Relation, ...], ...]:
    if not text:
        return ()
    try:
        return parse_relations(text)
    except RelationSyntaxError as error:
        raise ResolutionError(
            f"{release}/{arch}: {package.name} {package.version} ({package.suite}) has a "
            f"malformed relation field: {error}"
        ) from None

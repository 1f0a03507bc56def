"""Dependency relation fields (Depends, Pre-Depends, Provides) and version constraints.

Version comparison is python-debian's implementation of dpkg's algorithm
(debian.debian_support.version_compare), so "1:2.0~rc1" and friends order exactly as dpkg does.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from debian.debian_support import version_compare as _dpkg_version_compare

_RELATION_RE = re.compile(
    r"""^\s*
    (?P<name>[a-zA-Z0-9][a-zA-Z0-9+.\-]*)
    (?::(?P<arch>[a-zA-Z0-9\-]+))?
    \s*
    (?:\(\s*(?P<op><<|<=|>=|>>|=|<|>)\s*(?P<version>[^)\s]+)\s*\))?
    \s*(?:\[[^\]]*\])?       # architecture restrictions (source packages only)
    \s*(?:<[^>]*>\s*)*       # build profiles (source packages only)
    $""",
    re.VERBOSE,
)


@functools.lru_cache(maxsize=1 << 16)
def version_compare(a: str, b: str) -> int:
    """dpkg's order of two versions (<0, 0, >0), remembered: python-debian's comparison is
    pure Python, and every architecture of a release compares the same update versions
    against the same main versions."""
    return _dpkg_version_compare(a, b)


# Obsolete '<' and '>' mean '<=' and '>=' (deb-control(5)).
_NORMALIZED_OPS = {"<": "<=", ">": ">="}


# Slots: the parse cache holds tens of thousands of these over a catalog's architectures.
@dataclass(frozen=True, slots=True)
class Relation:
    name: str
    arch_qualifier: str | None = None  # any, native or an architecture name
    op: str | None = None  # <<, <=, =, >=, >>
    version: str | None = None

    def __str__(self) -> str:
        text = self.name + (f":{self.arch_qualifier}" if self.arch_qualifier else "")
        return text + (f" ({self.op} {self.version})" if self.op else "")


class RelationSyntaxError(ValueError):
    pass


@functools.lru_cache(maxsize=65536)
def parse_relations(field: str) -> tuple[tuple[Relation, ...], ...]:
    """'a (>= 1) | b, c:any' -> ((a>=1, b), (c:any,)): a conjunction of alternatives."""
    groups = []
    for group_text in field.split(","):
        if not group_text.strip():
            continue
        alternatives = []
        for text in group_text.split("|"):
            match = _RELATION_RE.match(text)
            if match is None:
                raise RelationSyntaxError(f"cannot parse relation {text.strip()!r} in {field!r}")
            op = match["op"]
            alternatives.append(
                Relation(
                    name=match["name"].lower(),
                    arch_qualifier=match["arch"],
                    op=_NORMALIZED_OPS.get(op, op),
                    version=match["version"],
                )
            )
        groups.append(tuple(alternatives))
    return tuple(groups)


def version_satisfies(version: str, op: str | None, wanted: str | None) -> bool:
    """Whether `version` meets the constraint `op wanted` (no constraint: always)."""
    if op is None or wanted is None:
        return True
    order = version_compare(version, wanted)
    if op == "=":
        return order == 0
    if op == ">=":
        return order >= 0
    if op == "<=":
        return order <= 0
    if op == ">>":
        return order > 0
    if op == "<<":
        return order < 0
    raise ValueError(f"unknown version operator {op!r}")

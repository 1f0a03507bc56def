"""Debian's machine-readable copyright (DEP-5) License fields as SPDX licence expressions.

DEP-5 short names that SPDX spells the same way, or under a known alias, become SPDX ids; GNU
names become their -only/-or-later ids; "X with Y exception" becomes "X WITH <exception id>";
anything else becomes a LicenseRef that names the DEP-5 text it stands for.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

# SPDX licence ids that DEP-5 short names spell the same way (compared case-insensitively). Only
# ids present in the SPDX licence list of the validators we test with (tests/sbom).
SPDX_IDS = {
    i.lower(): i
    for i in (
        "0BSD AFL-2.0 AFL-2.1 AFL-3.0 APSL-2.0 Apache-1.0 Apache-1.1 Apache-2.0 Artistic-1.0 "
        "Artistic-1.0-Perl Artistic-2.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent "
        "BSD-3-Clause BSD-4-Clause BSL-1.0 Beerware CC-BY-3.0 CC-BY-4.0 CC-BY-SA-3.0 "
        "CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 CPL-1.0 ECL-2.0 EPL-1.0 EPL-2.0 EUPL-1.2 "
        "FSFAP FSFUL FSFULLR FTL GD HPND ICU IJG ISC Info-ZIP LPPL-1.3c Latex2e Libpng MIT "
        "MIT-0 MIT-CMU MIT-Modern-Variant MPL-1.0 MPL-1.1 MPL-2.0 MS-PL MirOS NCSA NTP "
        "OFL-1.1 OLDAP-2.8 OpenSSL PHP-3.01 PSF-2.0 PostgreSQL Python-2.0 Ruby Sleepycat TCL "
        "Unicode-DFS-2016 Unlicense Vim W3C WTFPL X11 Zlib bzip2-1.0.6 curl libtiff"
    ).split()
}
# DEP-5 short names that mean an SPDX licence under another spelling.
ALIASES = {"expat": "MIT", "apache-2": "Apache-2.0", "cc0": "CC0-1.0"}
# "<licence> with <name> exception": the SPDX exception id, per licence family where it differs.
EXCEPTIONS = {
    "autoconf": {"GPL-2.0": "Autoconf-exception-2.0", "GPL-3.0": "Autoconf-exception-3.0"},
    "libtool": {"": "Libtool-exception"},
    "llvm": {"": "LLVM-exception"},
    "font": {"": "Font-exception-2.0"},
    "texinfo": {"": "Texinfo-exception"},
    "classpath": {"": "Classpath-exception-2.0"},
    "gcc": {"GPL-2.0": "GCC-exception-2.0", "GPL-3.0": "GCC-exception-3.1"},
}
GNU = re.compile(
    r"(?P<name>A?GPL|LGPL|GFDL(?P<niv>-NIV)?)-?(?P<version>\d+(?:\.\d+)?)(?P<plus>\+)?"
)
WITH = re.compile(r"(?P<licence>\S+) with (?P<exception>\S+) exception", re.IGNORECASE)
NOASSERTION = "NOASSERTION"


@dataclass(frozen=True)
class Licence:
    """A package's declared licence: an SPDX expression and the LicenseRefs it uses."""

    expression: str  # an SPDX licence expression, or NOASSERTION
    refs: dict[str, str]  # LicenseRef-... -> the DEP-5 name it stands for
    fields: tuple[str, ...]  # the DEP-5 License names, as the copyright file spells them


def license_ref(name: str) -> str:
    """A LicenseRef id for a non-SPDX licence name; names that need escaping get a hash suffix."""
    cleaned = re.sub(r"[^A-Za-z0-9.]+", "-", name).strip("-")[:48]
    if cleaned != name:
        cleaned = f"{cleaned}-{hashlib.sha256(name.encode()).hexdigest()[:8]}".lstrip("-")
    return f"LicenseRef-{cleaned}"


def _gnu(term: str) -> str | None:
    match = GNU.fullmatch(term)
    if not match:
        return None
    version = match["version"] if "." in match["version"] else match["version"] + ".0"
    suffix = "or-later" if match["plus"] else "only"
    if match["niv"]:
        return f"GFDL-{version}-no-invariants-{suffix}"
    return f"{match['name']}-{version}-{suffix}"


def spdx_id(term: str) -> str | None:
    """The SPDX id of one DEP-5 short name, or None when SPDX has none."""
    return _gnu(term) or ALIASES.get(term.lower()) or SPDX_IDS.get(term.lower())


def _term(term: str, refs: dict[str, str]) -> str | None:
    """One operand of a DEP-5 License field as SPDX, or None if it is prose, not a short name."""
    match = WITH.fullmatch(term)
    if match:
        base = spdx_id(match["licence"])
        family = re.sub(r"-(only|or-later)$", "", base or "")
        by_family = EXCEPTIONS.get(match["exception"].lower(), {})
        exception = by_family.get(family) or by_family.get("")
        if base and exception:
            return f"{base} WITH {exception}"
        refs[license_ref(term)] = term
        return license_ref(term)
    if " " in term:
        return None
    spdx = spdx_id(term)
    if spdx:
        return spdx
    refs[license_ref(term)] = term
    return license_ref(term)


def dep5_to_spdx(field: str, refs: dict[str, str]) -> str:
    """One DEP-5 License field ("GPL-2+ or Artistic") as an SPDX expression.

    `and`/`or` become AND/OR (both bind the same way in DEP-5 and SPDX); a field that is prose
    rather than short names (old copyright files) becomes one LicenseRef. New LicenseRefs are
    added to `refs`.
    """
    field = " ".join(field.split())
    parts = re.split(r" (and|or) ", field, flags=re.IGNORECASE)
    found: dict[str, str] = {}
    operands = [_term(term, found) for term in parts[0::2]]
    if any(operand is None for operand in operands):
        refs[license_ref(field)] = field
        return license_ref(field)
    refs.update(found)
    expression = str(operands[0])
    for operator, operand in zip(parts[1::2], operands[1:], strict=True):
        expression += f" {operator.upper()} {operand}"
    return expression


def declared_licence(fields: list[str]) -> Licence:
    """The conjunction of every License field of a copyright file, or NOASSERTION without any."""
    refs: dict[str, str] = {}
    unique = tuple(dict.fromkeys(f for f in fields if f.strip()))
    expressions = list(dict.fromkeys(dep5_to_spdx(f, refs) for f in unique))
    if not expressions:
        return Licence(NOASSERTION, {}, ())
    if len(expressions) == 1:
        return Licence(expressions[0], refs, unique)
    joined = " AND ".join(f"({e})" if " OR " in e else e for e in expressions)
    return Licence(joined, refs, unique)

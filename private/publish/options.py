"""How and where to publish: the command line's choices, with paths resolved."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from private.publish.provenance import Run, Source


@dataclass(frozen=True)
class Options:
    """What the command line asks for, with paths resolved."""

    registry: str
    key: str | None
    keyless: bool
    identity: str | None
    oidc_issuer: str | None
    insecure: bool
    tlog: bool
    jobs: int
    crane: str
    cosign: str
    public_key: Path | None = None
    # The provenance's source and run, and where its completed predicates are written.
    source: Source | None = None
    run: Run | None = None
    workdir: Path | None = None

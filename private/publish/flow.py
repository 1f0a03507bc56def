"""Publishing, signing and attesting the indexes, idempotently, in a bounded pool of workers.

Per multi-arch index:
 1. look at the registry: which digests are there, which carry a signature (and the SBOM
    attestations) that verify with the given key;
 2. push what is missing by digest, the per-arch images first and then the index (crane push of
    the layout, as rules_oci's oci_push does, so digests never change);
 3. sign what is unsigned (`cosign sign --recursive` on the index when nothing is signed yet);
 4. attest the SPDX and CycloneDX SBOM on every per-arch image that lacks them, and the SLSA
    provenance on every per-arch image and the index;
 5. last, move the tags (`latest`, `nonroot`, ..., `latest-amd64`, ..., and `<tag>-<lock id>`)
    and check that every tag resolves to the locally built digest.

A rerun after any failure does only what is left.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from private.publish.errors import AuthRefused, PublishError, RegistryUnreachable
from private.publish.options import Options
from private.publish.plan import Index
from private.publish.provenance import write_predicate
from private.publish.registry import crane, remote_digest, run
from private.publish.signing import attest, sign, verified

# The SBOM attestations of every per-arch image: cosign's predicate type, the Image field.
ATTESTATIONS = (("spdxjson", "spdx"), ("cyclonedx", "cyclonedx"))
PROVENANCE = "slsaprovenance1"  # cosign's name of https://slsa.dev/provenance/v1
NOT_ATTEMPTED = "not attempted after the registry error"
PUSH_TIMEOUT = 1800
PUSH_ATTEMPTS = 3  # a push that lost a blob race (DIGEST_INVALID) is tried this often


@dataclass
class Outcome:
    """What happened to one digest (an index or a per-arch image); printed in the summary."""

    name: str
    digest: str
    push: str = "-"  # pushed | skipped (already in the registry)
    sign: str = "-"  # signed | already (a signature that verifies with our key)
    sbom: str = "-"  # attested | already: the SBOMs and the provenance
    tags: list[str] = field(default_factory=list)
    error: str = ""


class Log:
    """Progress lines, one per finished step, safe to call from the workers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self.lock:
            print(message, flush=True)


def short(digest: str) -> str:
    """A digest as the progress lines and tables show it: sha256 and 12 hex digits."""
    return digest[:19]


def outcomes_of(index: Index) -> list[Outcome]:
    """Blank outcomes of an index and its images (in this order), filled in as work is done."""
    images = [Outcome(f"{index.repository}:{i.tag}", i.digest) for i in index.images]
    return [Outcome(index.name, index.digest), *images]


def push_layout(layout: Path, ref: str, name: str, opts: Options) -> None:
    """crane push of one layout by digest, tried again when the registry lost a race.

    Parallel pushes upload the blobs that images share at the same time; the distribution
    registry then sometimes refuses a manifest with DIGEST_INVALID although every blob arrived
    (seen in 2 of 6 runs of the end-to-end test). Pushing again succeeds: the blobs are there.
    """
    what = f"push {name} ({short(ref.rsplit('@', 1)[1])})"
    for attempt in range(PUSH_ATTEMPTS):
        try:
            run(crane(opts, "push", str(layout), ref), what, opts, timeout=PUSH_TIMEOUT)
            return
        except PublishError as e:
            if "DIGEST_INVALID" not in str(e) or attempt == PUSH_ATTEMPTS - 1:
                raise
            time.sleep(1 + attempt)


def publish_index(index: Index, outcomes: list[Outcome], opts: Options, log: Log) -> None:
    """Push, sign and attest one index and its per-arch images (no tags yet)."""
    repo = f"{opts.registry}/{index.repository}"
    layouts = [index.layout] + [i.layout for i in index.images]

    present = [remote_digest(f"{repo}@{o.digest}", opts) == o.digest for o in outcomes]
    signed = [
        p and verified(f"{repo}@{o.digest}", opts) for p, o in zip(present, outcomes, strict=True)
    ]

    # Per-arch images first, the index last: an index never points at a missing manifest.
    for position in [*range(1, len(outcomes)), 0]:
        outcome = outcomes[position]
        if present[position]:
            outcome.push = "skipped"
            continue
        started = time.monotonic()
        push_layout(layouts[position], f"{repo}@{outcome.digest}", outcome.name, opts)
        outcome.push = "pushed"
        took = time.monotonic() - started
        log(f"pushed   {repo}@{short(outcome.digest)} ({outcome.name}) in {took:.1f}s")

    unsigned = [o for o, s in zip(outcomes, signed, strict=True) if not s]
    for o, s in zip(outcomes, signed, strict=True):
        o.sign = "already" if s else "-"
    if len(unsigned) == len(outcomes):
        # Nothing signed yet: one recursive signature covers the index and each manifest.
        sign(f"{repo}@{index.digest}", f"sign {index.name}", opts, recursive=True)
        count = len(index.images)
        log(f"signed   {repo}@{short(index.digest)} ({index.name}) and its {count} images")
    else:
        # A rerun after an interruption: sign only what lacks our signature.
        for o in unsigned:
            sign(f"{repo}@{o.digest}", f"sign {o.name}", opts)
            log(f"signed   {repo}@{short(o.digest)} ({o.name})")
    for o in unsigned:
        o.sign = "signed"

    for image, outcome, here in zip(index.images, outcomes[1:], present[1:], strict=True):
        ref = f"{repo}@{image.digest}"
        done = []
        for kind, attr in ATTESTATIONS:
            if here and verified(ref, opts, attestation=kind):
                continue
            predicate = getattr(image, attr)
            attest(ref, kind, predicate, f"attest the {kind} SBOM of {outcome.name}", opts)
            done.append(kind)
        done += attest_provenance(ref, image.provenance, outcome.name, here, opts)
        outcome.sbom = "attested" if done else "already"
        if done:
            log(f"attested {repo}@{short(image.digest)} ({outcome.name}): {', '.join(done)}")
    ref = f"{repo}@{index.digest}"
    done = attest_provenance(ref, index.provenance, index.name, present[0], opts)
    outcomes[0].sbom = "attested" if done else ("already" if index.provenance else "-")
    if done:
        log(f"attested {repo}@{short(index.digest)} ({index.name}): {PROVENANCE}")


def attest_provenance(
    ref: str, template: Path | None, name: str, present: bool, opts: Options
) -> list[str]:
    """Attest the completed provenance predicate on `ref` unless ours is there; what was done."""
    if template is None or opts.source is None or opts.run is None or opts.workdir is None:
        return []
    if present and verified(ref, opts, attestation=PROVENANCE):
        return []
    out = opts.workdir / "provenance" / (ref.rsplit("@", 1)[1].replace(":", "-") + ".json")
    predicate = write_predicate(template, opts.source, opts.run, out)
    attest(ref, PROVENANCE, predicate, f"attest the provenance of {name}", opts)
    return [PROVENANCE]


def tag_index(index: Index, outcomes: list[Outcome], opts: Options, log: Log) -> None:
    """Move the index's and its images' tags, then check each resolves to the local digest."""
    repo = f"{opts.registry}/{index.repository}"
    wanted = [(outcomes[0], index.tag), (outcomes[0], index.lock_tag)]
    wanted += [(o, i.tag) for o, i in zip(outcomes[1:], index.images, strict=True)]
    for outcome, tag in wanted:
        if remote_digest(f"{repo}:{tag}", opts) != outcome.digest:
            run(crane(opts, "tag", f"{repo}@{outcome.digest}", tag), f"tag {repo}:{tag}", opts)
            log(f"tagged   {repo}:{tag} -> {short(outcome.digest)}")
            outcome.tags.append(tag + "*")
        else:
            outcome.tags.append(tag)
        now = remote_digest(f"{repo}:{tag}", opts)
        if now != outcome.digest:
            raise PublishError(
                f"{repo}:{tag} resolves to {now}, not the locally built {outcome.digest}: "
                "another publisher may be moving it; rerun"
            )


def for_each(indexes: list[Index], work, opts: Options, failures: dict[str, str]) -> None:
    """Run work(index) in a pool of opts.jobs workers; a failure is recorded, not raised.

    After an unreachable registry or refused credentials the remaining indexes are not tried:
    they would fail the same way.
    """
    stop = threading.Event()

    def guarded(index: Index):
        if stop.is_set():
            raise PublishError(NOT_ATTEMPTED)
        try:
            return work(index)
        except (RegistryUnreachable, AuthRefused):
            stop.set()
            raise

    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = {pool.submit(guarded, index): index for index in indexes}
        for future in concurrent.futures.as_completed(futures):
            index = futures[future]
            try:
                future.result()
            except PublishError as e:
                failures[index.name] = str(e)


def publish(indexes: list[Index], opts: Options) -> tuple[list[Outcome], dict[str, str]]:
    """Publish every index; returns the outcomes in plan order and the failures by index."""
    log = Log()
    failures: dict[str, str] = {}
    rows = {index.name: outcomes_of(index) for index in indexes}
    for_each(indexes, lambda i: publish_index(i, rows[i.name], opts, log), opts, failures)
    # Tags last, and only for indexes that are fully pushed, signed and attested.
    ready = [i for i in indexes if i.name not in failures]
    for_each(ready, lambda i: tag_index(i, rows[i.name], opts, log), opts, failures)
    for name, message in failures.items():
        rows[name][0].error = message
    return [o for index in indexes for o in rows[index.name]], failures

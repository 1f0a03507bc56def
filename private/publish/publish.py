#!/usr/bin/env python3
"""sign_and_push: publish, sign and attest the distroless images, idempotently.

Run through Bazel (`bazel run //:sign_and_push -- --registry HOST[:PORT]/PATH --key cosign.key`):
the rule's launcher passes --plan (what the catalogs publish, with OCI layouts, SBOMs and locks as
runfiles paths), --runfiles and --crane (rules_oci's crane toolchain). Per multi-arch index, in a
bounded pool of workers:

 1. look at the registry: which digests are there, which carry a signature (and the SBOM
    attestations) that verify with the given key;
 2. push what is missing by digest, the per-arch images first and then the index (crane push of
    the layout, as rules_oci's oci_push does, so digests never change);
 3. sign what is unsigned (`cosign sign --recursive` on the index when nothing is signed yet);
 4. attest the SPDX and CycloneDX SBOM on every per-arch image that lacks them;
 5. last, move the tags (`latest`, `nonroot`, ..., `latest-amd64`, ..., and `<tag>-<lock id>`)
    and check that every tag resolves to the locally built digest.

A rerun after any failure does only what is left. Only the standard library and the shared
layout reader (private/oci/layout.py) are used.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import fnmatch
import getpass
import hashlib
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from private.oci import layout as oci_layout

# Substrings of crane/cosign errors, by what the user should do about them.
UNREACHABLE = (
    "connection refused",
    "no such host",
    "i/o timeout",
    "connection reset",
    "network is unreachable",
    "tls handshake timeout",
    "server gave http response to https client",
    ": eof",
)
AUTH_REFUSED = (
    "unauthorized",
    "denied",
    "status code 401",
    "status code 403",
    "401 unauthorized",
    "403 forbidden",
    "authentication required",
)
ATTESTATIONS = (("spdxjson", "spdx"), ("cyclonedx", "cyclonedx"))
# How crane says a manifest is not in the registry (the repository may not exist yet either).
NOT_FOUND = ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "status code 404", "404 Not Found")
NOT_ATTEMPTED = "not attempted after the registry error"
PUSH_TIMEOUT = 1800
PUSH_ATTEMPTS = 3  # a push that lost a blob race (DIGEST_INVALID) is tried this often
COMMAND_TIMEOUT = 300


class PublishError(Exception):
    """A failure the user can act on; the message is one line that says what to do."""


class UsageError(PublishError):
    """Wrong arguments or missing inputs: nothing was contacted."""


class RegistryUnreachable(PublishError):
    """The registry does not answer; no point in trying the other images."""


class AuthRefused(PublishError):
    """The registry refused the credentials; no point in trying the other images."""


@dataclass(frozen=True)
class Image:
    """A per-arch image of an index, with its SBOMs."""

    arch: str
    tag: str
    layout: Path
    digest: str
    spdx: Path
    cyclonedx: Path


@dataclass(frozen=True)
class Index:
    """A multi-arch index to publish under <registry>/<repository>:<tag>."""

    repository: str
    tag: str
    lock_tag: str
    layout: Path
    digest: str
    images: tuple[Image, ...]

    @property
    def name(self) -> str:
        return f"{self.repository}:{self.tag}"


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


@dataclass
class Outcome:
    """What happened to one digest (an index or a per-arch image); printed in the summary."""

    name: str
    digest: str
    push: str = "-"  # pushed | skipped (already in the registry)
    sign: str = "-"  # signed | already (a signature that verifies with our key)
    sbom: str = "-"  # attested | already (indexes have none)
    tags: list[str] = field(default_factory=list)
    error: str = ""


# ---- the plan ---------------------------------------------------------------------------------


def layout_digest(layout: Path) -> str:
    """The digest of the one manifest (image or index) an OCI layout directory holds."""
    try:
        return oci_layout.manifest_digest(layout)
    except oci_layout.UnreadableIndex as e:
        raise UsageError(f"{e}; rebuild with bazel") from e.cause
    except oci_layout.NotOneManifest as e:
        raise UsageError(str(e)) from None


def lock_id(lock: Path) -> str:
    """The first 12 hex digits of the lock file's sha256: the suffix of the per-lock tags."""
    return hashlib.sha256(lock.read_bytes()).hexdigest()[:12]


def load_plan(plan_path: Path, runfiles: Path) -> list[Index]:
    """The indexes of the plan the rule wrote, with runfiles paths made absolute."""
    plan = json.loads(plan_path.read_text())
    lock_ids: dict[str, str] = {}
    indexes = []
    for entry in plan["indexes"]:
        lock = entry["lock"]
        if lock not in lock_ids:
            lock_ids[lock] = lock_id(runfiles / lock)
        images = tuple(
            Image(
                arch=i["arch"],
                tag=i["tag"],
                layout=runfiles / i["layout"],
                digest=layout_digest(runfiles / i["layout"]),
                spdx=runfiles / i["spdx"],
                cyclonedx=runfiles / i["cyclonedx"],
            )
            for i in entry["images"]
        )
        indexes.append(
            Index(
                repository=entry["repository"],
                tag=entry["tag"],
                lock_tag=f"{entry['tag']}-{lock_ids[lock]}",
                layout=runfiles / entry["layout"],
                digest=layout_digest(runfiles / entry["layout"]),
                images=images,
            )
        )
    return indexes


def select(indexes: list[Index], patterns: list[str]) -> list[Index]:
    """The indexes whose `repository` or `repository:tag` matches one of the glob patterns."""
    if not patterns:
        return indexes
    chosen = [
        i
        for i in indexes
        if any(
            fnmatch.fnmatchcase(i.repository, p) or fnmatch.fnmatchcase(i.name, p) for p in patterns
        )
    ]
    if not chosen:
        repositories = sorted({i.repository for i in indexes})
        known = ", ".join(repositories)
        raise UsageError(f"--filter {' '.join(patterns)} matches nothing; repositories: {known}")
    return chosen


# ---- running crane and cosign -----------------------------------------------------------------


def classify(stderr: str, what: str, registry: str) -> PublishError:
    """The error to raise for a failed crane/cosign command, by what its stderr says."""
    text = stderr.lower()
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    # crane and cosign repeat themselves ("Error: a; b" after "...: a; b"): keep the first clause.
    detail = lines[-1].strip().removeprefix("Error: ").split("; ")[0] if lines else "no output"
    host = registry.split("/", 1)[0]
    if "server gave http response to https client" in text:
        return RegistryUnreachable(f"{host} speaks plain HTTP: add --insecure ({what})")
    if any(s in text for s in UNREACHABLE):
        return RegistryUnreachable(
            f"registry {host} unreachable while trying to {what}: {detail}; start it or fix "
            "--registry, then rerun (finished work is skipped)"
        )
    if any(s in text for s in AUTH_REFUSED):
        return AuthRefused(
            f"registry {host} refused the credentials to {what}: log in first "
            f"(`crane auth login {host} -u USER -p ...` or `docker login {host}`), then rerun"
        )
    return PublishError(f"cannot {what}: {detail}")


def run(
    command: list[str], what: str, opts: Options, timeout: int = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as e:
        raise UsageError(f"{command[0]} not found: install it or put it on PATH") from e
    except subprocess.TimeoutExpired as e:
        raise RegistryUnreachable(
            f"timed out after {timeout}s trying to {what}; check the registry, then rerun"
        ) from e
    if done.returncode != 0:
        raise classify(done.stderr, what, opts.registry)
    return done


def crane(opts: Options, *args: str) -> list[str]:
    return [opts.crane, *args, *(["--insecure"] if opts.insecure else [])]


def cosign_registry_flags(opts: Options) -> list[str]:
    return ["--allow-insecure-registry", "--allow-http-registry"] if opts.insecure else []


def remote_digest(ref: str, opts: Options) -> str | None:
    """The digest `ref` resolves to in the registry, or None when it is not there."""
    done = subprocess.run(
        crane(opts, "digest", ref), capture_output=True, text=True, timeout=COMMAND_TIMEOUT
    )
    if done.returncode == 0:
        return done.stdout.strip()
    if any(s in done.stderr for s in NOT_FOUND):
        return None
    raise classify(done.stderr, f"look up {ref}", opts.registry)


def verify_flags(opts: Options) -> list[str] | None:
    """cosign's flags to verify with the signing identity, or None when it cannot be checked."""
    if opts.public_key:
        flags = ["--key", str(opts.public_key)]
    elif opts.identity and opts.oidc_issuer:
        flags = [
            "--certificate-identity",
            opts.identity,
            "--certificate-oidc-issuer",
            opts.oidc_issuer,
        ]
    else:
        return None
    if not opts.tlog:
        flags.append("--insecure-ignore-tlog")
    return flags + cosign_registry_flags(opts)


def verified(ref: str, opts: Options, attestation: str | None = None) -> bool:
    """Whether `ref` carries a signature (or an attestation of that type) from our identity."""
    flags = verify_flags(opts)
    if flags is None:
        return False  # keyless without --certificate-identity: nothing to compare with
    command = [opts.cosign, "verify", *flags, ref]
    if attestation:
        command = [opts.cosign, "verify-attestation", "--type", attestation, *flags, ref]
    done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    if done.returncode == 0:
        return True
    error = classify(done.stderr, f"verify {ref}", opts.registry)
    if isinstance(error, RegistryUnreachable | AuthRefused):
        raise error
    return False  # no signature, or not ours


def sign_flags(opts: Options) -> list[str]:
    flags = ["-y"]
    if opts.key:
        flags += ["--key", opts.key]
        if not opts.tlog:
            # Offline signing (cosign 3): no signing config, no transparency log upload.
            flags += ["--use-signing-config=false", "--tlog-upload=false"]
    return flags + cosign_registry_flags(opts)


# ---- publishing one index ---------------------------------------------------------------------


class Log:
    """Progress lines, one per finished step, safe to call from the workers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __call__(self, message: str) -> None:
        with self.lock:
            print(message, flush=True)


def short(digest: str) -> str:
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
        run(
            [opts.cosign, "sign", *sign_flags(opts), "--recursive", f"{repo}@{index.digest}"],
            f"sign {index.name}",
            opts,
        )
        count = len(index.images)
        log(f"signed   {repo}@{short(index.digest)} ({index.name}) and its {count} images")
    else:
        # A rerun after an interruption: sign only what lacks our signature.
        for o in unsigned:
            run(
                [opts.cosign, "sign", *sign_flags(opts), f"{repo}@{o.digest}"],
                f"sign {o.name}",
                opts,
            )
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
            run(
                [
                    opts.cosign,
                    "attest",
                    *sign_flags(opts),
                    "--type",
                    kind,
                    "--predicate",
                    str(predicate),
                    ref,
                ],
                f"attest the {kind} SBOM of {outcome.name}",
                opts,
            )
            done.append(kind)
        outcome.sbom = "attested" if done else "already"
        if done:
            log(f"attested {repo}@{short(image.digest)} ({outcome.name}): {', '.join(done)}")


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


# ---- the whole run ----------------------------------------------------------------------------


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


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def summary(outcomes: list[Outcome], registry: str) -> str:
    rows = [["IMAGE", "DIGEST", "PUSH", "SIGNED", "SBOM", "TAGS (* moved now)"]]
    for o in outcomes:
        tags = ", ".join(o.tags) if not o.error else "FAILED: " + o.error
        rows.append([o.name, short(o.digest), o.push, o.sign, o.sbom, tags])
    pushed = sum(o.push == "pushed" for o in outcomes)
    skipped = sum(o.push == "skipped" for o in outcomes)
    signed = sum(o.sign == "signed" for o in outcomes)
    return (
        f"\n{table(rows)}\n\n{registry}: {pushed} pushed, {skipped} skipped (already there), "
        f"{signed} newly signed, {sum(bool(o.error) for o in outcomes)} failed"
    )


def dry_run(indexes: list[Index], opts: Options) -> str:
    rows = [["IMAGE", "DIGEST", "SBOM", "TAGS"]]
    for index in indexes:
        rows.append(
            [
                f"{opts.registry}/{index.name}",
                short(index.digest),
                "",
                f"{index.tag}, {index.lock_tag}",
            ]
        )
        for image in index.images:
            name = f"{opts.registry}/{index.repository}:{image.tag}"
            rows.append([name, short(image.digest), "spdx + cyclonedx", image.tag])
    count = sum(len(i.images) for i in indexes)
    plan = f"dry run: {len(indexes)} indexes and {count} images; nothing was contacted"
    return f"{table(rows)}\n\n{plan}"


# ---- the command line -------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bazel run //:sign_and_push --",
        description="Push, sign and attest every distroless image (private/publish/README.md).",
    )
    parser.add_argument("--registry", required=True, help="HOST[:PORT]/PATH to publish under")
    signing = parser.add_mutually_exclusive_group(required=True)
    signing.add_argument("--key", help="cosign private key (file, or a KMS URI)")
    signing.add_argument("--keyless", action="store_true", help="Sigstore keyless signing (OIDC)")
    parser.add_argument(
        "--certificate-identity",
        dest="identity",
        help="with --keyless: the signer identity, to recognise our signatures on a rerun",
    )
    parser.add_argument(
        "--certificate-oidc-issuer", dest="oidc_issuer", help="with --keyless: its issuer"
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        help="glob on REPOSITORY or REPOSITORY:TAG (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; contact nothing")
    parser.add_argument(
        "--insecure", action="store_true", help="plain-HTTP or self-signed registry"
    )
    parser.add_argument(
        "--tlog", action="store_true", help="with --key: upload to the transparency log (Rekor)"
    )
    parser.add_argument("--jobs", type=int, default=4, help="indexes published in parallel (4)")
    parser.add_argument("--cosign", default="cosign", help="the cosign binary (default: from PATH)")
    # Set by the rule's launcher.
    parser.add_argument("--plan", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--runfiles", required=True, help=argparse.SUPPRESS)
    parser.add_argument("--crane", default="crane", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def check_registry_name(registry: str) -> str:
    if "://" in registry:
        raise UsageError(f"--registry {registry}: give HOST[:PORT]/PATH without a scheme")
    registry = registry.rstrip("/")
    host, _, path = registry.partition("/")
    if not host or "@" in registry or ":" in path:
        raise UsageError(
            f"--registry {registry}: expected HOST[:PORT]/PATH, without a tag or digest"
        )
    return registry


def user_path(path: str) -> Path:
    # `bazel run` starts us in the runfiles; the user's relative paths mean their own directory.
    return Path(os.environ.get("BUILD_WORKING_DIRECTORY", ".")) / path


def resolve_key(key: str) -> str:
    if "://" in key:
        return key  # a KMS or hardware key: cosign resolves it
    path = user_path(key)
    if not path.is_file():
        raise UsageError(
            f"--key {key}: no such file ({path}); create a pair with `cosign generate-key-pair`"
        )
    return str(path.resolve())


def public_key(key: str, opts: Options, workdir: Path) -> Path:
    """The public half of the signing key, to recognise our signatures."""
    out = workdir / "cosign.pub"
    run(
        [opts.cosign, "public-key", "--key", key, "--outfile", str(out)],
        f"read the key {key}",
        opts,
    )
    return out


def check_reachable(registry: str, insecure: bool) -> None:
    """Fail early and clearly when nothing answers at the registry's /v2/ endpoint."""
    host = registry.split("/", 1)[0]
    url = f"{'http' if insecure else 'https'}://{host}/v2/"
    try:
        urllib.request.urlopen(url, timeout=10)
    except urllib.error.HTTPError:
        return  # it answers (401 asks for credentials, which crane and cosign bring)
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        if isinstance(reason, ssl.SSLError):
            raise RegistryUnreachable(
                f"TLS to {host} failed ({reason.reason}): a plain-HTTP or self-signed registry "
                "needs --insecure"
            ) from e
        raise RegistryUnreachable(
            f"registry {host} unreachable ({reason}): start it or fix --registry"
        ) from e


def cosign_password() -> None:
    # cosign reads the key's password from COSIGN_PASSWORD; ask once instead of once per worker.
    if "COSIGN_PASSWORD" not in os.environ:
        os.environ["COSIGN_PASSWORD"] = (
            getpass.getpass("cosign key password: ") if sys.stdin.isatty() else ""
        )


def print_failures(failures: dict[str, str]) -> None:
    """One line per distinct failure, then how many indexes were left for the rerun."""
    left = sorted(name for name, message in failures.items() if message == NOT_ATTEMPTED)
    for name, message in sorted(failures.items()):
        if message != NOT_ATTEMPTED:
            print(f"sign_and_push: {name}: {message}", file=sys.stderr)
    if left:
        print(
            f"sign_and_push: {len(left)} more indexes not attempted: {', '.join(left)}",
            file=sys.stderr,
        )


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        registry = check_registry_name(args.registry)
        runfiles = Path(args.runfiles)
        indexes = select(load_plan(runfiles / args.plan, runfiles), args.filter)
        crane_path = args.crane if "/" not in args.crane else str(runfiles / args.crane)
        opts = Options(
            registry=registry,
            key=None,
            keyless=args.keyless,
            identity=args.identity,
            oidc_issuer=args.oidc_issuer,
            insecure=args.insecure,
            tlog=args.tlog or args.keyless,
            jobs=max(1, args.jobs),
            crane=crane_path,
            cosign=args.cosign,
        )
        if args.dry_run:
            print(dry_run(indexes, opts))
            return 0
        with tempfile.TemporaryDirectory(prefix="sign_and_push.") as workdir:
            if args.key:
                key = resolve_key(args.key)
                cosign_password()
                opts = dataclasses.replace(opts, key=key)
                opts = dataclasses.replace(opts, public_key=public_key(key, opts, Path(workdir)))
            check_reachable(registry, args.insecure)
            started = time.monotonic()
            outcomes, failures = publish(indexes, opts)
            print(summary(outcomes, registry))
            print(f"{time.monotonic() - started:.1f}s")
    except KeyboardInterrupt:
        print(
            "sign_and_push: interrupted; rerun the same command to finish (done work is skipped)",
            file=sys.stderr,
        )
        return 130
    except PublishError as e:
        print(f"sign_and_push: {e}", file=sys.stderr)
        return 2 if isinstance(e, UsageError) else 1
    print_failures(failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

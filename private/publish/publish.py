#!/usr/bin/env python3
"""sign_and_push: publish, sign and attest the distroless images, idempotently.

Run through Bazel (`bazel run //:sign_and_push -- --registry HOST[:PORT]/PATH --key cosign.key`):
the rule's launcher passes --plan (what the catalogs publish, with OCI layouts, SBOMs and locks as
runfiles paths), --runfiles and --crane (rules_oci's crane toolchain).

This module is the command line: arguments, the summary table and exit codes. The work is done by
plan.py (what to publish), flow.py (push, sign, attest, tag), registry.py (crane) and signing.py
(cosign). Only the standard library and the shared layout reader (private/oci/layout.py) are used.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from private.publish.errors import PublishError, UsageError
from private.publish.flow import NOT_ATTEMPTED, Outcome, publish, short
from private.publish.options import Options
from private.publish.plan import Index, load_plan, select
from private.publish.provenance import DEFAULT_BUILDER, Run, Source, source_from_git
from private.publish.registry import check_reachable
from private.publish.signing import public_key


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def summary(outcomes: list[Outcome], registry: str) -> str:
    rows = [["IMAGE", "DIGEST", "PUSH", "SIGNED", "ATTESTED", "TAGS (* moved now)"]]
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
    rows = [["IMAGE", "DIGEST", "ATTESTATIONS", "TAGS"]]
    for index in indexes:
        rows.append(
            [
                f"{opts.registry}/{index.name}",
                short(index.digest),
                "provenance" if index.provenance else "",
                f"{index.tag}, {index.lock_tag}",
            ]
        )
        for image in index.images:
            name = f"{opts.registry}/{index.repository}:{image.tag}"
            kinds = "spdx + cyclonedx" + (" + provenance" if image.provenance else "")
            rows.append([name, short(image.digest), kinds, image.tag])
    count = sum(len(i.images) for i in indexes)
    plan = f"dry run: {len(indexes)} indexes and {count} images; nothing was contacted"
    return f"{table(rows)}\n\n{plan}"


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
    parser.add_argument(
        "--source-repository",
        help="provenance: the git repository the images were built from (default: git remote "
        "origin of the workspace, else its path)",
    )
    parser.add_argument(
        "--source-commit", help="provenance: the commit built (default: the workspace's HEAD)"
    )
    parser.add_argument(
        "--source-path",
        default=None,
        help="provenance: the Bazel module's directory in the repository (default: the "
        "workspace's, from git; '' with --source-commit)",
    )
    parser.add_argument(
        "--builder-id", default=DEFAULT_BUILDER, help="provenance: runDetails.builder.id"
    )
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


def cosign_password() -> None:
    # cosign reads the key's password from COSIGN_PASSWORD; ask once instead of once per worker.
    if "COSIGN_PASSWORD" not in os.environ:
        os.environ["COSIGN_PASSWORD"] = (
            getpass.getpass("cosign key password: ") if sys.stdin.isatty() else ""
        )


def provenance_source(args: argparse.Namespace) -> Source:
    """What the provenance names as the build's source: the flags, else git in the workspace."""
    if args.source_commit:
        if not args.source_repository:
            raise UsageError("--source-commit needs --source-repository (a git URL or path)")
        return Source(args.source_repository, args.source_commit, args.source_path or "")
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if not workspace:
        raise UsageError(
            "the provenance needs the source commit: run with `bazel run` in a git checkout, or "
            "pass --source-repository URL --source-commit SHA"
        )
    source = source_from_git(Path(workspace))
    return Source(
        args.source_repository or source.repository,
        source.commit,
        source.workspace if args.source_path is None else args.source_path,
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
            if any(i.provenance for i in indexes):
                run = Run(
                    builder_id=args.builder_id,
                    invocation_id=str(uuid.uuid4()),
                    started_on=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                )
                opts = dataclasses.replace(
                    opts, source=provenance_source(args), run=run, workdir=Path(workdir)
                )
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

#!/usr/bin/env python3
"""verify: check a published distroless image against its source, down to the digest.

    bazel run //:verify -- REGISTRY/PATH/static-debian12:nonroot --key cosign.pub

1. the signature of the index (or image) and of each per-arch image, their SBOM attestations
   (SPDX, CycloneDX) and SLSA provenance attestations verify with the key (cosign);
2. the provenance names a repository, a commit, a Bazel target and the lock: the commit is checked
   out, its lock must have the sha256 the provenance names, and the target is rebuilt with Bazel
   in a fresh output base;
3. the rebuilt index and every per-arch image must have the published digests; where one differs,
   the image diff (private/structure_test/image_diff.py) shows which layer and files.

One line per check and per platform; the first failure ends the run with exit 1 and a line
naming it (exit 2: wrong arguments). registry.py (crane), attestations.py (cosign), source.py
(checkout, lock) and rebuild.py (Bazel, digests) do the work; this module is the command line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from private.oci import layout as oci_layout
from private.structure_test import image_diff, oci
from private.verify.attestations import SBOMS, Cosign, check_signature, provenance, statements
from private.verify.errors import UsageError, VerifyError
from private.verify.rebuild import (
    Built,
    default_output_root,
    first_layer_difference,
    manifest_json,
    rebuild,
)
from private.verify.registry import Crane, Remote, child, pull_layout, resolve
from private.verify.source import Claim, check_locks, checkout, claim_of


def report(what: str, detail: str) -> None:
    print(f"ok    {what:<12} {detail}", flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bazel run //:verify --",
        description="Verify a published image: signature, attestations, rebuild, digests.",
    )
    parser.add_argument("image", help="REGISTRY/PATH/NAME:TAG or @sha256:... (index or image)")
    parser.add_argument("--key", required=True, help="the publisher's cosign public key")
    parser.add_argument(
        "--source",
        help="clone this git repository (URL or path) instead of the one the provenance names",
    )
    parser.add_argument("--insecure", action="store_true", help="plain-HTTP registry")
    parser.add_argument(
        "--tlog", action="store_true", help="require transparency-log entries (Rekor)"
    )
    parser.add_argument("--bazel", default="bazel", help="Bazel binary for the rebuild")
    parser.add_argument(
        "--output-user-root",
        help="build there and keep it (reruns are incremental); default: a fresh one, removed",
    )
    parser.add_argument("--workdir", help="where the checkout goes (default: a temporary dir)")
    parser.add_argument("--cosign", default="cosign", help="cosign binary (default: from PATH)")
    parser.add_argument("--crane", default="crane", help=argparse.SUPPRESS)
    parser.add_argument("--runfiles", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def user_path(path: str) -> Path:
    # `bazel run` starts us in the runfiles; relative paths mean the user's directory.
    return Path(os.environ.get("BUILD_WORKING_DIRECTORY", ".")) / path


def check_attestations(remote: Remote, images: list[Remote], cosign: Cosign) -> Claim:
    """Signatures and attestations of the index and its images; the index's provenance claim."""
    check_signature(remote.ref, cosign)
    report("signature", f"{remote.ref}")
    claims = []
    for image in images:
        name = image_name(remote, image)
        if image is not remote:
            check_signature(image.ref, cosign)
            report("signature", f"{name} {image.digest}")
        for kind in SBOMS:
            statements(image.ref, kind, cosign)
            report("sbom", f"{name} {kind}")
        claim = claim_of(provenance(image.ref, image.digest, cosign))
        report("provenance", f"{name} {claim.where}")
        claims.append((name, claim))
    top = claim_of(provenance(remote.ref, remote.digest, cosign)) if remote.is_index else claim
    # Only the index is rebuilt: its images must claim the same source, or their provenance
    # would go unchecked.
    for name, claim in claims:
        if (claim.repository, claim.commit) != (top.repository, top.commit):
            raise VerifyError(
                f"provenance: {name} names {claim.repository}@{claim.commit[:12]}, the index "
                f"{top.repository}@{top.commit[:12]}"
            )
    if remote.is_index:
        report("provenance", f"index {top.where}")
    return top


def image_name(remote: Remote, image: Remote) -> str:
    if image is remote:
        return "image"
    return next(p for p, d in remote.platforms().items() if d == image.digest)


def explain(
    remote: Remote, image_digest: str, platform: str, built: Built, crane: Crane, work: Path
) -> str:
    """Which layer differs (first), with the image diff of the two printed for the details."""
    theirs = child(remote, image_digest, crane) if remote.is_index else remote
    ours = manifest_json(built.layout, built.platforms.get(platform, built.digest))
    difference = first_layer_difference(theirs.manifest, ours)
    try:
        pulled = pull_layout(theirs, work / "registry-layout", crane)
        image_diff.compare(
            pulled, built.layout, [platform.split("/")[1]] if remote.is_index else []
        )
    except (oci.ImageError, oci_layout.LayoutError, OSError, VerifyError) as e:
        print(f"      (no file diff: {e})")
    return difference


def compare(remote: Remote, built: Built, crane: Crane, work: Path) -> None:
    wanted = remote.platforms() if remote.is_index else {"image": remote.digest}
    got = built.platforms if remote.is_index else {"image": built.digest}
    for platform, digest in wanted.items():
        if got.get(platform) == digest:
            report("digest", f"{platform} {digest}")
            continue
        if platform not in got:
            raise VerifyError(f"digest: the rebuilt index has no {platform}")
        print(f"FAIL  {'digest':<12} {platform}: registry {digest}, rebuilt {got[platform]}")
        why = explain(remote, digest, platform, built, crane, work)
        raise VerifyError(f"digest of {platform} differs from the rebuild: {why}")
    if built.digest != remote.digest:
        raise VerifyError(f"digest: index {remote.digest} but rebuilt {built.digest}")
    if remote.is_index:
        report("digest", f"index {remote.digest}")


def verify(args: argparse.Namespace, work: Path) -> None:
    key = user_path(args.key)
    if not key.is_file():
        raise UsageError(f"--key {args.key}: no such file ({key})")
    runfiles = Path(args.runfiles) if args.runfiles else None
    crane_path = str(runfiles / args.crane) if runfiles and "/" in args.crane else args.crane
    crane = Crane(crane_path, args.insecure)
    cosign = Cosign(args.cosign, str(key.resolve()), args.tlog, args.insecure)

    remote = resolve(args.image, crane)
    report("resolve", f"{args.image} -> {remote.digest}")
    images = (
        [child(remote, d, crane) for d in remote.platforms().values()]
        if remote.is_index
        else [remote]
    )
    claim = check_attestations(remote, images, cosign)

    source = args.source or claim.repository
    if args.source and not args.source.startswith(("/", "http", "git", "ssh", "file:")):
        source = str(user_path(args.source).resolve())
    tree = checkout(source, claim.commit, work / "source")
    report("source", f"{source} at {claim.commit}")
    # The lock paths are relative to the repository (the workspace prefix is in them).
    for line in check_locks(claim, tree):
        report("lock", line)

    if args.output_user_root:
        output_root = user_path(args.output_user_root)
    else:
        output_root = default_output_root(work.name) or work / "bazel"
    workspace = tree / claim.workspace if claim.workspace else tree
    try:
        built = rebuild(claim.target, tree, workspace, output_root, args.bazel)
        report("rebuild", f"{claim.target} in {built.seconds:.1f}s (output root {output_root})")
        compare(remote, built, crane, work)
    finally:
        if not args.output_user_root:
            shutil.rmtree(output_root, ignore_errors=True)  # a fresh one each time: gigabytes


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="verify.", dir=args.workdir and user_path(args.workdir)))
    try:
        verify(args, work)
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130
    except VerifyError as e:
        print(f"FAIL  {e}", flush=True)
        print(f"verify: {e}", file=sys.stderr)
        return 2 if isinstance(e, UsageError) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"verified {args.image} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

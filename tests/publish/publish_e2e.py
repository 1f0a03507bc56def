#!/usr/bin/env python3
"""End-to-end test of //:sign_and_push against a real registry on a random loopback port.

Publishes static-debian12 (4 indexes x 2 arches) with a throwaway cosign key, then checks that
every tag names the locally built digest, that signatures and both SBOM attestations verify with
the key (and not with another one), that a rerun skips everything, and that after the registry is
killed in the middle of a publish, the rerun finishes the job without pushing again what is there.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

from tests.publish.e2e_support import (
    PUBLISHER,
    RUNFILES,
    SOURCE,
    TMP,
    CheckFailed,
    Registry,
    check,
    counts,
    crane_digest,
    expected_tags,
    local_digest,
    make_keys,
    plan,
    publish,
    publisher_env,
    step,
)

REPOSITORY = "static-debian12"
FILTER = "static-debian12*"
FAMILIES = ("static", "base", "cc", "python3", "java", "nodejs")
COSIGN_LOCAL = ["--insecure-ignore-tlog", "--allow-insecure-registry", "--allow-http-registry"]


def dry_run_covers_every_catalog(registry: Registry, keys: dict) -> None:
    step("--dry-run of everything: every catalog is in the runfiles, nothing is contacted")
    done = publish(
        "--registry", f"{registry.host}/distroless", "--key", str(keys["good"]), "--dry-run"
    )
    check(done.returncode == 0, "dry run exits 0")
    indexes = plan()
    check(
        f"dry run: {len(indexes)} indexes" in done.stdout, f"the plan holds {len(indexes)} indexes"
    )
    for release in ("debian12", "debian13"):
        for family in FAMILIES:
            check(
                f"/{family}" in done.stdout and f"-{release}:" in done.stdout,
                f"{family} {release} planned",
            )
    check(not (registry.root / "data" / "docker").exists(), "the registry was not written to")


def tags_name_local_digests(prefix: str) -> None:
    for tag, digest in expected_tags(REPOSITORY).items():
        remote = crane_digest(f"{prefix}/{REPOSITORY}:{tag}")
        check(remote == digest, f"{REPOSITORY}:{tag} -> {digest[:19]} (registry: {remote[:19]})")


def cosign(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["cosign", *args], capture_output=True, text=True)


def signatures_verify(prefix: str, keys: dict) -> None:
    for tag in expected_tags(REPOSITORY):
        ref = f"{prefix}/{REPOSITORY}:{tag}"
        done = cosign("verify", "--key", str(keys["good"].with_suffix(".pub")), *COSIGN_LOCAL, ref)
        check(done.returncode == 0, f"cosign verify --key good.pub {ref}")
    ref = f"{prefix}/{REPOSITORY}:nonroot"
    done = cosign("verify", "--key", str(keys["wrong"].with_suffix(".pub")), *COSIGN_LOCAL, ref)
    check(done.returncode != 0, f"cosign verify --key wrong.pub {ref} fails")


def attestation_statements(ref: str, kind: str, public_key: Path) -> list[dict] | None:
    """The in-toto statements of `kind` on `ref` that verify with the key, or None."""
    done = cosign(
        "verify-attestation", "--key", str(public_key), "--type", kind, *COSIGN_LOCAL, ref
    )
    if done.returncode != 0:
        return None
    payloads = [json.loads(line)["payload"] for line in done.stdout.splitlines() if line.strip()]
    return [json.loads(base64.b64decode(p)) for p in payloads]


def attestations_verify(prefix: str, keys: dict) -> None:
    good, wrong = keys["good"].with_suffix(".pub"), keys["wrong"].with_suffix(".pub")
    for entry in plan(REPOSITORY):
        for image in entry["images"]:
            digest = local_digest(image["layout"])
            ref = f"{prefix}/{REPOSITORY}@{digest}"
            for kind, sbom in (("spdxjson", image["spdx"]), ("cyclonedx", image["cyclonedx"])):
                statements = attestation_statements(ref, kind, good)
                check(
                    statements is not None,
                    f"cosign verify-attestation --type {kind} {image['tag']}",
                )
                local = json.loads((RUNFILES / sbom).read_text())
                check(
                    any(
                        s["subject"][0]["digest"]["sha256"] == digest.removeprefix("sha256:")
                        and s["predicate"] == local
                        for s in statements
                    ),
                    f"  its predicate is the built {kind} SBOM, its subject {digest[:19]}",
                )
            check(
                attestation_statements(ref, "spdxjson", wrong) is None,
                f"  verify-attestation with the wrong key fails for {image['tag']}",
            )


def interrupted_publish_finishes(registry: Registry, keys: dict) -> None:
    step("kill the registry in the middle of a publish, restart it, rerun")
    prefix = f"{registry.host}/interrupted"
    args = [
        "--registry",
        prefix,
        "--key",
        str(keys["good"]),
        "--insecure",
        "--filter",
        FILTER,
        "--jobs",
        "1",
    ]
    process = subprocess.Popen(
        [str(PUBLISHER), *args, *SOURCE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=publisher_env(),
    )
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("pushed"):
            registry.kill()
            print(f"killed the registry after: {line.strip()}", flush=True)
            break
    out, err = process.communicate(timeout=300)
    print("".join(seen) + out + err, flush=True)
    check(process.returncode == 1, f"the interrupted publish exits 1 (got {process.returncode})")
    check("unreachable" in err, "its error says the registry is unreachable")
    check(err.count("\n") <= 6, "its error is short")

    registry.start()
    done = publish(*args[:-2])
    check(done.returncode == 0, "the rerun succeeds")
    pushed, skipped = counts(done.stdout)
    check(skipped >= 1, f"the rerun skipped what the interrupted run pushed ({skipped})")
    check(pushed >= 1, f"and pushed the rest ({pushed})")
    check(pushed + skipped == 12, "4 indexes + 8 images in all")
    tags_name_local_digests(prefix)
    signatures_verify(prefix, keys)


def main() -> int:
    registry = Registry(TMP / "registry")
    registry.start()
    try:
        keys = make_keys(TMP)
        dry_run_covers_every_catalog(registry, keys)

        step(f"publish {FILTER} to a fresh registry")
        prefix = f"{registry.host}/distroless"
        started = time.monotonic()
        done = publish(
            "--registry", prefix, "--key", str(keys["good"]), "--insecure", "--filter", FILTER
        )
        cold = time.monotonic() - started
        check(done.returncode == 0, "publish exits 0")
        check(counts(done.stdout) == (12, 0), "12 manifests pushed (4 indexes, 8 per-arch images)")

        step("every tag names the locally built digest")
        tags_name_local_digests(prefix)
        step("signatures: good key verifies, wrong key does not")
        signatures_verify(prefix, keys)
        step("SBOM attestations (SPDX and CycloneDX) on every per-arch image")
        attestations_verify(prefix, keys)

        step("rerun: everything is skipped")
        started = time.monotonic()
        done = publish(
            "--registry", prefix, "--key", str(keys["good"]), "--insecure", "--filter", FILTER
        )
        warm = time.monotonic() - started
        check(done.returncode == 0, "rerun exits 0")
        check(counts(done.stdout) == (0, 12), "nothing pushed, 12 skipped")
        check(
            " signed " not in done.stdout and "attested " not in done.stdout,
            "nothing signed or attested",
        )
        rows = done.stdout.split("TAGS (* moved now)\n", 1)[1].split("\n\n")[0]
        check("*" not in rows, "no tag moved")

        interrupted_publish_finishes(registry, keys)
        print(f"\npublish of {FILTER}: cold {cold:.1f}s, warm (all skipped) {warm:.1f}s")
    except CheckFailed as e:
        print(f"FAIL {e}", flush=True)
        return 1
    finally:
        registry.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

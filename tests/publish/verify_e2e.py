#!/usr/bin/env python3
"""End-to-end test of //:verify against a real registry on a random loopback port.

The work tree is committed to a throwaway git repository (the provenance's source), and
static-debian12:nonroot is published from it. Then:
 - the published index verifies: signatures, SBOM and provenance attestations, the lock at the
   commit, a rebuild in a fresh output base with the same digests for the index and each image;
 - an image signed with another key fails at its signature;
 - an image without a provenance attestation fails at the attestation;
 - an image whose provenance names a different lock fails at the lock;
 - a tag moved to different content (signed, attested, with the original's provenance) fails at
   the digest, naming the layer that differs.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

from tests.publish.e2e_support import (
    RUNFILES,
    TMP,
    WORKSPACE,
    CheckFailed,
    Registry,
    check,
    local_digest,
    make_keys,
    plan,
    publish,
    publisher_env,
    step,
)
from tests.publish.slsa_schema import problems

REPOSITORY = "static-debian12"
COSIGN_LOCAL = ["--allow-insecure-registry", "--allow-http-registry"]
SIGN_OFFLINE = ["-y", "--use-signing-config=false", "--tlog-upload=false", *COSIGN_LOCAL]
SKIPPED = ("bazel-", ".git", "__pycache__", ".pytest_cache", ".ruff_cache")


def source_repository() -> tuple[Path, str]:
    """The work tree (found through a runfile) committed to a fresh git repository."""
    tree = (WORKSPACE / "locks" / "debian12.lock.json").resolve().parents[1]
    repo = TMP / "source"
    shutil.copytree(
        tree,
        repo,
        symlinks=True,
        ignore=lambda _, names: [n for n in names if n.startswith(SKIPPED)],
    )
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "verify e2e"]):
        subprocess.run(
            ["git", "-c", "user.name=e2e", "-c", "user.email=e2e@invalid", *args],
            cwd=repo,
            check=True,
            capture_output=True,
        )
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()
    return repo, commit


def verify(ref: str, key: Path, output_root: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    done = subprocess.run(
        [
            str(WORKSPACE / "verify"),
            ref,
            "--key",
            str(key),
            "--insecure",
            "--output-user-root",
            str(output_root),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        env=publisher_env(),
    )
    took = time.monotonic() - started
    print(done.stdout + done.stderr, flush=True)
    print(f"(verify {ref}: exit {done.returncode} in {took:.1f}s)", flush=True)
    return done, took


def cosign(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(["cosign", *args], capture_output=True, text=True, env=publisher_env())
    if done.returncode != 0:
        raise CheckFailed(f"cosign {' '.join(args[:2])}: {done.stderr.strip()[-300:]}")
    return done


def crane(*args: str) -> str:
    done = subprocess.run(["crane", *args, "--insecure"], capture_output=True, text=True)
    if done.returncode != 0:
        raise CheckFailed(f"crane {' '.join(args[:2])}: {done.stderr.strip()[-300:]}")
    return done.stdout.strip()


def provenance_of(ref: str, public_key: Path) -> dict:
    done = cosign(
        "verify-attestation",
        "--key",
        str(public_key),
        "--type",
        "slsaprovenance1",
        "--insecure-ignore-tlog",
        *COSIGN_LOCAL,
        ref,
    )
    return json.loads(base64.b64decode(json.loads(done.stdout.splitlines()[0])["payload"]))


def attest(ref: str, key: Path, kind: str, predicate: Path) -> None:
    cosign(
        "attest",
        "--key",
        str(key),
        *SIGN_OFFLINE,
        "--type",
        kind,
        "--predicate",
        str(predicate),
        ref,
    )


def republish(ref: str, key: Path, image: dict, predicate: dict | None) -> None:
    """Sign `ref` with `key` and attest the image's SBOMs and `predicate` (the provenance, unless
    None), as a publisher would."""
    cosign("sign", "--key", str(key), *SIGN_OFFLINE, ref)
    attest(ref, key, "spdxjson", RUNFILES / image["spdx"])
    attest(ref, key, "cyclonedx", RUNFILES / image["cyclonedx"])
    if predicate is not None:
        path = TMP / f"predicate-{time.monotonic_ns()}.json"
        path.write_text(json.dumps(predicate))
        attest(ref, key, "slsaprovenance1", path)


def extra_layer() -> Path:
    path = TMP / "extra.tar"
    with tarfile.open(path, "w") as tar:
        data = b"not from the source\n"
        info = tarfile.TarInfo("etc/injected")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def main() -> int:
    registry = Registry(TMP / "registry")
    registry.start()
    output_root = TMP / "verify-bazel"
    times = {}
    try:
        keys = make_keys(TMP)
        good, wrong = keys["good"], keys["wrong"]
        good_pub = good.with_suffix(".pub")
        repo, commit = source_repository()
        prefix = f"{registry.host}/distroless"

        step(f"publish {REPOSITORY}:nonroot from {repo} at {commit[:12]}")
        done = publish(
            "--registry",
            prefix,
            "--key",
            str(good),
            "--insecure",
            "--filter",
            f"{REPOSITORY}:nonroot",
            "--source-repository",
            str(repo),
            "--source-commit",
            commit,
        )
        check(done.returncode == 0, "publish exits 0")
        entry = plan(REPOSITORY)
        entry = next(e for e in entry if e["tag"] == "nonroot")
        amd64 = next(i for i in entry["images"] if i["arch"] == "amd64")
        amd64_digest = local_digest(amd64["layout"])
        index_ref = f"{prefix}/{REPOSITORY}:nonroot"

        step("the provenance statements are valid SLSA v1 in-toto statements")
        for ref in (index_ref, f"{prefix}/{REPOSITORY}@{amd64_digest}"):
            document = provenance_of(ref, good_pub)
            check(problems(document) == [], f"{ref}: valid ({problems(document)[:3]})")
            external = document["predicate"]["buildDefinition"]["externalParameters"]
            check(
                external["commit"] == commit and external["repository"] == str(repo),
                f"  names {repo}@{commit[:12]}, target {external['target']}",
            )

        step("verify the published index: rebuild in a fresh output base")
        done, times["static-debian12:nonroot"] = verify(index_ref, good_pub, output_root)
        check(done.returncode == 0, "verify exits 0")
        for what in ("linux/amd64", "linux/arm64/v8", "index sha256:", "lock", "rebuild"):
            check(
                any(line.startswith("ok") and what in line for line in done.stdout.splitlines()),
                f"  an ok line for {what}",
            )

        original = f"{prefix}/{REPOSITORY}@{amd64_digest}"
        predicate = provenance_of(original, good_pub)["predicate"]
        other_lock = json.loads(json.dumps(predicate))
        for dependency in other_lock["buildDefinition"]["resolvedDependencies"]:
            if "#" in dependency.get("uri", ""):
                dependency["digest"]["sha256"] = "0" * 64
        # (what, repository of the copy, its signer, its provenance, what the message must say)
        cases = [
            (
                "signed with another key",
                "wrongkey",
                wrong,
                predicate,
                ("signature of", "another key"),
            ),
            (
                "without provenance",
                "noprovenance",
                good,
                None,
                ("slsaprovenance1", "none attached"),
            ),
            (
                "whose provenance names another lock",
                "otherlock",
                good,
                other_lock,
                ("lock: the provenance names locks/debian12.lock.json",),
            ),
        ]
        for what, name, key, provenance, expected in cases:
            step(f"an image {what} fails")
            copy = f"{registry.host}/{name}/{REPOSITORY}@{amd64_digest}"
            crane("copy", original, copy)
            republish(copy, key, amd64, provenance)
            done, _ = verify(copy, good_pub, output_root)
            check(done.returncode == 1, "verify exits 1")
            check(all(e in done.stderr for e in expected), f"  the message says {expected}")

        step("a tag moved to different content fails at the digest, naming the layer")
        moved = f"{registry.host}/retagged/{REPOSITORY}:nonroot-amd64"
        crane(
            "append",
            "-b",
            f"{prefix}/{REPOSITORY}@{amd64_digest}",
            "-f",
            str(extra_layer()),
            "-t",
            moved,
        )
        predicate = provenance_of(f"{prefix}/{REPOSITORY}@{amd64_digest}", good_pub)["predicate"]
        republish(moved, good, amd64, predicate)
        done, _ = verify(moved, good_pub, output_root)
        check(done.returncode == 1, "verify exits 1")
        check(
            "digest of image differs from the rebuild" in done.stderr
            and "1 more layer" in done.stderr,
            "  the message names the digest and the layer",
        )
        check("etc/injected" in done.stdout, "  the image diff shows the added file")
        print(f"\nverify times: {times}")
    except CheckFailed as e:
        print(f"FAIL {e}", flush=True)
        return 1
    finally:
        registry.stop()
        subprocess.run(
            ["bazel", f"--output_user_root={output_root}", "shutdown"], capture_output=True
        )
        shutil.rmtree(output_root, ignore_errors=True)  # a whole output base: gigabytes
    return 0


if __name__ == "__main__":
    sys.exit(main())

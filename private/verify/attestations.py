"""cosign: the signature and the attestations of a digest, checked with the user's key."""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass

from private.verify.errors import UsageError, VerifyError

SBOMS = ("spdxjson", "cyclonedx")
PROVENANCE = "slsaprovenance1"
PROVENANCE_TYPE = "https://slsa.dev/provenance/v1"


@dataclass(frozen=True)
class Cosign:
    """cosign verify / verify-attestation with the key and the registry's flags."""

    binary: str
    key: str
    tlog: bool
    insecure: bool

    def flags(self) -> list[str]:
        flags = ["--key", self.key]
        if not self.tlog:
            flags.append("--insecure-ignore-tlog")  # signed offline (sign_and_push's default)
        if self.insecure:
            flags += ["--allow-insecure-registry", "--allow-http-registry"]
        return flags

    def run(self, *args: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [self.binary, *args, *self.flags()], capture_output=True, text=True, timeout=300
            )
        except FileNotFoundError as e:
            raise UsageError(f"{self.binary} not found: install cosign or put it on PATH") from e


def why(stderr: str) -> str:
    """cosign's reason, in the words the user needs."""
    text = stderr.lower()
    if "no signatures found" in text or "no attestations found" in text:
        return "none attached"
    if "none of the attestations matched the predicate type" in text:
        # cosign lists the predicate types that are there: say so, they tell what is missing.
        found = stderr.rsplit("found:", 1)[-1].strip() if "found:" in stderr else ""
        return f"none attached (the signed attestations are: {found})" if found else "none attached"
    if "no matching" in text or "invalid signature" in text or "failed to verify" in text:
        return "none verifies with the key (signed with another key?)"
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1].removeprefix("Error: ") if lines else "cosign failed"


def check_signature(ref: str, cosign: Cosign) -> None:
    done = cosign.run("verify", ref)
    if done.returncode != 0:
        raise VerifyError(f"signature of {ref}: {why(done.stderr)}")


def statements(ref: str, kind: str, cosign: Cosign) -> list[dict]:
    """The in-toto statements of type `kind` on `ref` whose signature verifies with the key."""
    done = cosign.run("verify-attestation", "--type", kind, ref)
    if done.returncode != 0:
        raise VerifyError(f"{kind} attestation of {ref}: {why(done.stderr)}")
    found = []
    for line in done.stdout.splitlines():
        if line.strip():
            found.append(json.loads(base64.b64decode(json.loads(line)["payload"])))
    if not found:
        raise VerifyError(f"{kind} attestation of {ref}: none attached")
    return found


def provenance(ref: str, digest: str, cosign: Cosign) -> dict:
    """The one SLSA v1 predicate whose statement's subject is `digest`."""
    matching = [
        s["predicate"]
        for s in statements(ref, PROVENANCE, cosign)
        if s.get("predicateType") == PROVENANCE_TYPE
        and any(
            f"sha256:{x.get('digest', {}).get('sha256')}" == digest for x in s.get("subject", [])
        )
    ]
    if not matching:
        raise VerifyError(f"provenance of {ref}: no SLSA v1 statement names {digest}")
    distinct = {json.dumps(p["buildDefinition"], sort_keys=True) for p in matching}
    if len(distinct) > 1:
        raise VerifyError(f"provenance of {ref}: {len(distinct)} differing provenances attached")
    return matching[0]

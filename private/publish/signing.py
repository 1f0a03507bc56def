"""cosign: recognise our signatures and attestations, sign, attest, read the public key."""

from __future__ import annotations

import subprocess
from pathlib import Path

from private.publish.errors import AuthRefused, RegistryUnreachable
from private.publish.options import Options
from private.publish.registry import COMMAND_TIMEOUT, classify, run


def cosign_registry_flags(opts: Options) -> list[str]:
    return ["--allow-insecure-registry", "--allow-http-registry"] if opts.insecure else []


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


def sign(ref: str, what: str, opts: Options, recursive: bool = False) -> None:
    """Sign `ref`; recursive signs an index and every manifest it lists."""
    run(
        [opts.cosign, "sign", *sign_flags(opts), *(["--recursive"] if recursive else []), ref],
        what,
        opts,
    )


def attest(ref: str, kind: str, predicate: Path, what: str, opts: Options) -> None:
    """Attach `predicate` (an SBOM or provenance) to `ref` as a signed attestation of `kind`."""
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
        what,
        opts,
    )


def public_key(key: str, opts: Options, workdir: Path) -> Path:
    """The public half of the signing key, to recognise our signatures."""
    out = workdir / "cosign.pub"
    run(
        [opts.cosign, "public-key", "--key", key, "--outfile", str(out)],
        f"read the key {key}",
        opts,
    )
    return out

"""Verify a clearsigned InRelease with gpgv and check its Valid-Until.

gpgv's exit status is not the verdict: with several signatures on InRelease and a keyring
holding only some of the keys, gpgv exits 2 although a signature is good. Like apt, the verdict
comes from the --status-fd lines: at least one GOODSIG whose key also has a VALIDSIG, and no
BADSIG. The text that is parsed afterwards is gpgv's --output, i.e. exactly the signed bytes,
never the envelope around them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from debian_package_manager.errors import VerificationError


@dataclass(frozen=True)
class SignatureCheck:
    signed_text: bytes
    signer_fingerprints: tuple[str, ...]  # primary-key fingerprints of the good signatures


def verify_inrelease(data: bytes, keyrings: tuple[str, ...], url: str) -> SignatureCheck:
    gpgv = shutil.which("gpgv")
    if gpgv is None:
        raise VerificationError("gpgv is not installed; install the 'gpgv' package")
    for keyring in keyrings:
        if not Path(keyring).is_file():
            raise VerificationError(
                f"keyring {keyring} does not exist; install debian-archive-keyring "
                f"or fix 'keyrings' in the config"
            )
    with tempfile.TemporaryDirectory(prefix="dpm-gpgv-") as temp:
        signed = Path(temp, "InRelease")
        signed.write_bytes(data)
        output = Path(temp, "signed-text")
        command = [gpgv, "--status-fd", "1", "--output", str(output)]
        for keyring in keyrings:
            command += ["--keyring", keyring]
        command.append(str(signed))
        result = subprocess.run(command, capture_output=True, check=False, timeout=120)
        status = result.stdout.decode("utf-8", "replace")
        good, valid, bad = _parse_status(status)
        trusted = sorted(fpr for key_id, fpr in valid if key_id in good)
        if bad:
            raise VerificationError(
                f"BAD signature on {url} (key {', '.join(sorted(bad))}): the file was "
                f"tampered with or corrupted in transit; refusing to use it"
            )
        if not trusted:
            detail = _first_problem(status, result.stderr.decode("utf-8", "replace"))
            raise VerificationError(
                f"no good signature from a trusted key on {url} ({detail}); keyrings: "
                f"{', '.join(keyrings)}"
            )
        if not output.is_file():
            raise VerificationError(f"gpgv verified {url} but wrote no signed text")
        return SignatureCheck(signed_text=output.read_bytes(), signer_fingerprints=tuple(trusted))


def _parse_status(status: str) -> tuple[set[str], list[tuple[str, str]], set[str]]:
    """(GOODSIG long key ids, [(long key id, primary fingerprint)] of VALIDSIG, BADSIG ids)."""
    good: set[str] = set()
    valid: list[tuple[str, str]] = []
    bad: set[str] = set()
    for line in status.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[0] != "[GNUPG:]":
            continue
        keyword = fields[1]
        if keyword == "GOODSIG":
            good.add(fields[2][-16:].upper())
        elif keyword == "BADSIG":
            bad.add(fields[2][-16:].upper())
        elif keyword == "VALIDSIG":
            signing_fpr = fields[2].upper()
            primary_fpr = fields[-1].upper() if len(fields) >= 12 else signing_fpr
            valid.append((signing_fpr[-16:], primary_fpr))
    # GOODSIG names the signing (sub)key's id; VALIDSIG's first field is that key's fingerprint.
    return good, valid, bad


def _first_problem(status: str, stderr: str) -> str:
    """The most telling status line, e.g. 'NO_PUBKEY <key id>' (signed by an unknown key)."""
    for keyword in ("NO_PUBKEY", "EXPKEYSIG", "REVKEYSIG", "NODATA", "ERRSIG"):
        for line in status.splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[1] == keyword:
                return " ".join(fields[1:3])
    lines = [line for line in stderr.splitlines() if line.strip()]
    return lines[-1] if lines else "no signature found"


def reference_time(snapshot: str | None, now: datetime) -> tuple[datetime, str]:
    """What Valid-Until is compared with, and its name in messages: a snapshot's own time
    (a snapshot stays lockable after its Release files expire), else now."""
    if snapshot is None:
        return now, "now"
    return datetime.strptime(snapshot, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC), "the snapshot time"


def check_valid_until(
    valid_until: datetime | None,
    reference: datetime,
    reference_name: str,
    policy: str,
    url: str,
    warn,
) -> None:
    """Refuse an expired Release unless the config says `valid_until: ignore` (then warn)."""
    if valid_until is None or valid_until >= reference:
        return
    message = (
        f"{url} expired: Valid-Until {valid_until:%Y-%m-%d %H:%M:%S} UTC is before "
        f"{reference_name} {reference:%Y-%m-%d %H:%M:%S} UTC"
    )
    if policy == "ignore":
        warn(f"{message}; accepted ONLY because the config sets 'valid_until: ignore'")
        return
    raise VerificationError(
        f"{message}; a stale index may hide security fixes. Use a newer mirror/snapshot, or "
        f"set 'valid_until: ignore' on this archive (or pass --allow-expired) to accept it"
    )

"""Talking to the registry: crane commands, digests looked up, a first check that it answers.

A failed crane or cosign command becomes the PublishError that says what the user should do.
"""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.request

from private.publish.errors import AuthRefused, PublishError, RegistryUnreachable, UsageError
from private.publish.options import Options

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

# How crane says a manifest is not in the registry (the repository may not exist yet either).
NOT_FOUND = ("MANIFEST_UNKNOWN", "NAME_UNKNOWN", "status code 404", "404 Not Found")

COMMAND_TIMEOUT = 300


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

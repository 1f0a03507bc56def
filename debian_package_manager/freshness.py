"""Whether `lock` may stop early: nothing a new lock would be made from has changed.

A lock is the product of the config (its `config_sha256` also covers a base lock's versions),
the archives' InRelease files (each lock records `inrelease_sha256`), the npm registry's
metadata documents, and the tool itself. The lock file holds the first two; the rest goes into
a stamp in the download cache (`<cache>/locked/<ab>/<sha256 of the lock file>`), written each
time a lock is written. The committed lock format does not change, and a lock edited by hand
or checked out from elsewhere has no stamp, so it is re-locked.

The check downloads only the InRelease files and npm metadata (small, in parallel) and hashes
them; nothing is verified with gpgv, because an unchanged file was verified when the lock was
made. Valid-Until is checked again against now, as a full run would: an expired archive still
fails (or warns, under valid_until: ignore). Availability of the locked .debs is not probed
again (`lock --force` or `update` does that).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import partial
from pathlib import Path
from typing import Any

from debian_package_manager import availability
from debian_package_manager.cache import HashCache
from debian_package_manager.config import ReleaseSpec
from debian_package_manager.fetch import Downloader
from debian_package_manager.npm import fetch_metadata
from debian_package_manager.verify import check_valid_until, reference_time

KIND = "locked"
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Stamp:
    """What a lock file was made from, beyond what it records itself."""

    tool: str  # tool_fingerprint() of the run that wrote it
    npm: dict[str, str]  # npm metadata URL -> sha256 of the document the run used

    def to_json(self) -> str:
        return json.dumps({"tool": self.tool, "npm": self.npm}, sort_keys=True) + "\n"


def tool_fingerprint() -> str:
    """sha256 over the tool's own sources: a changed resolver must re-lock."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stamp_key(lock_bytes: bytes) -> str:
    return hashlib.sha256(lock_bytes).hexdigest()


def record(cache: HashCache, lock_bytes: bytes, stamp: Stamp) -> None:
    cache.put_marker(KIND, stamp_key(lock_bytes), stamp.to_json())


def read_stamp(cache: HashCache, lock_bytes: bytes) -> Stamp | None:
    """The stamp of exactly this lock file, or None (absent or unreadable: re-lock)."""
    try:
        data = json.loads(cache.marker_path(KIND, stamp_key(lock_bytes)).read_text())
        return Stamp(tool=str(data["tool"]), npm={str(k): str(v) for k, v in data["npm"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def inrelease_url(archive: dict[str, Any]) -> str:
    return f"{archive['url']}/dists/{archive['suite']}/InRelease"


def why_relock(
    release: ReleaseSpec,
    lock_bytes: bytes | None,
    downloader: Downloader,
    allow_expired: bool,
    now: datetime,
    warn: Callable[[str], None],
) -> str | None:
    """None when the lock on disk is what a new run would write, else why it is not.

    Raises what a full run would raise for an expired archive, and warns what it would warn
    (expired archives under valid_until: ignore, .debs the mirror does not serve).
    """
    if lock_bytes is None:
        return "no lock file yet"
    stamp = read_stamp(downloader.cache, lock_bytes)
    if stamp is None:
        return "the lock file was not written by a run that used this cache"
    if stamp.tool != tool_fingerprint():
        return "the lock tool changed"
    try:
        document = json.loads(lock_bytes)
        archives = document["archives"]
    except (ValueError, KeyError, TypeError):
        return "the lock file is unreadable"
    if document.get("config_sha256") != release.config_sha256:
        return "the config changed"
    policies = {
        spec.suite: "ignore" if allow_expired else spec.valid_until for spec in release.archives
    }
    if [a.get("suite") for a in archives] != list(policies) or any(
        a.get("valid_until_policy") != policies[a["suite"]] for a in archives
    ):
        return "the Valid-Until policy changed (--allow-expired)"
    getters: dict[str, Callable[[str], bytes]] = {
        inrelease_url(archive): downloader.get for archive in archives
    }
    getters.update({url: partial(fetch_metadata, downloader) for url in stamp.npm})
    with ThreadPoolExecutor(max_workers=max(1, len(getters))) as pool:
        futures = {
            url: pool.submit(lambda url, get: hashlib.sha256(get(url)).hexdigest(), url, get)
            for url, get in getters.items()
        }
        digests = {url: future.result() for url, future in futures.items()}
    for archive in archives:
        url = inrelease_url(archive)
        if digests[url] != archive.get("inrelease_sha256"):
            return f"{url} changed"
    for url, sha256 in stamp.npm.items():
        if digests[url] != sha256:
            return f"{url} changed"
    reference, reference_name = reference_time(release.snapshot, now)
    for archive in archives:
        if archive.get("valid_until"):
            check_valid_until(
                _utc(archive["valid_until"]),
                reference,
                reference_name,
                archive["valid_until_policy"],
                inrelease_url(archive),
                warn,
            )
    return _availability_changed(document, downloader, release.name, warn)


def _availability_changed(
    document: dict[str, Any], downloader: Downloader, release: str, warn: Callable[[str], None]
) -> str | None:
    """Ask again about the .debs the lock records as unavailable, as a full run would (only
    positive answers are cached); a changed answer re-locks. Warns as a full run does."""
    unavailable = document.get("unavailable", {})
    asked = sorted(
        {
            (tuple(entry["urls"]), entry["sha256"], entry["size"]): reason
            for arch, reasons in unavailable.items()
            for name, reason in reasons.items()
            for entry in [document["packages"][arch][name]]
        }.items()
    )
    answers = downloader.availability_all([key for key, _ in asked])
    for (key, reason), answer in zip(asked, answers, strict=True):
        if answer != reason:
            return f"{key[0][-1]} is now {'served' if answer is None else answer}"
    for line in availability.summaries(
        release, document["packages"], unavailable, document.get("unavailable_sets", {})
    ):
        warn(line)
    return None


def _utc(text: str) -> datetime:
    parsed = parsedate_to_datetime(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)

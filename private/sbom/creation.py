"""What makes both SBOMs reproducible: their creator, time and identity never come from the run.

The time is the newest archive Date of the release's lock (never the wall clock); the SPDX
documentNamespace and the CycloneDX serialNumber are derived from a hash of the document's content.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
from datetime import UTC

TOOL = "distroless-sbom-1"


def lock_created(lock: dict) -> str:
    """The newest archive Date of a lock as an ISO 8601 UTC time: the SBOMs' creation time."""
    dates = [email.utils.parsedate_to_datetime(a["date"]) for a in lock.get("archives", [])]
    if not dates:
        return "1970-01-01T00:00:00Z"
    return max(dates).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_hash(document: dict) -> str:
    """The sha256 (hex) of a document's canonical JSON, before its identity is set."""
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

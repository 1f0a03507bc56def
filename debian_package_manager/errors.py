"""Exceptions whose message is a complete, one-line, actionable sentence for the user.

Every failure the tool can foresee is raised as a DpmError subclass; the CLI catches DpmError
once, prints its message and exits non-zero. Anything else is a bug and keeps its traceback.
"""


class DpmError(Exception):
    """Base class: str(error) is the user-facing message."""

    exit_code = 1


class ConfigError(DpmError):
    """The YAML config is malformed or names something that does not exist."""


class FetchError(DpmError):
    """A download failed for good (after retries) or returned the wrong bytes."""


class NotFoundError(FetchError):
    """The server answered 404/410 for `url`: retrying will not help."""

    def __init__(self, message: str, url: str):
        super().__init__(message)
        self.url = url


class UnavailableError(FetchError):
    """--require-available: a locked .deb cannot be downloaded from where the lock says."""


class VerificationError(DpmError):
    """A signature, a Valid-Until date or a hash chain did not check out."""


class ResolutionError(DpmError):
    """A package set cannot be resolved (unknown package, unsatisfiable dependency)."""


class LockError(DpmError):
    """A lock file is missing, unreadable or stale."""


class StaleLockError(LockError):
    """`check` found a lock that no longer matches the config."""

    exit_code = 3

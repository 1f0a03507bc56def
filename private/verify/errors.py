"""verify's errors: each message is one line naming the check that failed and what it saw."""


class VerifyError(Exception):
    """A check that failed; the CLI prints the message once and exits 1."""


class UsageError(VerifyError):
    """Wrong arguments or a tool that is missing: nothing was checked (exit 2)."""

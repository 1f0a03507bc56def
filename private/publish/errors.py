"""The publisher's errors: each message is one line that tells the user what to do.

The command line maps them to exit codes (2 for a UsageError, 1 otherwise); RegistryUnreachable
and AuthRefused stop the remaining work, which would fail the same way.
"""


class PublishError(Exception):
    """A failure the user can act on; the message is one line that says what to do."""


class UsageError(PublishError):
    """Wrong arguments or missing inputs: nothing was contacted."""


class RegistryUnreachable(PublishError):
    """The registry does not answer; no point in trying the other images."""


class AuthRefused(PublishError):
    """The registry refused the credentials; no point in trying the other images."""

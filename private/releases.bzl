"""The Debian releases the catalog is built for: release -> HUB of its lock.

They are the `debian.lock` tags of MODULE.bazel (its `debian.releases` tag makes the extension
write @distroless_releases). Adding a release: lock it (debian_packages.yaml) and register its lock in
MODULE.bazel; the families, tests, SBOMs and //:sign_and_push follow.
"""

load("@distroless_releases//:releases.bzl", _RELEASES = "RELEASES")

RELEASES = _RELEASES

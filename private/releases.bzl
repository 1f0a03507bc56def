"""The Debian releases the catalog is built for: each a hub of the `debian` module extension
(MODULE.bazel registers its lock). Adding a release: lock it (debian_packages.yaml), register the
lock in MODULE.bazel, and add it here."""

load("@debian12//:packages.bzl", debian12 = "HUB")
load("@debian13//:packages.bzl", debian13 = "HUB")

RELEASES = {
    "debian12": debian12,
    "debian13": debian13,
}

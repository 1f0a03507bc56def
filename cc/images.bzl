"""The cc family's image: base plus the C and C++ runtime libraries."""

load("//private/image:row.bzl", "image")

IMAGES = [
    image(name = "cc", parent = "base", sets = ["cc"], skip = ["ca-certificates"]),
]

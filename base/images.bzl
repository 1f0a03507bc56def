"""The base family's images: static, base-nossl and base (whose debug variant is `debug`)."""

load("//private/image:layers.bzl", "ca_bundle", "release_files")
load("//private/image:row.bzl", "CA_BUNDLE", "PATH", "image")

IMAGES = [
    image(
        name = "static",
        sets = ["static"],
        skip = ["ca-certificates"],
        layers = [ca_bundle, release_files],
        env = {"PATH": PATH, "SSL_CERT_FILE": CA_BUNDLE},
    ),
    image(name = "base_nossl", parent = "static", sets = ["base_nossl"], skip = ["ca-certificates"]),
    image(name = "base", parent = "base_nossl", sets = ["base"], skip = ["ca-certificates"], debug_name = "debug"),
]

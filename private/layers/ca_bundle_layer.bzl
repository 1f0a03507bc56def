"""ca_bundle_layer: the CA bundle of the ca-certificates package."""

load(":layer_rule.bzl", "layer_rule")

ca_bundle_layer = layer_rule(
    tool = Label("//private/layers:ca_bundle_layer"),
    source = "deb",
    allow_files = [".deb"],
    source_doc = "The ca-certificates .deb.",
    doc = """/etc/ssl/certs/ca-certificates.crt, every certificate of the ca-certificates .deb in
update-ca-certificates' order (so the image needs no openssl), with the package's copyright file
and its dpkg status entry.""",
)

"""java_keystore_layer: Java's CA keystore, made from the ca-certificates package."""

load(":layer_rule.bzl", "layer_rule")

java_keystore_layer = layer_rule(
    tool = Label("//private/layers:java_keystore_layer"),
    source = "deb",
    allow_files = [".deb"],
    source_doc = "The ca-certificates .deb.",
    doc = """/etc/ssl/certs/java/cacerts: a JKS keystore (password `changeit`) of the certificates of
the ca-certificates .deb, as Debian's ca-certificates-java writes it, without a JDK at build time.
It holds only the keystore: put it on an image that has the ca_bundle_layer.""",
)

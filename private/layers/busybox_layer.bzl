"""busybox_layer: the debug images' shell."""

load(":layer_rule.bzl", "layer_rule")

busybox_layer = layer_rule(
    tool = Label("//private/layers:busybox_layer"),
    source = "deb",
    allow_files = [".deb"],
    source_doc = "The busybox-static .deb.",
    doc = """/busybox/busybox from the busybox-static .deb with a symlink /busybox/<applet> for every
applet in the binary's own applet table, with the package's copyright file and dpkg status entry.""",
)

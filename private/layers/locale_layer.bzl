"""locale_layer: the C.UTF-8 locale."""

load(":layer_rule.bzl", "layer_rule")

locale_layer = layer_rule(
    tool = Label("//private/layers:locale_layer"),
    source = "deb",
    allow_files = [".deb"],
    source_doc = "The libc-bin .deb.",
    doc = """/usr/lib/locale/C.utf8 from the libc-bin .deb, for `LANG=C.UTF-8`, with the package's
copyright file and dpkg status entry; the rest of libc-bin (ldconfig, locale, iconv) stays out.""",
)

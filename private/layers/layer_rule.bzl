"""What the named layer rules share: one action that runs a layer tool of //private/layers."""

def layer_rule(tool, source, doc, source_doc, allow_files = True):
    """A rule that writes `<name>.tar.gz` with `tool --out <layer> --<source> <file>`.

    Args:
        tool: the layer tool (a py_binary of //private/layers).
        source: the attribute naming the one input file, also the tool's flag (deb, tarball).
        doc: the rule's documentation.
        source_doc: the input attribute's documentation.
        allow_files: the input's allowed extensions (True: any).

    Returns:
        The rule.
    """

    def _impl(ctx):
        out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
        src = getattr(ctx.file, source)
        ctx.actions.run(
            executable = ctx.executable._tool,
            arguments = ["--out", out.path, "--" + source, src.path],
            inputs = [src],
            outputs = [out],
            mnemonic = "ImageLayer",
            progress_message = "Writing the layer %{label}",
        )
        return [DefaultInfo(files = depset([out]))]

    return rule(
        implementation = _impl,
        doc = doc,
        attrs = {
            source: attr.label(mandatory = True, allow_single_file = allow_files, doc = source_doc),
            "_tool": attr.label(default = tool, executable = True, cfg = "exec"),
        },
    )

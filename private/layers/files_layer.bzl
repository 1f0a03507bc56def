"""files_layer: files, directories and symlinks written by the build."""

def _files_layer_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    entries = json.decode(ctx.attr.entries)
    for src, path in ctx.attr.srcs.items():
        entries.append({"path": path, "src": src.files.to_list()[0].path, "mode": "0755" if ctx.attr.executable else "0644"})
    spec = ctx.actions.declare_file(ctx.label.name + ".spec.json")
    ctx.actions.write(spec, json.encode(entries))
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = ["--out", out.path, "--spec", spec.path],
        inputs = [spec] + ctx.files.srcs,
        outputs = [out],
        mnemonic = "ImageLayer",
        progress_message = "Writing the layer %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

files_layer = rule(
    implementation = _files_layer_impl,
    doc = """A layer of files, directories and symlinks, written deterministically (sorted, mtime 0,
parents created as 0755 root directories).""",
    attrs = {
        "entries": attr.string(
            default = "[]",
            doc = """JSON list of entries `{"path", "kind": "file"|"dir"|"symlink", "mode": "0644",
"uid": 0, "gid": 0, "content": "...", "target": "..."}`; a file's `content` is text.""",
        ),
        "srcs": attr.label_keyed_string_dict(allow_files = True, doc = "Files to copy: label -> path in the layer."),
        "executable": attr.bool(default = False, doc = "`srcs` get mode 0755 instead of 0644."),
        "_tool": attr.label(default = Label("//private/layers:files_layer"), executable = True, cfg = "exec"),
    },
)

"""image_layer: the layers of an image that are not whole Debian packages (see layers.py)."""

def _image_layer_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    args = ctx.actions.args()
    args.add(ctx.attr.kind)
    args.add("--out", out)
    inputs = []
    if ctx.attr.kind == "files":
        spec = json.decode(ctx.attr.spec)
        for src, path in ctx.attr.srcs.items():
            spec.append({"path": path, "src": src.files.to_list()[0].path, "mode": "0755" if ctx.attr.executable else "0644"})
            inputs.extend(src.files.to_list())
        spec_file = ctx.actions.declare_file(ctx.label.name + ".spec.json")
        ctx.actions.write(spec_file, json.encode(spec))
        inputs.append(spec_file)
        args.add("--spec", spec_file)
    elif ctx.attr.kind in ("cacerts", "busybox", "locale"):
        if not ctx.file.deb:
            fail("%s: kind %r needs `deb`" % (ctx.label, ctx.attr.kind))
        args.add("--deb", ctx.file.deb)
        inputs.append(ctx.file.deb)
        if ctx.attr.java:
            args.add("--java")
    else:
        if not ctx.file.tarball:
            fail("%s: kind 'node' needs `tarball`" % ctx.label)
        args.add("--tarball", ctx.file.tarball)
        inputs.append(ctx.file.tarball)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = inputs,
        tools = [ctx.file._deb_layer],
        outputs = [out],
        mnemonic = "ImageLayer",
        progress_message = "Writing the %s layer %%{label}" % ctx.attr.kind,
    )
    return [DefaultInfo(files = depset([out]))]

image_layer = rule(
    implementation = _image_layer_impl,
    doc = """A deterministic gzip layer made by private/image/layers.py.

kind = "files": `spec` (JSON list of {path, kind: file|dir|symlink, mode, uid, gid, content,
target}) plus `srcs` (file label -> path in the layer). kind = "cacerts": the CA bundle
/etc/ssl/certs/ca-certificates.crt (and with `java`, the JKS keystore /etc/ssl/certs/java/cacerts)
from the ca-certificates `deb`, with its dpkg status entry. kind = "busybox": busybox-static's
binary as /busybox/busybox with a symlink per applet. kind = "locale": /usr/lib/locale/C.utf8
from the libc-bin `deb`, with its dpkg status entry. kind = "node": /nodejs/bin/node from an
official Node.js build's npm `tarball`.""",
    attrs = {
        "kind": attr.string(mandatory = True, values = ["files", "cacerts", "busybox", "node", "locale"]),
        "spec": attr.string(default = "[]", doc = "files: JSON list of entries."),
        "srcs": attr.label_keyed_string_dict(allow_files = True, doc = "files: file -> path in the layer."),
        "executable": attr.bool(default = False, doc = "files: `srcs` get mode 0755 instead of 0644."),
        "deb": attr.label(allow_single_file = [".deb"], doc = "cacerts, busybox, locale: the package."),
        "java": attr.bool(default = False, doc = "cacerts: also write the Java keystore."),
        "tarball": attr.label(allow_single_file = True, doc = "node: the npm tarball."),
        "_tool": attr.label(default = "//private/image:layers.py", executable = True, cfg = "exec", allow_single_file = True),
        "_deb_layer": attr.label(default = "//private/debian:deb_layer.py", allow_single_file = True),
    },
)

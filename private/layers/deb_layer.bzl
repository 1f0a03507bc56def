"""deb_layer: one Debian package as an OCI layer, a dpkg status entry and SBOM metadata."""

DebPackageInfo = provider(
    doc = "A Debian package turned into a layer, with the metadata SBOMs and reports need.",
    fields = {
        "package": "The Debian package name.",
        "layer": "The layer (.tar.gz): the package's files and /var/lib/dpkg/status.d entries.",
        "metadata": "JSON: lock entry (version, sha256, urls, source) plus control fields and licences.",
    },
)

def _deb_layer_impl(ctx):
    layer = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    metadata = ctx.actions.declare_file(ctx.label.name + ".json")
    args = ctx.actions.args()
    args.add("--deb", ctx.file.deb)
    args.add("--package", ctx.attr.package)
    args.add("--setuid", ctx.attr.setuid)
    args.add("--metadata", ctx.attr.lock_entry)
    args.add("--out-layer", layer)
    args.add("--out-metadata", metadata)
    if ctx.attr.merged_usr:
        args.add("--merged-usr")
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [args],
        inputs = [ctx.file.deb],
        outputs = [layer, metadata],
        mnemonic = "DebLayer",
        progress_message = "Turning %s into a layer (%%{label})" % ctx.attr.package,
    )
    return [
        DefaultInfo(files = depset([layer])),
        OutputGroupInfo(metadata = depset([metadata])),
        DebPackageInfo(package = ctx.attr.package, layer = layer, metadata = metadata),
    ]

deb_layer = rule(
    implementation = _deb_layer_impl,
    doc = """Turns a .deb into a deterministic gzip layer with its dpkg status entry.

The layer holds data.tar's files with their modes, owners, symlinks and hard links, without
documentation other than /usr/share/doc/<package>/copyright, plus
/var/lib/dpkg/status.d/<package> (the control stanza with `Status: install ok installed`) and
<package>.md5sums. With `merged_usr`, paths below /bin, /sbin and /lib* move to /usr and the build
fails if the package would replace one of those symlinks; without it, the build fails if the
package would turn one of those directories into a symlink.""",
    attrs = {
        "deb": attr.label(allow_single_file = [".deb"], mandatory = True, doc = "The .deb file."),
        "package": attr.string(mandatory = True, doc = "The package name the .deb must contain."),
        "merged_usr": attr.bool(default = False, doc = "The release has /bin -> usr/bin style symlinks."),
        "setuid": attr.string(
            default = "reject",
            values = ["reject", "strip", "keep"],
            doc = "What to do with setuid/setgid files: fail the build, clear the bits, or keep them.",
        ),
        "lock_entry": attr.string(default = "{}", doc = "JSON of the lock entry, carried into the metadata."),
        "_tool": attr.label(
            default = Label("//private/layers:deb_layer"),
            executable = True,
            cfg = "exec",
        ),
    },
)

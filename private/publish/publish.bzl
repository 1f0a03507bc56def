"""sign_and_push: an executable that publishes, signs and attests the images of some catalogs."""

load("//private:launcher.bzl", "rlocation", "write_launcher")
load("//private/sbom:sbom.bzl", "DistrolessSbomInfo")

def _sign_and_push_impl(ctx):
    crane = ctx.toolchains["@rules_oci//oci:crane_toolchain_type"]
    indexes = []
    files = []
    for target in ctx.attr.sboms:
        info = target[DistrolessSbomInfo]
        sboms = {i.image.path: i for i in info.images}
        provenances = {i.index.path: i.provenance for i in info.indexes}
        files.append(info.lock)
        for entry in info.catalog.entries:
            images = []
            for image in entry.images:
                sbom = sboms[image.image.path]
                images.append({
                    "arch": image.arch,
                    "tag": image.tag,
                    "layout": rlocation(ctx, image.image),
                    "spdx": rlocation(ctx, sbom.spdx),
                    "cyclonedx": rlocation(ctx, sbom.cyclonedx),
                    "provenance": rlocation(ctx, sbom.provenance),
                })
                files.extend([image.image, sbom.spdx, sbom.cyclonedx, sbom.provenance])
            indexes.append({
                "repository": entry.repository,
                "tag": entry.tag,
                "layout": rlocation(ctx, entry.index),
                "lock": rlocation(ctx, info.lock),
                "provenance": rlocation(ctx, provenances[entry.index.path]),
                "images": images,
            })
            files.extend([entry.index, provenances[entry.index.path]])
    plan = ctx.actions.declare_file(ctx.label.name + ".plan.json")
    ctx.actions.write(plan, json.encode_indent({"indexes": indexes}, indent = "  ") + "\n")
    launcher = write_launcher(ctx, ctx.executable._publisher, [
        "--plan",
        rlocation(ctx, plan),
        "--crane",
        rlocation(ctx, crane.crane_info.binary),
    ])
    runfiles = ctx.runfiles(files = files + [plan, crane.crane_info.binary])
    runfiles = runfiles.merge(crane.default.default_runfiles)
    runfiles = runfiles.merge(ctx.attr._publisher[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, files = depset([launcher, plan]), runfiles = runfiles)]

sign_and_push = rule(
    implementation = _sign_and_push_impl,
    doc = """Publishes every index of the given SBOM targets' catalogs: push, sign, attest, tag.

`bazel run` it with `--registry HOST[:PORT]/PATH` and `--key cosign.key` or `--keyless`
(private/publish/README.md has every flag). Its runfiles hold the OCI layouts of every index and
per-arch image, their SPDX and CycloneDX SBOMs, their provenance predicates and the release locks;
`<name>.plan.json` lists them with their repositories and tags. The provenance (SLSA v1, attested
as `slsaprovenance1` on every index and per-arch image) gets its source repository and commit at
push time, from `--source-repository`/`--source-commit` or git in the workspace, so no commit id
enters the build. Pushing uses rules_oci's crane toolchain the way oci_push
does (by digest, so digests are kept); signing and attesting use cosign from PATH.""",
    executable = True,
    attrs = {
        "sboms": attr.label_list(
            mandatory = True,
            providers = [DistrolessSbomInfo],
            doc = "distroless_sbom targets: what they describe is what gets published.",
        ),
        "_publisher": attr.label(
            default = "//private/publish:publish",
            executable = True,
            cfg = "target",
        ),
    },
    toolchains = ["@rules_oci//oci:crane_toolchain_type"],
)

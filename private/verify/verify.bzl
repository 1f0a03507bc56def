"""image_verifier: an executable that checks a published image against a rebuild of its source."""

load("//private:launcher.bzl", "rlocation", "write_launcher")

def _image_verifier_impl(ctx):
    crane = ctx.toolchains["@rules_oci//oci:crane_toolchain_type"]
    launcher = write_launcher(ctx, ctx.executable._verifier, [
        "--crane",
        rlocation(ctx, crane.crane_info.binary),
    ])
    runfiles = ctx.runfiles(files = [crane.crane_info.binary])
    runfiles = runfiles.merge(crane.default.default_runfiles)
    runfiles = runfiles.merge(ctx.attr._verifier[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = launcher, runfiles = runfiles)]

image_verifier = rule(
    implementation = _image_verifier_impl,
    doc = """Verifies a published image or index against a rebuild of the source its provenance names.

`bazel run` it with `REGISTRY/PATH/NAME:TAG --key cosign.pub` (docs/verify.md): cosign checks the
signature and the SBOM and SLSA provenance attestations of the index and every per-arch image; the
commit the provenance names is cloned, its lock compared by sha256, the Bazel target rebuilt in a
fresh output base and every digest compared. It works for the catalog (`//:sign_and_push`) and
for `distroless_app` images (`<name>_push`). Reading the registry uses rules_oci's crane
toolchain; cosign, git and Bazel come from PATH.""",
    executable = True,
    attrs = {
        "_verifier": attr.label(
            default = "//private/verify:verify",
            executable = True,
            cfg = "target",
        ),
    },
    toolchains = ["@rules_oci//oci:crane_toolchain_type"],
)

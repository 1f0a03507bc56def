"""distroless_image: one image for one architecture and user, with its publishing plan."""

load("@rules_oci//oci:defs.bzl", "oci_image", "oci_load")
load("//private/index:plan.bzl", "image_plan")
load(":platforms.bzl", "OCI_VARIANT")

def distroless_image(
        name,
        arch,
        base = None,
        tars = [],
        packages = [],
        env = {},
        entrypoint = None,
        cmd = None,
        user = None,
        workdir = None,
        labels = None,
        load_tag = None,
        visibility = None):
    """An oci_image for one architecture, `<name>_load` and `<name>_plan`.

    `bazel run :<name>_load` loads the image into docker or podman (whichever is on PATH) as
    `load_tag`; `<name>_plan` is what the SBOMs and //:sign_and_push read of it.

    Args:
        name: the image (`static_nonroot_amd64_debian12`).
        arch: its architecture (amd64, arm64, arm, s390x, ppc64le, riscv64).
        base: the image it extends; None for an image from scratch (os linux, `arch` and its OCI
            variant: arm64 is arm64/v8, arm is arm/v7, as distroless has them).
        tars: the layers it adds, in order.
        packages: every package in the image, its base's included (deb_layer targets or npm
            metadata files), for its SBOM.
        env: environment added to the base's.
        entrypoint: entrypoint.
        cmd: cmd.
        user: user (a uid as a string).
        workdir: working directory.
        labels: OCI labels (annotations of the image config) added to the base's.
        load_tag: the tag `<name>_load` gives the image (default `distroless/<name>:latest`).
        visibility: of the targets.
    """
    kwargs = {}
    if entrypoint:
        kwargs["entrypoint"] = entrypoint
    if cmd:
        kwargs["cmd"] = cmd
    if user != None:
        kwargs["user"] = user
    if workdir != None:
        kwargs["workdir"] = workdir
    if labels:
        kwargs["labels"] = labels
    if base == None:
        kwargs["os"] = "linux"
        kwargs["architecture"] = arch
        if OCI_VARIANT[arch]:
            kwargs["variant"] = OCI_VARIANT[arch]
    else:
        kwargs["base"] = base
    oci_image(name = name, tars = tars, env = env, visibility = visibility, **kwargs)
    oci_load(
        name = name + "_load",
        image = name,
        repo_tags = [load_tag or "distroless/%s:latest" % name],
        loader = Label("//private/image:load_image"),
        visibility = visibility,
    )
    image_plan(name = name + "_plan", image = name, arch = arch, packages = packages, visibility = visibility)

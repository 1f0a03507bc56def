"""distroless_index: a multi-arch index of distroless images, with its publishing plan."""

load("@rules_oci//oci:defs.bzl", "oci_image_index")
load(":plan.bzl", "index_plan")

def distroless_index(name, images, repository, tag, visibility = None):
    """A multi-arch OCI index and `<name>_plan`, what //:sign_and_push and the SBOMs read of it.

    Args:
        name: the index (`static_nonroot_debian12`).
        images: its per-arch images, each made by distroless_image (which gives each a `_plan`).
        repository: its registry repository below the publishing prefix (`static-debian12`).
        tag: its tag (`nonroot`); each per-arch image is tagged `<tag>-<arch>`.
        visibility: of both targets.
    """
    oci_image_index(name = name, images = images, visibility = visibility)
    index_plan(
        name = name + "_plan",
        index = name,
        repository = repository,
        tag = tag,
        images = [image + "_plan" for image in images],
        visibility = visibility,
    )

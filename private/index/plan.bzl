"""The publishing plan: which registry repository and tag each index and per-arch image gets, and
which packages each image holds, for //:sign_and_push and the SBOMs.

distroless_image declares an `image_plan` beside each per-arch image, distroless_index an
`index_plan` beside each index, and a family's `image_catalog` gathers its index plans.
"""

load("//private/layers:deb_layer.bzl", "DebPackageInfo")

ImagePlanInfo = provider(
    doc = "A per-arch image with the metadata of every package in it.",
    fields = {
        "arch": "str: amd64, arm64, ...",
        "image": "File: the image's OCI layout directory.",
        "packages": "list of File: the JSON metadata of each package (deb_layer metadata, npm lock entries).",
    },
)

IndexPlanInfo = provider(
    doc = "A multi-arch index with its registry repository and tag, and its per-arch images.",
    fields = {
        "entry": """struct(index: File (the index's OCI layout directory), repository: str
(static-debian12), tag: str (nonroot), images: list of struct(arch, image: File, tag: str
(nonroot-amd64), packages: list of File))""",
    },
)

DistrolessCatalogInfo = provider(
    doc = "The indexes of an image family with their registry names, per-arch images and packages.",
    fields = {
        "entries": "List of IndexPlanInfo.entry structs, one per index, in declaration order.",
    },
)

def _image_plan_impl(ctx):
    packages = []
    for target in ctx.attr.packages:
        if DebPackageInfo in target:
            packages.append(target[DebPackageInfo].metadata)
        else:
            packages.extend(target[DefaultInfo].files.to_list())
    return [ImagePlanInfo(arch = ctx.attr.arch, image = ctx.file.image, packages = packages)]

image_plan = rule(
    implementation = _image_plan_impl,
    doc = "What //:sign_and_push and the SBOMs need of one per-arch image (written by distroless_image).",
    attrs = {
        "image": attr.label(mandatory = True, allow_single_file = True, doc = "The oci_image."),
        "arch": attr.string(mandatory = True, doc = "Its architecture."),
        "packages": attr.label_list(allow_files = True, doc = "Every deb_layer (or npm metadata file) in the image."),
    },
)

def _index_plan_impl(ctx):
    images = [
        struct(
            arch = plan.arch,
            image = plan.image,
            tag = "%s-%s" % (ctx.attr.tag, plan.arch),
            packages = plan.packages,
        )
        for plan in [target[ImagePlanInfo] for target in ctx.attr.images]
    ]
    return [IndexPlanInfo(entry = struct(
        index = ctx.file.index,
        repository = ctx.attr.repository,
        tag = ctx.attr.tag,
        images = images,
    ))]

index_plan = rule(
    implementation = _index_plan_impl,
    doc = "What //:sign_and_push and the SBOMs need of one index (written by distroless_index).",
    attrs = {
        "index": attr.label(mandatory = True, allow_single_file = True, doc = "The oci_image_index."),
        "repository": attr.string(mandatory = True, doc = "Registry repository below the prefix (static-debian12)."),
        "tag": attr.string(mandatory = True, doc = "The index's tag; each image gets `<tag>-<arch>`."),
        "images": attr.label_list(providers = [ImagePlanInfo], doc = "The image_plans of its platforms, in order."),
    },
)

def _image_catalog_impl(ctx):
    described = [target[IndexPlanInfo].entry for target in ctx.attr.indexes]
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, json.encode_indent([
        {
            "index": e.index.short_path,
            "repository": e.repository,
            "tag": e.tag,
            "images": [
                {"arch": i.arch, "image": i.image.short_path, "tag": i.tag, "packages": [p.short_path for p in i.packages]}
                for i in e.images
            ],
        }
        for e in described
    ], indent = "  ") + "\n")
    runfiles = [out] + [e.index for e in described] + [i.image for e in described for i in e.images] + [
        p
        for e in described
        for i in e.images
        for p in i.packages
    ]
    return [
        DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = runfiles)),
        DistrolessCatalogInfo(entries = described),
    ]

image_catalog = rule(
    implementation = _image_catalog_impl,
    doc = """The publishing plan of one image family and release (written by distroless_family).

Its output `<name>.json` lists every index with its repository and tag, and each platform's
image, per-arch tag and package metadata files; DistrolessCatalogInfo carries the same as Files.""",
    attrs = {
        "indexes": attr.label_list(providers = [IndexPlanInfo], doc = "The index_plans of the family, in order."),
    },
)

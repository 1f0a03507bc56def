"""image_catalog: what a family publishes, for //:sign_and_push and the SBOMs."""

load("//private/debian:deb_layer.bzl", "DebPackageInfo")

DistrolessCatalogInfo = provider(
    doc = "The indexes of an image family with their registry names, per-arch images and packages.",
    fields = {
        "entries": """List of structs, one per index:
  index: File, the OCI layout directory of the multi-arch index
  repository: str, the registry repository under the publishing prefix (static-debian12)
  tag: str, the index's tag (latest, nonroot, debug, debug-nonroot)
  images: list of structs, one per platform in the index:
    arch: str (amd64, arm64, ...)
    image: File, the OCI layout directory of that platform's image
    tag: str (latest-amd64, nonroot-arm64, ...)
    packages: list of Files, the JSON metadata of every package in the image (deb_layer
      metadata and npm lock entries)""",
    },
)

def _image_catalog_impl(ctx):
    described = []
    for index_label, spec_json in ctx.attr.indexes.items():
        spec = json.decode(spec_json)
        index_dir = index_label[DefaultInfo].files.to_list()[0]
        images = []
        for platform in spec["images"]:
            image = ctx.attr.images[platform["image"]][DefaultInfo].files.to_list()[0]
            packages = []
            for position in platform["packages"]:
                target = ctx.attr.packages[position]
                if DebPackageInfo in target:
                    packages.append(target[DebPackageInfo].metadata)
                else:
                    packages.extend(target[DefaultInfo].files.to_list())
            images.append(struct(arch = platform["arch"], image = image, tag = platform["tag"], packages = packages))
        described.append(struct(index = index_dir, repository = spec["repository"], tag = spec["tag"], images = images))
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
        "indexes": attr.label_keyed_string_dict(
            doc = "index -> JSON {repository, tag, images: [{arch, image, tag, packages}]}, where image " +
                  "and packages are positions in `images` and `packages`",
        ),
        "images": attr.label_list(doc = "Every per-arch image the indexes name."),
        "packages": attr.label_list(allow_files = True, doc = "Every deb_layer (or npm metadata file) the images name."),
    },
)

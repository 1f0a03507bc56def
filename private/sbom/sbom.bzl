"""distroless_sbom: SPDX 2.3 and CycloneDX 1.6 SBOMs of every per-arch image of a catalog."""

load("//private/index:plan.bzl", "DistrolessCatalogInfo")

DistrolessSbomInfo = provider(
    doc = "The SBOMs of a family's per-arch images, with the catalog they describe.",
    fields = {
        "catalog": "The DistrolessCatalogInfo of the family and release.",
        "lock": "File: the release's lock (its archive dates date the SBOMs).",
        "images": """List of structs, one per per-arch image:
  repository: str (static-debian12)
  tag: str (latest-amd64)
  image: File, the image's OCI layout directory (as in the catalog)
  spdx: File, SPDX 2.3 JSON
  cyclonedx: File, CycloneDX 1.6 JSON""",
    },
)

def _distroless_sbom_impl(ctx):
    catalog = ctx.attr.catalog[DistrolessCatalogInfo]
    images = []
    requests = []
    inputs = [ctx.file.lock]
    for entry in catalog.entries:
        for image in entry.images:
            # One folder per repository, one pair of files per per-arch tag: both are unique
            # within a catalog.
            stem = "%s/%s/%s" % (ctx.label.name, entry.repository, image.tag)
            spdx = ctx.actions.declare_file(stem + ".spdx.json")
            cyclonedx = ctx.actions.declare_file(stem + ".cdx.json")
            images.append(struct(
                repository = entry.repository,
                tag = image.tag,
                image = image.image,
                spdx = spdx,
                cyclonedx = cyclonedx,
            ))
            requests.append({
                "repository": entry.repository,
                "tag": image.tag,
                "arch": image.arch,
                "layout": image.image.path,
                "packages": [p.path for p in image.packages],
                "spdx": spdx.path,
                "cyclonedx": cyclonedx.path,
            })
            inputs.append(image.image)
            inputs.extend(image.packages)
    request = ctx.actions.declare_file(ctx.label.name + ".request.json")
    ctx.actions.write(request, json.encode_indent({
        "lock": ctx.file.lock.path,
        "namespace": ctx.attr.namespace,
        "images": requests,
    }))
    outputs = [i.spdx for i in images] + [i.cyclonedx for i in images]

    # One action per catalog: a single Python start for dozens of images, and the catalog's
    # images and metadata are built together anyway.
    ctx.actions.run(
        executable = ctx.attr._tool[DefaultInfo].files_to_run,
        arguments = [request.path],
        inputs = depset([request] + inputs),
        outputs = outputs,
        mnemonic = "DistrolessSbom",
        progress_message = "Writing the SBOMs of %d images (%%{label})" % len(images),
    )
    return [
        DefaultInfo(files = depset(outputs)),
        DistrolessSbomInfo(catalog = catalog, lock = ctx.file.lock, images = images),
    ]

distroless_sbom = rule(
    implementation = _distroless_sbom_impl,
    doc = """SPDX 2.3 and CycloneDX 1.6 JSON SBOMs of every per-arch image of an image_catalog.

Writes `<name>/<repository>/<tag>.spdx.json` and `.cdx.json` (for example
`base_debian12_sbom/static-debian12/nonroot-amd64.spdx.json`). Each lists the image (its manifest
digest, purl `pkg:oci/<repository>@<digest>?arch=<arch>`) and the locked packages in it: Debian
packages as `pkg:deb/debian/<name>@<version>?arch=<arch>&distro=debian-<n>` with their declared
licence (the copyright file's DEP-5 names as SPDX, LicenseRef-... where SPDX has no id), sha256 and
download URL; npm-locked Node.js builds as `pkg:npm/<package>@<version>`. The output is
reproducible: it is dated by the lock's newest archive Date, and its SPDX namespace and CycloneDX
serial number derive from its content.""",
    attrs = {
        "catalog": attr.label(
            mandatory = True,
            providers = [DistrolessCatalogInfo],
            doc = "The family's image_catalog (`//base:debian12_catalog`).",
        ),
        "lock": attr.label(
            mandatory = True,
            allow_single_file = [".json"],
            doc = "The release's lock file (`//locks:debian12.lock.json`).",
        ),
        "namespace": attr.string(
            default = "https://distroless.invalid/spdx",
            doc = "Prefix of the SPDX documentNamespace URIs (`<prefix>/<repository>/<tag>-<hash>`).",
        ),
        "_tool": attr.label(
            default = "//private/sbom:sbom",
            executable = True,
            cfg = "exec",
        ),
    },
)

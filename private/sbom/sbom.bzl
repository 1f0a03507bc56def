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
  cyclonedx: File, CycloneDX 1.6 JSON
  provenance: File, the build-time half of its SLSA provenance v1 predicate""",
        "indexes": """List of structs, one per index of the catalog:
  repository: str, tag: str, index: File (its OCI layout directory),
  provenance: File, the build-time half of its SLSA provenance v1 predicate""",
    },
)

def _label(owner):
    # "//base:static_nonroot_debian12" for the main repository's targets: what `bazel build`
    # takes in a checkout of it; other repositories' labels keep their canonical name.
    text = str(owner)
    return text[2:] if text.startswith("@@//") else text

def _lock_name(lock):
    # A lock of the main repository by its workspace path (what //:verify hashes in a checkout);
    # a module's own lock by label.
    return lock.short_path if not lock.owner.workspace_name else _label(lock.owner)

def _distroless_sbom_impl(ctx):
    catalog = ctx.attr.catalog[DistrolessCatalogInfo]
    images = []
    indexes = []
    requests = []
    index_requests = []
    inputs = [ctx.file.lock, ctx.file._module, ctx.file._bazelversion]
    for entry in catalog.entries:
        provenance = ctx.actions.declare_file("%s/%s/%s.provenance.json" % (ctx.label.name, entry.repository, entry.tag))
        indexes.append(struct(
            repository = entry.repository,
            tag = entry.tag,
            index = entry.index,
            provenance = provenance,
        ))
        index_requests.append({
            "target": _label(entry.index.owner),
            "images": [image.image.path for image in entry.images],
            "provenance": provenance.path,
        })
        for image in entry.images:
            # One folder per repository, one pair of files per per-arch tag: both are unique
            # within a catalog.
            stem = "%s/%s/%s" % (ctx.label.name, entry.repository, image.tag)
            spdx = ctx.actions.declare_file(stem + ".spdx.json")
            cyclonedx = ctx.actions.declare_file(stem + ".cdx.json")
            provenance = ctx.actions.declare_file(stem + ".provenance.json")
            images.append(struct(
                repository = entry.repository,
                tag = image.tag,
                image = image.image,
                spdx = spdx,
                cyclonedx = cyclonedx,
                provenance = provenance,
            ))
            requests.append({
                "repository": entry.repository,
                "tag": image.tag,
                "arch": image.arch,
                "layout": image.image.path,
                "packages": [p.path for p in image.packages],
                "spdx": spdx.path,
                "cyclonedx": cyclonedx.path,
                "target": _label(image.image.owner),
                "provenance": provenance.path,
            })
            inputs.append(image.image)
            inputs.extend(image.packages)
    request = ctx.actions.declare_file(ctx.label.name + ".request.json")
    ctx.actions.write(request, json.encode_indent({
        "lock": ctx.file.lock.path,
        "namespace": ctx.attr.namespace,
        "images": requests,
        "indexes": index_requests,
        "provenance": {
            "lock_name": _lock_name(ctx.file.lock),
            "module": ctx.file._module.path,
            "bazelversion": ctx.file._bazelversion.path,
        },
    }))
    outputs = [i.spdx for i in images] + [i.cyclonedx for i in images]
    outputs += [i.provenance for i in images] + [i.provenance for i in indexes]

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
        DistrolessSbomInfo(catalog = catalog, lock = ctx.file.lock, images = images, indexes = indexes),
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
serial number derive from its content.

From the same package data it also writes `<name>/<repository>/<tag>.provenance.json` for every
per-arch image and index: the build-time half of a SLSA provenance v1 predicate (build type,
Bazel target, the versions of `.bazelversion` and MODULE.bazel's `bazel_dep`s, and as resolved
dependencies the lock and every package by sha256 and URL), which `sign_and_push` completes with
the source repository and commit and attests.""",
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
        "_module": attr.label(default = "//:MODULE.bazel", allow_single_file = True),
        "_bazelversion": attr.label(default = "//:.bazelversion", allow_single_file = True),
        "_tool": attr.label(
            default = "//private/sbom:sbom",
            executable = True,
            cfg = "exec",
        ),
    },
)

"""distroless_app: an application image on a distroless base, for every architecture, the way
the catalog's own images are built: per-arch images, a multi-arch index, SBOMs, a push target,
an optional structure test and debug variant."""

load("//private:releases.bzl", "RELEASES")
load("//private/index:distroless_index.bzl", "distroless_index")
load("//private/index:plan.bzl", "image_catalog")
load("//private/layers:busybox_layer.bzl", "busybox_layer")
load("//private/layers:files_layer.bzl", "files_layer")
load("//private/publish:publish.bzl", "sign_and_push")
load("//private/repositories:lock.bzl", "RELOCK")
load("//private/sbom:sbom.bzl", "distroless_sbom")
load("//private/structure_test:structure_test.bzl", "structure_test")
load(":catalog.bzl", "CATALOG")
load(":distroless_image.bzl", "distroless_image")
load(":family.bzl", "debug_packages", "row_packages")
load(":platforms.bzl", "OCI_VARIANT")
load(":row.bzl", "PATH")

_USERS = {"root": "0", "nonroot": "65532"}

def distroless_app(
        name,
        base,
        release = None,
        hub = None,
        sets = [],
        tars = [],
        files = {},
        executable_files = {},
        entrypoint = None,
        cmd = None,
        env = {},
        user = None,
        workdir = None,
        labels = {},
        arches = ["amd64", "arm64"],
        repository = None,
        tests = [],
        debug_tests = [],
        test_files = {},
        test_timeout = 30,
        debug = False,
        visibility = None):
    """An application image on a distroless base, for each of `arches`.

    Makes `<name>_<arch>` (per-arch images, each with `_load` and `_plan`), the index `<name>`,
    `<name>_sbom` (SPDX and CycloneDX of every per-arch image), `<name>_push` (push, sign and
    attest the SBOMs and SLSA provenance like //:sign_and_push, repository `repository`, tags
    `latest` and `latest-<arch>`; `@distroless//:verify` checks a pushed image against a rebuild),
    with `tests` a structure test `<name>_test` of the index, and with `debug` the same images
    again with busybox under /busybox as `<name>_debug` (tag `debug`, entrypoint /busybox/sh).

    Args:
        name: the index; the per-arch images are `<name>_<arch>`.
        base: a catalog image or index of distroless by label
            (`@distroless//base:base_nonroot_debian12`, `@distroless//python3:python3_debian12`
            is not a target: name the user too), or a dict arch -> image label for any other
            base (an `oci_pull`ed image per platform); then `release` says which Debian release
            the added packages come from.
        release: the Debian release (debian12) when `base` is not a catalog image.
        hub: HUB of the module's own lock (`load("@app_debian12//:packages.bzl", app = "HUB")`),
            whose `sets` are added to the image.
        sets: package sets of `hub` to add; what the base already holds is not added again.
        tars: application layers (tar files, e.g. from pkg_tar or tar), in order. In the labels
            of `tars`, `files`, `executable_files` and `test_files`, `{arch}` stands for the
            architecture, for what is built once per platform (`":hello_{arch}"`).
        files: label -> absolute path in the image, files added with mode 0644.
        executable_files: label -> absolute path in the image, files added with mode 0755.
        entrypoint: entrypoint (the base's when None).
        cmd: cmd.
        env: environment added to the base's.
        user: "root", "nonroot" or a uid (the base's when None).
        workdir: working directory (the base's when None).
        labels: OCI labels of the image config.
        arches: architectures to build.
        repository: registry repository below the push prefix, and the name `_load` gives the
            image (default: `name` with - for _).
        tests: container-structure-test YAML files for `<name>_test`, run on every arch of the
            index.
        debug_tests: the same for `<name>_debug_test`, of the debug variant (whose entrypoint
            and PATH differ, and which has a shell).
        test_files: label -> "[arch:]path" files put into the image for the test only.
        test_timeout: seconds each test command may run (qemu-emulated arches are slower).
        debug: also build the debug variant `<name>_debug` (needed by `debug_tests`).
        visibility: of every target.
    """
    catalog_base = _catalog_base(base) if type(base) == "string" else None
    if catalog_base:
        release = catalog_base.release
    elif not release:
        fail("%s: `release` is needed when `base` is not an image of the distroless catalog" % name)
    if release not in RELEASES:
        fail("%s: distroless has no release %r (it has %s)" % (name, release, ", ".join(RELEASES)))
    ours = RELEASES[release]
    if hub and hub.lock["release"] != release:
        fail("%s: the lock %s is for %s, but the base image is %s; lock the %s release (%s) and register that lock" % (
            name,
            hub.lock["lock_label"],
            hub.lock["release"],
            release,
            release,
            RELOCK,
        ))
    if debug_tests and not debug:
        fail("%s: debug_tests test the debug variant; set debug = True to build it" % name)
    uid = _USERS.get(user, user)
    repository = repository or name.replace("_", "-")
    plans = {}
    for debug_variant in ([False, True] if debug else [False]):
        images = []
        for arch in arches:
            base_packages = _base_packages(catalog_base, ours, arch) if catalog_base else []
            own = _own_packages(name, hub, sets, arch, base_packages, ours, base, release) if hub else []
            sbom = [ours.package(arch, p) for p in base_packages] + [hub.package(arch, p) for p in own]
            image = "%s_%s" % (name, arch)
            if debug_variant:
                debug_image = "%s_debug_%s" % (name, arch)
                busybox_layer(name = debug_image + "_busybox", deb = ours.deb(arch, "busybox-static"), visibility = visibility)
                distroless_image(
                    name = debug_image,
                    arch = arch,
                    base = ":" + image,
                    tars = [":%s_busybox" % debug_image],
                    packages = sbom + [ours.package(arch, "busybox-static")],
                    env = {"PATH": PATH + ":/busybox"},
                    entrypoint = ["/busybox/sh"],
                    load_tag = "%s:debug-%s" % (repository, arch),
                    visibility = visibility,
                )
                images.append(":" + debug_image)
                continue
            layers = [hub.package(arch, p) for p in own] + [t.format(arch = arch) for t in tars]
            for srcs, executable in [(files, False), (executable_files, True)]:
                if srcs:
                    files_layer(
                        name = "%s_files%s" % (image, "_x" if executable else ""),
                        srcs = {src.format(arch = arch): path.lstrip("/") for src, path in srcs.items()},
                        executable = executable,
                        visibility = visibility,
                    )
                    layers.append(":%s_files%s" % (image, "_x" if executable else ""))
            distroless_image(
                name = image,
                arch = arch,
                base = catalog_base.per_arch(arch) if catalog_base else base[arch],
                tars = layers,
                packages = sbom,
                env = env,
                entrypoint = entrypoint,
                cmd = cmd,
                user = uid,
                workdir = workdir,
                labels = labels,
                load_tag = "%s:latest-%s" % (repository, arch),
                visibility = visibility,
            )
            images.append(":" + image)
        index = name + "_debug" if debug_variant else name
        distroless_index(
            name = index,
            images = images,
            repository = repository,
            tag = "debug" if debug_variant else "latest",
            visibility = visibility,
        )
        plans[index] = ":%s_plan" % index
    image_catalog(name = name + "_catalog", indexes = plans.values(), visibility = visibility)
    distroless_sbom(
        name = name + "_sbom",
        catalog = ":%s_catalog" % name,
        lock = hub.lock["lock_label"] if hub else Label("//locks:%s.lock.json" % release),
        visibility = visibility,
    )
    sign_and_push(name = name + "_push", sboms = [":%s_sbom" % name], visibility = visibility)
    for index, configs in [(name, tests), (name + "_debug", debug_tests)]:
        if configs:
            structure_test(
                name = index + "_test",
                image = ":" + index,
                configs = configs,
                files = {
                    src.format(arch = arch): ("%s:%s" % (arch, dest) if "{arch}" in src else dest)
                    for src, dest in test_files.items()
                    for arch in (arches if "{arch}" in src else [None])
                },
                arches = arches,
                command_timeout = test_timeout,
                invariants = "debug" if index != name else "default",
            )

def _catalog_base(label):
    """The catalog row, user, release and arch of a catalog image label, or None."""
    target = label.split(":")[-1]
    parts = target.split("_")
    release = parts[-1]
    if release not in RELEASES or len(parts) < 3:
        return None
    arch = parts[-2] if parts[-2] in OCI_VARIANT else None
    user_at = -3 if arch else -2
    user = parts[user_at]
    image_name = "_".join(parts[:user_at])
    if user not in _USERS:
        return None
    for row in CATALOG:
        if row.releases and release not in row.releases:
            continue
        if image_name in (row.name, row.debug_name):
            debug = image_name == row.debug_name
            return struct(
                row = row,
                debug = debug,
                user = user,
                release = release,
                label = label,
                only_arch = arch,
                per_arch = lambda a: Label("//%s:%s_%s_%s_%s" % (row.family, image_name, user, a, release)),
            )
    return None

def _base_packages(base, ours, arch):
    if base.only_arch and base.only_arch != arch:
        fail("%s is the %s image; name the index (without the architecture) to build for %s" % (base.label, base.only_arch, arch))
    packages = row_packages(base.row, ours, arch)
    if base.debug:
        # What the debug variant adds: its debug sets (the JDK of the Java images) and busybox.
        packages = sorted({p: True for p in packages + debug_packages(base.row, ours, arch) + ["busybox-static"]})
    return packages

def _own_packages(name, hub, sets, arch, base_packages, ours, base, release):
    """The packages of `sets` that the base does not hold; fails where the two locks disagree."""
    wanted = {}
    for set_name in sets:
        for p in hub.set_packages(set_name, arch):
            wanted[p] = True
    versions = hub.lock["versions"][arch]
    theirs = ours.lock["versions"][arch]
    for p in base_packages:
        if p in wanted and versions[p] != theirs[p]:
            fail("%s: %s is %s in the lock %s but %s in the base image %s (%s, %s); re-lock with `%s`" % (
                name,
                p,
                versions[p],
                hub.lock["lock_label"],
                theirs[p],
                base,
                release,
                arch,
                RELOCK,
            ))
    return [p for p in sorted(wanted) if p not in base_packages]

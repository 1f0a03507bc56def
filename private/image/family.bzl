"""distroless_family: every image of one family, for every release, from the catalog's rows.

For each row of the family and each release it declares, as GoogleContainerTools/distroless
names them: per-arch images `<name>_<user>_<arch>_<release>` (root, nonroot), their debug
variants, the multi-arch indexes `<name>_<user>_<release>`, one aggregate per release
(`//base:debian12`) and the release's publishing plan (`//base:debian12_catalog`).
"""

load("//private:releases.bzl", "RELEASES")
load("//private/index:distroless_index.bzl", "distroless_index")
load("//private/index:plan.bzl", "image_catalog")
load(":catalog.bzl", "CATALOG")
load(":distroless_image.bzl", "distroless_image")
load(":layers.bzl", "busybox")
load(":row.bzl", "PATH")
load(":versions.bzl", "java_version", "python_version")

USERS = {
    "root": struct(uid = 0, workdir = "/"),
    "nonroot": struct(uid = 65532, workdir = "/home/nonroot"),
}

def distroless_family(name, catalog = CATALOG, releases = RELEASES, shared_layers = True, visibility = ["//visibility:public"]):
    """The images, indexes, aggregates and publishing plans of one family.

    Args:
        name: the family, the package calling this (base, cc, python3, java, nodejs); its
            targets are named after the releases and images.
        catalog: the rows; parents may belong to other families.
        releases: release name -> HUB of its lock.
        shared_layers: take the named layers from SHARED_LAYERS (the catalog's own releases);
            False declares them in the calling package, for releases of another module's locks.
        visibility: of every target.
    """
    family = name
    for release, hub in releases.items():
        declare = _shared_layer(release) if shared_layers else _local_layer(release, visibility)
        indexes = []
        for row in catalog:
            if row.family == family and _in_release(row, release):
                indexes += _row_images(row, release, hub, catalog, family, declare, visibility)
        native.filegroup(name = release, srcs = indexes, visibility = visibility)
        image_catalog(name = release + "_catalog", indexes = [i + "_plan" for i in indexes], visibility = visibility)

# The package that holds the named layers (busybox, CA bundle, C.UTF-8, links...) of every
# family: one target per layer, release and architecture, so each is built once whichever
# families' images and debug variants use it.
SHARED_LAYERS = "//private/image"

def _layer_name(layer, arch, release):
    return "%s_%s_%s" % (layer, arch, release) if arch else "%s_%s" % (layer, release)

def _shared_layer(release):
    # A family's `declare`: the label of the layer in SHARED_LAYERS, which declares it.
    def declare(layer, arch, rule, **kwargs):  # buildifier: disable=unused-variable
        return str(Label("%s:%s" % (SHARED_LAYERS, _layer_name(layer, arch, release))))

    return declare

def _local_layer(release, visibility):
    # A `declare` that makes each named layer in the calling package, once.
    declared = {}

    def declare(layer, arch, rule, **kwargs):
        name = _layer_name(layer, arch, release)
        if name not in declared:
            declared[name] = True
            rule(name = name, visibility = visibility, **kwargs)
        return ":" + name

    return declare

def distroless_layers(catalog = CATALOG, releases = RELEASES, visibility = ["//:__subpackages__"]):
    """Every named layer of the catalog's rows, once per release and architecture.

    Called once, in SHARED_LAYERS; a family's images name these targets (distroless_family), so
    a layer used by several families is still built once.

    Args:
        catalog: the rows.
        releases: release name -> HUB of its lock.
        visibility: of every layer.
    """
    for release, hub in releases.items():
        declare = _local_layer(release, visibility)
        for row in catalog:
            if not _in_release(row, release):
                continue
            for arch in _row_arches(row, hub.lock):
                target = struct(hub = hub, arch = arch, release = release, row = row, declare = declare)
                for layer in [busybox] + row.layers + row.debug_layers:
                    layer(target)

def _row_images(row, release, hub, catalog, family, declare, visibility):
    """The per-arch images, debug variants and indexes of one row; returns the indexes."""
    lock = hub.lock
    platforms = row_platforms(row, hub)
    arches, packages, debug_own = platforms.arches, platforms.packages, platforms.debug_own
    in_index, in_debug_index = platforms.in_index, platforms.in_debug_index
    parent = _row(catalog, row.parent, release) if row.parent else None
    parent_package = "" if not parent or parent.family == family else "//" + parent.family

    # JAVA_VERSION per architecture: one outside the index may hold another JDK version.
    env = {arch: dict(row.env) for arch in arches}
    if row.jdk:
        for arch in arches:
            env[arch]["JAVA_VERSION"] = java_version(lock["versions"][arch][row.jdk])
    indexes = []
    for debug in (False, True):
        image_name = row.debug_name if debug else row.name
        for user, spec in USERS.items():
            images = []
            repository = "%s-%s" % (row.name.replace("_", "-"), release)
            tag = _tag(user, debug)
            for arch in arches:
                name = "%s_%s_%s_%s" % (image_name, user, arch, release)
                load_tag = "distroless/%s:%s-%s" % (repository, tag, arch)
                target = struct(hub = hub, arch = arch, release = release, row = row, declare = declare)
                sbom = [hub.package(arch, p) for p in packages[arch]]
                if debug:
                    sbom += [hub.package(arch, p) for p in debug_own[arch]]
                    sbom.append(hub.package(arch, "busybox-static"))
                if row.npm:
                    sbom.append(hub.npm_metadata(row.npm, arch))
                if user != "root":
                    # The root image with another user and home: the same layers, built and
                    # hashed once (a chain of its own would add every layer again).
                    distroless_image(
                        name = name,
                        arch = arch,
                        base = ":%s_root_%s_%s" % (image_name, arch, release),
                        packages = sbom,
                        user = str(spec.uid),
                        workdir = spec.workdir,
                        load_tag = load_tag,
                        visibility = visibility,
                    )
                elif debug:
                    distroless_image(
                        name = name,
                        arch = arch,
                        base = ":%s_root_%s_%s" % (row.name, arch, release),
                        tars = [busybox(target)] +
                               [hub.package(arch, p) for p in _install_order(debug_own[arch])] +
                               [layer(target) for layer in row.debug_layers],
                        packages = sbom,
                        env = {"PATH": PATH + ":/busybox"},
                        entrypoint = ["/busybox/sh"],
                        load_tag = load_tag,
                        visibility = visibility,
                    )
                else:
                    theirs = row_packages(parent, hub, arch) if parent else []
                    own = [p for p in packages[arch] if p not in theirs and p not in row.skip]
                    distroless_image(
                        name = name,
                        arch = arch,
                        base = "%s:%s_root_%s_%s" % (parent_package, parent.name, arch, release) if parent else None,
                        tars = [hub.package(arch, p) for p in _install_order(own)] + [layer(target) for layer in row.layers],
                        packages = sbom,
                        env = env[arch],
                        entrypoint = row.entrypoint and [e.format(python = python_version(lock, arch)) for e in row.entrypoint],
                        cmd = row.cmd,
                        user = str(spec.uid),
                        workdir = spec.workdir,
                        load_tag = load_tag,
                        visibility = visibility,
                    )
                if arch in (in_debug_index if debug else in_index):
                    images.append(":" + name)
            index = "%s_%s_%s" % (image_name, user, release)
            distroless_index(
                name = index,
                images = images,
                repository = repository,
                tag = tag,
                visibility = visibility,
            )
            indexes.append(":" + index)
    return indexes

def row_platforms(row, hub):
    """The architectures of one row of a release, and which of them enter its indexes.

    Args:
        row: a row of the catalog.
        hub: HUB of the release's lock.

    Returns:
        struct(arches: every architecture an image is built for, in_index / in_debug_index: those
        in the index of the row / of its debug variant, packages / debug_own: arch -> package
        names of the image / added by the debug variant).
    """
    arches = _row_arches(row, hub.lock)
    packages = {arch: row_packages(row, hub, arch) for arch in arches}
    debug_own = {arch: [p for p in debug_packages(row, hub, arch) if p not in packages[arch]] for arch in arches}
    return struct(
        arches = arches,
        packages = packages,
        debug_own = debug_own,
        in_index = consistent_arches(hub.lock, packages),
        in_debug_index = consistent_arches(hub.lock, {arch: packages[arch] + debug_own[arch] for arch in arches}),
    )

def consistent_arches(lock, packages_by_arch):
    """The architectures whose locked versions of the image's packages equal the first one's.

    An index must hold the same versions on all its platforms; an architecture whose versions
    differ (say, the mirror lacks its security updates) is built alone but left out of the index.

    Args:
        lock: LOCK of the release's hub.
        packages_by_arch: dict arch -> package names, in the order of preference.

    Returns:
        The architectures that may share an index, in the given order.
    """
    arches = list(packages_by_arch)
    if not arches:
        return []

    def fingerprint(arch):
        return sorted(["%s=%s" % (p, lock["versions"][arch][p]) for p in packages_by_arch[arch]])

    first = fingerprint(arches[0])
    return [a for a in arches if fingerprint(a) == first]

def _in_release(row, release):
    return not row.releases or release in row.releases

def _row(catalog, name, release):
    for row in catalog:
        if row.name == name and _in_release(row, release):
            return row
    fail("no image %r for %s in the catalog" % (name, release))

def row_packages(row, hub, arch):
    """All Debian packages of an image on one arch: its sets' closures minus `exclude`.

    Args:
        row: the catalog row.
        hub: HUB of the release's lock.
        arch: the architecture.

    Returns:
        The sorted package names.
    """
    return _closure(hub, row.sets, row.exclude, arch)

def debug_packages(row, hub, arch):
    """The Debian packages of a row's `debug_sets` on one arch, minus `exclude`.

    The debug variant adds those its image does not hold already (row_packages), and
    busybox-static.

    Args:
        row: the catalog row.
        hub: HUB of the release's lock.
        arch: the architecture.

    Returns:
        The sorted package names.
    """
    return _closure(hub, row.debug_sets, row.exclude, arch)

def _closure(hub, sets, exclude, arch):
    names = {}
    for set_name in sets:
        for p in hub.set_packages(set_name, arch):
            names[p] = True
    for p in exclude:
        names.pop(p, None)
    return sorted(names)

def _row_arches(row, lock):
    # Architectures where every set of the row, its debug variant's included, is locked and
    # downloadable (the lock tool lists in unavailable_sets the sets with a package the mirror
    # does not serve).
    unavailable = lock.get("unavailable_sets", {})
    arches = [
        a
        for a in lock["architectures"]
        if all([a in lock["sets"][s] and a not in unavailable.get(s, {}) for s in row.sets + row.debug_sets])
    ]
    if row.npm:
        arches = [a for a in arches if a in lock["npm"].get(row.npm, {})]
    return arches

def _tag(user, debug):
    # distroless' tags: latest, nonroot, debug, debug-nonroot
    if debug:
        return "debug" if user == "root" else "debug-" + user
    return "latest" if user == "root" else user

def _install_order(names):
    # base-files first: on merged-/usr releases it carries the /bin -> usr/bin symlinks.
    return [n for n in names if n == "base-files"] + [n for n in names if n != "base-files"]

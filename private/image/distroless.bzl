"""Macros that build distroless image families with rules_oci from a locked Debian release.

Each image exists per user (root, nonroot) and architecture as `<name>_<user>_<arch>_<distro>`,
with a debug variant (busybox under /busybox) and a multi-arch index `<name>_<user>_<distro>`,
named as GoogleContainerTools/distroless names them.
"""

load("@rules_oci//oci:defs.bzl", "oci_image", "oci_image_index")
load(":catalog.bzl", "CATALOG", "PATH")
load(":catalog_info.bzl", "image_catalog")
load(":layers.bzl", "image_layer")

# OCI platform variant of each architecture (distroless: arm = arm/v7, arm64 = arm64/v8).
VARIANTS = {"amd64": None, "arm64": "v8", "arm": "v7", "s390x": None, "ppc64le": None, "riscv64": None}
DEBIAN_ARCH = {"amd64": "amd64", "arm64": "arm64", "arm": "armhf", "s390x": "s390x", "ppc64le": "ppc64el", "riscv64": "riscv64"}
USERS = {
    "root": struct(uid = 0, workdir = "/"),
    "nonroot": struct(uid = 65532, workdir = "/home/nonroot"),
}

PASSWD = """\
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
"""

GROUP = """\
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
"""

NSSWITCH = """\
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      db files
services:       db files
ethers:         db files
rpc:            db files
"""

OS_RELEASE = """\
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="{version}"
VERSION="Debian GNU/Linux {version} ({codename})"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
"""

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

def _upstream_version(version, parts):
    # "1:17.0.17+10-1~deb12u1" -> "17.0.17" (parts=3); "3.11.2-1+b1" -> "3.11" (parts=2)
    version = version.split(":")[-1].split("+")[0].split("-")[0].split("~")[0]
    return ".".join(version.split(".")[:parts])

def _row_packages(row, hub, arch):
    """All Debian packages of an image on one arch: its sets' closures minus `exclude`."""
    names = {}
    for set_name in row.sets:
        for p in hub.set_packages(set_name, arch):
            names[p] = True
    for p in row.exclude:
        names.pop(p, None)
    return sorted(names)

def _row(catalog, name, distro):
    for row in catalog:
        if row.name == name and (not row.releases or distro in row.releases):
            return row
    fail("no image %r for %s in the catalog" % (name, distro))

def _row_arches(row, lock):
    # Architectures where every set of the row is locked and downloadable (the lock tool lists
    # in unavailable_sets the sets with a package the mirror does not serve).
    unavailable = lock.get("unavailable_sets", {})
    arches = [
        a
        for a in lock["architectures"]
        if all([a in lock["sets"][s] and a not in unavailable.get(s, {}) for s in row.sets])
    ]
    if row.npm:
        arches = [a for a in arches if a in lock["npm"].get(row.npm, {})]
    return arches

def distroless_family(name, family, hub, catalog = CATALOG, visibility = ["//visibility:public"]):
    """Per-arch images, debug variants, indexes and an aggregate for one family and release.

    Args:
        name: the release (debian12): the aggregate target of all the family's indexes, and
            the suffix of every target name.
        family: the family (package) to build: base, cc, python3, java, nodejs.
        hub: HUB of the release's lock (`load("@debian12//:packages.bzl", debian12 = "HUB")`).
        catalog: the rows (catalog.bzl); parents may belong to other families.
        visibility: of every target.
    """
    distro, lock, package = name, hub.lock, hub.package
    helpers = {}
    indexes = []
    publish = _Positions()  # what image_catalog gets: indexes, images and packages by position

    def helper(layer_name, arch, **kwargs):
        # Small per-release layers (CA bundle, symlinks, busybox), made once per package.
        target = "%s_%s_%s" % (layer_name, arch, distro) if arch else "%s_%s" % (layer_name, distro)
        if target not in helpers:
            helpers[target] = True
            image_layer(name = target, visibility = visibility, **kwargs)
        return ":" + target

    for row in catalog:
        if row.family != family or (row.releases and distro not in row.releases):
            continue
        arches = _row_arches(row, lock)
        parent = _row(catalog, row.parent, distro) if row.parent else None
        parent_base = (":" if parent.family == family else "//%s:" % parent.family) + parent.name if parent else None
        packages = {arch: _row_packages(row, hub, arch) for arch in arches}
        own_packages = {}
        for arch in arches:
            theirs = _row_packages(parent, hub, arch) if parent else []
            own_packages[arch] = [p for p in packages[arch] if p not in theirs and p not in row.skip]
        in_index = consistent_arches(lock, packages)
        env = dict(row.env)
        if row.jdk:
            env["JAVA_VERSION"] = _upstream_version(lock["versions"][arches[0]][row.jdk], 3)
        for debug in (False, True):
            image_name = row.debug_name if debug else row.name
            for user, spec in USERS.items():
                per_arch = []
                published = []
                for arch in arches:
                    target = "%s_%s_%s_%s" % (image_name, user, arch, distro)
                    if debug:
                        _image(
                            name = target,
                            base = ":%s_%s_%s_%s" % (row.name, user, arch, distro),
                            tars = [helper("busybox", arch, kind = "busybox", deb = hub.deb(arch, "busybox-static"))],
                            env = {"PATH": PATH + ":/busybox"},
                            entrypoint = ["/busybox/sh"],
                            arch = arch,
                            visibility = visibility,
                        )
                    else:
                        tars = [package(arch, p) for p in _install_order(own_packages[arch])]
                        tars += [_special_layer(helper, layer, row, hub, arch) for layer in row.layers]
                        _image(
                            name = target,
                            base = "%s_%s_%s_%s" % (parent_base, user, arch, distro) if parent else None,
                            tars = tars,
                            env = env,
                            entrypoint = row.entrypoint and [e.format(python = _python(lock, arch)) for e in row.entrypoint],
                            cmd = row.cmd,
                            user = str(spec.uid),
                            workdir = spec.workdir,
                            arch = arch,
                            visibility = visibility,
                        )
                    if arch in in_index:
                        per_arch.append(":" + target)
                        sbom = [str(package(arch, p)) for p in packages[arch]]
                        if debug:
                            sbom.append(str(package(arch, "busybox-static")))
                        if row.npm:
                            sbom.append(str(hub.npm_metadata(row.npm, arch)))
                        published.append({
                            "arch": arch,
                            "image": publish.image(":" + target),
                            "tag": "%s-%s" % (_tag(user, debug), arch),
                            "packages": [publish.package(p) for p in sbom],
                        })
                index = "%s_%s_%s" % (image_name, user, distro)
                oci_image_index(name = index, images = per_arch, visibility = visibility)
                indexes.append(":" + index)
                publish.indexes[":" + index] = json.encode({
                    "repository": "%s-%s" % (row.name.replace("_", "-"), distro),
                    "tag": _tag(user, debug),
                    "images": published,
                })
    native.filegroup(name = name, srcs = indexes, visibility = visibility)
    image_catalog(
        name = name + "_catalog",
        indexes = publish.indexes,
        images = publish.images,
        packages = publish.packages,
        visibility = visibility,
    )

def _tag(user, debug):
    # distroless' tags: latest, nonroot, debug, debug-nonroot
    if debug:
        return "debug" if user == "root" else "debug-" + user
    return "latest" if user == "root" else user

def _Positions():
    """Lists with a position for each distinct entry, as image_catalog refers to them."""
    state = struct(indexes = {}, images = [], packages = [], seen = {})

    def add(kind, items, label):
        key = kind + label
        if key not in state.seen:
            state.seen[key] = len(items)
            items.append(label)
        return state.seen[key]

    return struct(
        indexes = state.indexes,
        images = state.images,
        packages = state.packages,
        image = lambda label: add("image:", state.images, label),
        package = lambda label: add("package:", state.packages, label),
    )

def _python(lock, arch):
    return _upstream_version(lock["versions"][arch]["python3"], 2) if "python3" in lock["versions"][arch] else ""

def _special_layer(helper, layer, row, hub, arch):
    lock = hub.lock
    if layer == "release_files":
        return helper("release_files", None, kind = "files", spec = release_files_spec(lock))
    if layer == "cacerts":
        return helper("cacerts", arch, kind = "cacerts", deb = hub.deb(arch, "ca-certificates"))
    if layer == "cacerts_java":
        return helper("cacerts_java", arch, kind = "cacerts", java = True, deb = hub.deb(arch, "ca-certificates"))
    if layer == "c_utf8":
        return helper("c_utf8", arch, kind = "locale", deb = hub.deb(arch, "libc-bin"))
    if layer == "python_alias":
        return helper("python_alias", arch, kind = "files", spec = json.encode([
            {"path": "usr/bin/python", "kind": "symlink", "target": "python" + _python(lock, arch), "mode": "0777"},
        ]))
    if layer == "java_link":
        major = _upstream_version(lock["versions"][arch][row.jdk], 1)
        return helper("java_link_" + major, arch, kind = "files", spec = json.encode([
            {"path": "usr/bin/java", "kind": "symlink", "mode": "0777", "target": "/usr/lib/jvm/java-%s-openjdk-%s/bin/java" % (major, DEBIAN_ARCH[arch])},
        ]))
    if layer == "node_link":
        return helper("node_link", arch, kind = "files", spec = json.encode([
            {"path": "nodejs/bin/node", "kind": "symlink", "target": "/usr/bin/node", "mode": "0777"},
        ]))
    if layer == "npm":
        return hub.npm_layer(row.npm, arch)
    fail("unknown special layer %r in row %s" % (layer, row.name))

def release_files_spec(lock):
    """JSON spec of the distroless files of a release (users, groups, nsswitch, os-release, homes)."""
    return json.encode([
        {"path": "etc/passwd", "content": PASSWD},
        {"path": "etc/group", "content": GROUP},
        {"path": "etc/nsswitch.conf", "content": NSSWITCH},
        {"path": "usr/lib/os-release", "content": OS_RELEASE.format(
            version = lock["release"].removeprefix("debian"),
            codename = lock["codename"],
        )},
        {"path": "etc/os-release", "kind": "symlink", "target": "../usr/lib/os-release", "mode": "0777"},
        {"path": "tmp", "kind": "dir", "mode": "1777"},
        {"path": "root", "kind": "dir", "mode": "0700"},
        {"path": "home", "kind": "dir", "mode": "0755"},
        {"path": "home/nonroot", "kind": "dir", "mode": "0700", "uid": 65532, "gid": 65532},
    ])

def _install_order(names):
    # base-files first: on merged-/usr releases it carries the /bin -> usr/bin symlinks.
    return [n for n in names if n == "base-files"] + [n for n in names if n != "base-files"]

def _image(name, base, tars, arch, env = {}, entrypoint = None, cmd = None, user = None, workdir = None, visibility = None):
    kwargs = {}
    if entrypoint:
        kwargs["entrypoint"] = entrypoint
    if cmd:
        kwargs["cmd"] = cmd
    if user != None:
        kwargs["user"] = user
    if workdir != None:
        kwargs["workdir"] = workdir
    if base == None:
        kwargs["os"] = "linux"
        kwargs["architecture"] = arch
        if VARIANTS[arch]:
            kwargs["variant"] = VARIANTS[arch]
    else:
        kwargs["base"] = base
    oci_image(name = name, tars = tars, env = env, visibility = visibility, **kwargs)

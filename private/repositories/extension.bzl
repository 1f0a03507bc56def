"""The `debian` module extension: lock files of debian_package_manager become repositories.

For each `debian.lock(name = "debian12", lock = "//locks:debian12.lock.json")` tag it creates
  - one repository per locked package and architecture, `<arch>_<name>_<package>` (a `+` in the
    package name becomes `plus`: `amd64_debian12_libstdcplusplus6`), which downloads the .deb by
    sha256 from the lock's URLs in order and turns it into a layer (`//:layer`, a deb_layer);
  - a hub repository `<name>` with `//<arch>:<package>` aliases and `//:packages.bzl`, which
    knows the lock's package sets, so BUILD files need only `use_repo(debian, "<name>")`.
"""

load(":lock.bzl", "REFRESH", "RELOCK", "parse_lock", "repo_name")

def _package_repo_impl(rctx):
    urls = rctx.attr.urls
    result = rctx.download(url = urls, output = "package.deb", sha256 = rctx.attr.sha256, allow_fail = True)
    if not result.success:
        # Tell a changed file from an unreachable one: fetch again without the hash (over https:
        # Bazel refuses plain http without a checksum).
        probe = rctx.download(
            url = [u.replace("http://", "https://", 1) for u in urls],
            output = "unverified.deb",
            allow_fail = True,
        )
        rctx.delete("unverified.deb")
        what = (
            "got sha256 %s, but the lock says %s" % (probe.sha256, rctx.attr.sha256) if probe.success else "every URL failed"
        )
        fail("%s %s (%s): cannot download the .deb: %s.\n  URLs tried: %s\n  If the archive moved on, refresh the lock: %s" % (
            rctx.attr.package,
            rctx.attr.version,
            rctx.attr.arch,
            what,
            ", ".join(urls),
            REFRESH,
        ))
    rctx.file("BUILD.bazel", """\
load("{deb_layer}", "deb_layer")

package(default_visibility = ["//visibility:public"])

exports_files(["package.deb"])

deb_layer(
    name = "layer",
    deb = "package.deb",
    lock_entry = {lock_entry},
    merged_usr = {merged_usr},
    package = "{package}",
)
""".format(
        deb_layer = str(Label("//private/layers:deb_layer.bzl")),
        lock_entry = repr(rctx.attr.lock_entry),
        merged_usr = rctx.attr.merged_usr,
        package = rctx.attr.package,
    ))

deb_package_repo = repository_rule(
    implementation = _package_repo_impl,
    doc = "One locked .deb, downloaded by sha256, exposed as the layer `//:layer`.",
    attrs = {
        "package": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "arch": attr.string(mandatory = True),
        "sha256": attr.string(mandatory = True),
        "urls": attr.string_list(mandatory = True),
        "merged_usr": attr.bool(default = False),
        "lock_entry": attr.string(default = "{}"),
    },
)

def _npm_repo_impl(rctx):
    result = rctx.download(url = [rctx.attr.url], output = "package.tgz", integrity = rctx.attr.integrity, allow_fail = True)
    if not result.success:
        fail("%s %s (%s): cannot download %s with integrity %s.\n  If the registry moved on, refresh the lock: %s" % (
            rctx.attr.package,
            rctx.attr.version,
            rctx.attr.arch,
            rctx.attr.url,
            rctx.attr.integrity,
            REFRESH,
        ))
    rctx.file("metadata.json", rctx.attr.lock_entry + "\n")
    rctx.file("BUILD.bazel", """\
load("{node_layer}", "node_layer")

package(default_visibility = ["//visibility:public"])

exports_files(["package.tgz", "metadata.json"])

node_layer(
    name = "layer",
    tarball = "package.tgz",
)
""".format(node_layer = str(Label("//private/layers:node_layer.bzl"))))

npm_node_repo = repository_rule(
    implementation = _npm_repo_impl,
    doc = "An official Node.js build from the npm registry, by integrity, as the layer `//:layer`.",
    attrs = {
        "package": attr.string(mandatory = True),
        "version": attr.string(mandatory = True),
        "arch": attr.string(mandatory = True),
        "url": attr.string(mandatory = True),
        "integrity": attr.string(mandatory = True),
        "lock_entry": attr.string(default = "{}"),
    },
)

def _hub_repo_impl(rctx):
    lock = json.decode(rctx.attr.lock_json)
    for arch, packages in lock["packages"].items():
        lines = ['package(default_visibility = ["//visibility:public"])', ""]
        for name in sorted(packages):
            repo = repo_name(rctx.attr.hub_name, arch, name)
            lines.append('alias(name = "%s", actual = "@%s//:layer")' % (name, repo))
            lines.append('alias(name = "%s_deb", actual = "@%s//:package.deb")' % (name, repo))
        for npm_set, by_arch in lock.get("npm", {}).items():
            if arch in by_arch:
                repo = repo_name(rctx.attr.hub_name, arch, npm_set)
                lines.append('alias(name = "npm_%s", actual = "@%s//:layer")' % (npm_set, repo))
                lines.append('alias(name = "npm_%s_metadata", actual = "@%s//:metadata.json")' % (npm_set, repo))
        rctx.file(arch + "/BUILD.bazel", "\n".join(lines) + "\n")
    rctx.file("BUILD.bazel", """\
load("{bzl_library}", "bzl_library")

exports_files(["packages.bzl"])

bzl_library(
    name = "packages",
    srcs = ["packages.bzl"],
    visibility = ["//visibility:public"],
)
""".format(bzl_library = str(Label("@bazel_skylib//:bzl_library.bzl"))))
    rctx.file("packages.bzl", rctx.read(rctx.attr._packages_bzl_template).replace("{RELOCK}", RELOCK).replace(
        "{LOCK}",
        json.encode_indent({
            "release": lock["release"],
            "codename": lock.get("codename", ""),
            "architectures": sorted(lock["packages"].keys()),
            "packages": {arch: sorted(pkgs.keys()) for arch, pkgs in lock["packages"].items()},
            "versions": {arch: {n: e["version"] for n, e in pkgs.items()} for arch, pkgs in lock["packages"].items()},
            "debian_architectures": lock.get("debian_architectures", {}),
            "sets": lock.get("sets", {}),
            "unavailable_sets": lock.get("unavailable_sets", {}),
            "npm": {s: {arch: e["version"] for arch, e in by_arch.items()} for s, by_arch in lock.get("npm", {}).items()},
            "lock_label": rctx.attr.lock_label,
        }, indent = "    "),
    ))

deb_hub_repo = repository_rule(
    implementation = _hub_repo_impl,
    doc = "The lock's hub: `//<arch>:<package>` aliases and `//:packages.bzl` with its sets.",
    attrs = {
        "hub_name": attr.string(mandatory = True, doc = "The name the extension gave this hub."),
        "lock_json": attr.string(mandatory = True),
        "lock_label": attr.string(mandatory = True),
        "_packages_bzl_template": attr.label(default = "//private/repositories:packages.bzl.tpl"),
    },
)

def _missing_lock_repo_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["packages.bzl"])\n')
    rctx.file("packages.bzl", 'fail("the lock %s does not exist yet; write it with `%s`")\n' % (rctx.attr.lock_label, RELOCK))

missing_lock_repo = repository_rule(
    implementation = _missing_lock_repo_impl,
    doc = "The hub of a lock not written yet: loading it fails with the command that writes it.",
    attrs = {"lock_label": attr.string(mandatory = True)},
)

def _releases_repo_impl(rctx):
    loads = ['load("{bzl_library}", "bzl_library")'.format(bzl_library = str(Label("@bazel_skylib//:bzl_library.bzl")))]
    lines = ['"""The releases of module %s: release -> HUB of its lock (generated by the debian extension)."""' % rctx.attr.module, ""]
    for i, hub in enumerate(rctx.attr.hubs.values()):
        lines.append('load("@%s//:packages.bzl", _hub%d = "HUB")' % (hub, i))
    lines += ["", "RELEASES = {"] + [
        '    "%s": _hub%d,' % (release, i)
        for i, release in enumerate(rctx.attr.hubs)
    ] + ["}"]
    rctx.file("releases.bzl", "\n".join(lines) + "\n")
    rctx.file("BUILD.bazel", "\n".join(loads + [
        "",
        "bzl_library(",
        '    name = "releases",',
        '    srcs = ["releases.bzl"],',
        '    visibility = ["//visibility:public"],',
        "    deps = [%s]," % ", ".join(['"@%s//:packages"' % hub for hub in rctx.attr.hubs.values()]),
        ")",
    ]) + "\n")

releases_repo = repository_rule(
    implementation = _releases_repo_impl,
    doc = "`//:releases.bzl` with RELEASES, release -> HUB, of a module's locks.",
    attrs = {
        "module": attr.string(mandatory = True),
        "hubs": attr.string_dict(mandatory = True, doc = "release -> hub repository name"),
    },
)

def _debian_impl(mctx):
    root_repos, root_dev_repos = [], []
    owners = {}  # hub name -> module: every module's hubs share one namespace
    releases = {}  # module -> release -> hub, of its non-dev locks
    for mod in mctx.modules:
        for tag in mod.tags.lock:
            if tag.name in owners:
                fail("debian.lock(name = %r) in module %s: module %s already has a hub of that name; name yours after your module (for example %s_%s)" % (
                    tag.name,
                    mod.name,
                    owners[tag.name],
                    mod.name,
                    tag.name,
                ))
            owners[tag.name] = mod.name
            if not mctx.path(tag.lock).exists:
                # The lock tool runs in this module before its first lock exists.
                missing_lock_repo(name = tag.name, lock_label = str(tag.lock))
                if mod.is_root:
                    (root_dev_repos if mctx.is_dev_dependency(tag) else root_repos).append(tag.name)
                continue
            lock = parse_lock(mctx.read(tag.lock), str(tag.lock), tag.name)
            merged_usr = {"yes": True, "no": False}.get(tag.merged_usr, lock["merged_usr"])
            arches = tag.architectures or sorted(lock["packages"].keys())
            for arch in arches:
                if arch not in lock["packages"]:
                    fail("debian.lock(name = %r): architecture %r is not in %s (it has %s); add it to the config and run %s" % (
                        tag.name,
                        arch,
                        tag.lock,
                        ", ".join(sorted(lock["packages"].keys())),
                        REFRESH,
                    ))
                for name, entry in lock["packages"][arch].items():
                    deb_package_repo(
                        name = repo_name(tag.name, arch, name),
                        package = name,
                        version = entry["version"],
                        arch = arch,
                        sha256 = entry["sha256"],
                        urls = entry["urls"],
                        merged_usr = merged_usr,
                        lock_entry = json.encode({
                            "name": name,
                            "version": entry["version"],
                            "arch": arch,
                            "sha256": entry["sha256"],
                            "urls": entry["urls"],
                            "source": entry.get("source", name),
                            "source_version": entry.get("source_version", entry["version"]),
                            "release": lock["release"],
                            "debian_version": lock.get("debian_version", ""),
                        }),
                    )
            for npm_set, by_arch in lock.get("npm", {}).items():
                for arch, entry in by_arch.items():
                    if arch not in arches:
                        continue
                    npm_node_repo(
                        name = repo_name(tag.name, arch, npm_set),
                        package = entry["package"],
                        version = entry["version"],
                        arch = arch,
                        url = entry["url"],
                        integrity = entry["integrity"],
                        lock_entry = json.encode(dict(entry, arch = arch, set = npm_set, release = lock["release"])),
                    )
            lock["packages"] = {arch: lock["packages"][arch] for arch in arches}
            deb_hub_repo(name = tag.name, hub_name = tag.name, lock_json = json.encode(lock), lock_label = str(tag.lock))
            if mod.is_root:
                (root_dev_repos if mctx.is_dev_dependency(tag) else root_repos).append(tag.name)
            if not mctx.is_dev_dependency(tag):
                by_release = releases.setdefault(mod.name, {})
                if lock["release"] in by_release:
                    fail("debian.lock(name = %r) in module %s: the module already has a lock of %s (%s)" % (
                        tag.name,
                        mod.name,
                        lock["release"],
                        by_release[lock["release"]],
                    ))
                by_release[lock["release"]] = tag.name
    for mod in mctx.modules:
        for tag in mod.tags.releases:
            releases_repo(name = tag.name, module = mod.name, hubs = releases.get(mod.name, {}))
            if mod.is_root:
                root_repos.append(tag.name)

    # The hubs are what BUILD files load; `bazel mod tidy` keeps the root's use_repo in step.
    return mctx.extension_metadata(root_module_direct_deps = root_repos, root_module_direct_dev_deps = root_dev_repos)

_lock = tag_class(
    doc = "A lock file of debian_package_manager to turn into repositories.",
    attrs = {
        "name": attr.string(mandatory = True, doc = "Name of the hub repository, e.g. debian12."),
        "lock": attr.label(mandatory = True, allow_single_file = [".json"], doc = "The lock file."),
        "architectures": attr.string_list(doc = "Only these architectures (default: all in the lock)."),
        "merged_usr": attr.string(
            default = "auto",
            values = ["auto", "yes", "no"],
            doc = "Whether /bin, /lib, /sbin are symlinks into /usr. auto: from Debian 13 on, as Debian does.",
        ),
    },
)

_releases = tag_class(
    doc = "A repository whose `//:releases.bzl` has RELEASES: release -> HUB of each of this module's locks.",
    attrs = {"name": attr.string(mandatory = True, doc = "Name of the repository, e.g. distroless_releases.")},
)

debian = module_extension(
    implementation = _debian_impl,
    doc = "Turns debian_package_manager lock files into package and hub repositories.",
    tag_classes = {"lock": _lock, "releases": _releases},
)

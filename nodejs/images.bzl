"""The nodejs family's images; node is /nodejs/bin/node in all of them.

nodejs20, nodejs22, nodejs24 (every release), nodejs26 (debian13, as distroless): distroless'
images of those names, the official Node.js builds (amd64 and arm64 only) locked from the npm
registry.

nodejs18_debian (debian12), nodejs20_debian (debian13): Debian's own `nodejs` package of the
release (a shared libnode, Debian's modules under /usr/share/nodejs), not an image distroless
has; the `_debian` suffix keeps it apart from distroless' official-build names
(docs/migrating.md)."""

load("//private/image:layers.bzl", "node_link", "npm_node")
load("//private/image:row.bzl", "image")

def _nodejs_debian(release, major):
    # Debian's own Node.js, linked to distroless' /nodejs/bin/node.
    return image(
        name = "nodejs%s_debian" % major,
        parent = "cc",
        sets = ["nodejs"],
        skip = ["ca-certificates"],
        layers = [node_link],
        entrypoint = ["/nodejs/bin/node"],
        releases = [release],
    )

def _nodejs_official(major, sets = ["cc"], releases = []):
    return image(
        name = "nodejs" + major,
        parent = "cc",
        sets = sets,
        npm = "nodejs" + major,
        layers = [npm_node],
        entrypoint = ["/nodejs/bin/node"],
        releases = releases,
    )

IMAGES = [
    _nodejs_official("20"),
    _nodejs_official("22"),
    _nodejs_official("24"),
    # Node.js 26's build links libatomic (distroless adds libatomic1 too).
    _nodejs_official("26", sets = ["nodejs26_runtime"], releases = ["debian13"]),
    _nodejs_debian("debian12", "18"),
    _nodejs_debian("debian13", "20"),
]

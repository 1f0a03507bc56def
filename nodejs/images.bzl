"""The nodejs family's images: Debian's own Node.js of each release, and the official builds
(amd64 and arm64 only) locked from the npm registry; node is /nodejs/bin/node in all of them."""

load("//private/image:layers.bzl", "node_link", "npm_node")
load("//private/image:row.bzl", "image")

def _nodejs_debian(release, major):
    # Debian's own Node.js, linked to distroless' /nodejs/bin/node.
    return image(
        name = "nodejs" + major,
        parent = "cc",
        sets = ["nodejs"],
        skip = ["ca-certificates"],
        layers = [node_link],
        entrypoint = ["/nodejs/bin/node"],
        releases = [release],
    )

def _nodejs_official(major):
    return image(
        name = "nodejs" + major,
        parent = "cc",
        sets = ["cc"],
        npm = "nodejs" + major,
        layers = [npm_node],
        entrypoint = ["/nodejs/bin/node"],
    )

IMAGES = [
    _nodejs_debian("debian12", "18"),
    _nodejs_debian("debian13", "20"),
    _nodejs_official("22"),
    _nodejs_official("24"),
]

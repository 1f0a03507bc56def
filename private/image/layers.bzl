"""The layers of a catalog row that are not whole Debian packages, each a named function.

A row lists them in `layers` (`layers = [layers.ca_bundle, layers.release_files]`). Each takes
the `target` struct of one per-arch image (hub, arch, release, row, declare) and returns the
label of its layer; `declare` makes a layer once per package, shared by every image that uses it.
"""

load("//private/layers:busybox_layer.bzl", "busybox_layer")
load("//private/layers:ca_bundle_layer.bzl", "ca_bundle_layer")
load("//private/layers:files_layer.bzl", "files_layer")
load("//private/layers:java_keystore_layer.bzl", "java_keystore_layer")
load("//private/layers:locale_layer.bzl", "locale_layer")
load(":versions.bzl", "java_major", "python_version")

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

def release_files_entries(lock):
    """The distroless files of a release: users, groups, nsswitch, os-release, /tmp and homes."""
    return [
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
    ]

def _symlink(path, target):
    return json.encode([{"path": path, "kind": "symlink", "target": target, "mode": "0777"}])

def release_files(target):
    """/etc/passwd, /etc/group, nsswitch.conf, os-release (PRETTY_NAME="Distroless"), /tmp, homes."""
    return target.declare("release_files", None, files_layer, entries = json.encode(release_files_entries(target.hub.lock)))

def ca_bundle(target):
    """/etc/ssl/certs/ca-certificates.crt from ca-certificates (no openssl needed)."""
    return target.declare("cacerts", target.arch, ca_bundle_layer, deb = target.hub.deb(target.arch, "ca-certificates"))

def java_keystore(target):
    """/etc/ssl/certs/java/cacerts, the JKS keystore of the same certificates."""
    return target.declare("cacerts_java", target.arch, java_keystore_layer, deb = target.hub.deb(target.arch, "ca-certificates"))

def c_utf8(target):
    """/usr/lib/locale/C.utf8 from libc-bin, for LANG=C.UTF-8 (package set locale_c_utf8)."""
    return target.declare("c_utf8", target.arch, locale_layer, deb = target.hub.deb(target.arch, "libc-bin"))

def python_alias(target):
    """/usr/bin/python -> python3.X."""
    version = python_version(target.hub.lock, target.arch)
    return target.declare("python_alias", target.arch, files_layer, entries = _symlink("usr/bin/python", "python" + version))

def java_link(target):
    """/usr/bin/java -> the JRE of the row's `jdk` (what update-alternatives would make).

    Args:
        target: the per-arch image (hub, arch, release, row, declare).

    Returns:
        The label of the layer.
    """
    lock, arch = target.hub.lock, target.arch
    major = java_major(lock, arch, target.row.jdk)
    jvm = "/usr/lib/jvm/java-%s-openjdk-%s/bin/java" % (major, lock["debian_architectures"][arch])
    return target.declare("java_link_" + major, arch, files_layer, entries = _symlink("usr/bin/java", jvm))

# The JDK tools the Java debug variants link into /usr/bin (openjdk-N-jdk-headless' bin/ in every
# JDK from 17 on); update-alternatives would link these and a few more.
JDK_TOOLS = ["jar", "javac", "javap", "jcmd", "jdb", "jfr", "jinfo", "jmap", "jps", "jshell", "jstack", "jstat"]

def jdk_tools_link(target):
    """/usr/bin/<tool> -> the JDK's bin/<tool> for JDK_TOOLS (what update-alternatives would make).

    The JDK is the headless JDK of the row's `jdk` (a debug set holds it), at the JRE's path.

    Args:
        target: the per-arch image (hub, arch, release, row, declare).

    Returns:
        The label of the layer.
    """
    lock, arch = target.hub.lock, target.arch
    major = java_major(lock, arch, target.row.jdk)
    jvm = "/usr/lib/jvm/java-%s-openjdk-%s/bin/" % (major, lock["debian_architectures"][arch])
    entries = [{"path": "usr/bin/" + tool, "kind": "symlink", "target": jvm + tool, "mode": "0777"} for tool in JDK_TOOLS]
    return target.declare("jdk_tools_link_" + major, arch, files_layer, entries = json.encode(entries))

def node_link(target):
    """/nodejs/bin/node -> /usr/bin/node, distroless' path for Debian's node."""
    return target.declare("node_link", target.arch, files_layer, entries = _symlink("nodejs/bin/node", "/usr/bin/node"))

def npm_node(target):
    """/nodejs/bin/node from the official Node.js build locked as the row's `npm`."""
    return target.hub.npm_layer(target.row.npm, target.arch)

def busybox(target):
    """busybox-static under /busybox: the debug variants' shell."""
    return target.declare("busybox", target.arch, busybox_layer, deb = target.hub.deb(target.arch, "busybox-static"))

"""The distroless image catalog: one row per image, as GoogleContainerTools/distroless names them.

Each row extends its parent (layers and config), adds the Debian package sets of the lock
(their closures, minus what the parent holds and minus `skip`), then the special `layers`:
  release_files  /etc/passwd, /etc/group, nsswitch.conf, os-release (PRETTY_NAME="Distroless"),
                 /tmp, /root, /home/nonroot
  cacerts        /etc/ssl/certs/ca-certificates.crt from ca-certificates (no openssl needed)
  cacerts_java   /etc/ssl/certs/java/cacerts, the JKS keystore of the same certificates
  c_utf8         /usr/lib/locale/C.utf8 from libc-bin, for LANG=C.UTF-8 (set locale_c_utf8)
  python_alias   /usr/bin/python -> python3.X
  java_link      /usr/bin/java -> the JRE of `jdk` (what update-alternatives would make)
  node_link      /nodejs/bin/node -> /usr/bin/node (distroless' path for node)
  npm            /nodejs/bin/node from the official build locked as `npm`
Every row also gets a debug variant (`debug_name`, default `<name>_debug`): busybox under
/busybox, entrypoint /busybox/sh, /busybox at the end of PATH.
"""

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

def image(
        name,
        family,
        parent = None,
        sets = [],
        exclude = [],
        skip = [],
        layers = [],
        env = {},
        entrypoint = None,
        cmd = None,
        releases = [],
        jdk = None,
        npm = None,
        debug_name = None):
    """One catalog row; see the file's docstring for the meaning of each field.

    Args:
        name: image name (static, base_nossl, python3, java17, ...).
        family: the package that builds it (base, cc, python3, java, nodejs).
        parent: the image it extends.
        sets: lock package sets whose closures it holds (parent's included).
        exclude: packages of those closures it does not hold.
        skip: packages it holds only through a special layer (ca-certificates).
        layers: special layers, in order, after the package layers.
        env: environment added to the parent's.
        entrypoint: entrypoint ({python} is the release's python3.X version).
        cmd: cmd.
        releases: only these releases (default: all).
        jdk: the JRE package: sets JAVA_VERSION and /usr/bin/java.
        npm: the npm-locked Node.js build.
        debug_name: name of the debug variant.

    Returns:
        The row.
    """
    return struct(
        name = name,
        family = family,
        parent = parent,
        sets = sets,
        exclude = exclude,
        skip = skip,
        layers = layers,
        env = env,
        entrypoint = entrypoint,
        cmd = cmd,
        releases = releases,
        jdk = jdk,
        npm = npm,
        debug_name = debug_name or name + "_debug",
    )

def _java_base(release, jre_set, jre):
    # The JRE's native libraries and the Java CA keystore, without the JRE itself.
    return image(
        name = "java_base",
        family = "java",
        parent = "cc",
        sets = [jre_set, "locale_c_utf8"],
        exclude = [jre],
        skip = ["ca-certificates", "libc-bin"],
        layers = ["cacerts_java", "c_utf8"],
        env = {"LANG": "C.UTF-8"},
        releases = [release],
    )

def _java(release, major):
    return image(
        name = "java" + major,
        family = "java",
        parent = "java_base",
        sets = ["java" + major, "locale_c_utf8"],
        skip = ["ca-certificates", "libc-bin"],
        layers = ["java_link"],
        jdk = "openjdk-%s-jre-headless" % major,
        entrypoint = ["/usr/bin/java", "-jar"],
        releases = [release],
    )

def _nodejs_debian(release, major):
    # Debian's own Node.js, linked to distroless' /nodejs/bin/node.
    return image(
        name = "nodejs" + major,
        family = "nodejs",
        parent = "cc",
        sets = ["nodejs"],
        skip = ["ca-certificates"],
        layers = ["node_link"],
        entrypoint = ["/nodejs/bin/node"],
        releases = [release],
    )

def _nodejs_official(major):
    # An official Node.js build (amd64 and arm64 only), locked from the npm registry.
    return image(
        name = "nodejs" + major,
        family = "nodejs",
        parent = "cc",
        sets = ["cc"],
        npm = "nodejs" + major,
        layers = ["npm"],
        entrypoint = ["/nodejs/bin/node"],
    )

CATALOG = [
    image(
        name = "static",
        family = "base",
        sets = ["static"],
        skip = ["ca-certificates"],
        layers = ["cacerts", "release_files"],
        env = {"PATH": PATH, "SSL_CERT_FILE": CA_BUNDLE},
    ),
    image(name = "base_nossl", family = "base", parent = "static", sets = ["base_nossl"], skip = ["ca-certificates"]),
    image(name = "base", family = "base", parent = "base_nossl", sets = ["base"], skip = ["ca-certificates"], debug_name = "debug"),
    image(name = "cc", family = "cc", parent = "base", sets = ["cc"], skip = ["ca-certificates"]),
    image(
        name = "python3",
        family = "python3",
        parent = "cc",
        sets = ["python3", "locale_c_utf8"],
        skip = ["ca-certificates", "libc-bin"],
        layers = ["python_alias", "c_utf8"],
        env = {"LANG": "C.UTF-8"},
        entrypoint = ["/usr/bin/python{python}"],
    ),
    _java_base("debian12", "java17", "openjdk-17-jre-headless"),
    _java_base("debian13", "java21", "openjdk-21-jre-headless"),
    _java("debian12", "17"),
    _java("debian13", "21"),
    _java("debian13", "25"),
    _nodejs_debian("debian12", "18"),
    _nodejs_debian("debian13", "20"),
    _nodejs_official("22"),
    _nodejs_official("24"),
]

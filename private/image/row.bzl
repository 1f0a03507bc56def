"""A catalog row: one image of a family, as GoogleContainerTools/distroless names it.

Each row extends its parent (layers and config), adds the Debian package sets of the lock (their
closures, minus what the parent holds and minus `skip`), then its named `layers`
(private/image/layers.bzl). Every row also gets a debug variant (`debug_name`, default
`<name>_debug`): busybox under /busybox, entrypoint /busybox/sh, /busybox at the end of PATH,
then the closures of the row's `debug_sets` minus what the image holds, then its `debug_layers`
(the Java rows: Debian's headless JDK and /usr/bin links to its tools).
A family's rows live in its folder (`base/images.bzl`); private/image/catalog.bzl joins them.
"""

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

def image(
        name,
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
        debug_name = None,
        debug_sets = [],
        debug_layers = []):
    """One catalog row.

    Args:
        name: image name (static, base_nossl, python3, java17, ...).
        parent: the image it extends (a row of any family).
        sets: lock package sets whose closures it holds (parent's included).
        exclude: packages of those closures it does not hold.
        skip: packages it holds only through a named layer (ca-certificates).
        layers: named layers (functions of private/image/layers.bzl), in order, after the packages.
        env: environment added to the parent's.
        entrypoint: entrypoint ({python} is the release's python3.X version).
        cmd: cmd.
        releases: only these releases (default: all).
        jdk: the JRE package: sets JAVA_VERSION and /usr/bin/java.
        npm: the npm-locked Node.js build.
        debug_name: name of the debug variant.
        debug_sets: lock package sets only the debug variant adds: their closures minus the
            image's packages, as package layers after busybox.
        debug_layers: named layers only the debug variant adds, after debug_sets' packages.

    Returns:
        The row.
    """
    return struct(
        name = name,
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
        debug_sets = debug_sets,
        debug_layers = debug_layers,
    )

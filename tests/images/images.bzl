"""Which structure test files and test programs go with which distroless image.

`image_test_spec` maps a catalog image (the rows of each family's images.bzl: static, base_nossl, base,
cc, python3, java_base, java17, java21, java25, nodejs20, nodejs22, nodejs24, nodejs18_debian,
nodejs20_debian), a
user (root, nonroot), a release (debian12, debian13) and debug or not to the YAML files of
<family>/testdata and the files the tests copy into the image (tests/images/programs). `distroless_image_test` declares the
structure_test; a family's BUILD file calls it once per index, e.g.

    distroless_image_test(
        name = "python3_nonroot_debian12_test",
        image = ":python3_nonroot_debian12",
        image_name = "python3",
        user = "nonroot",
        distro = "debian12",
    )
"""

load("//:defs.bzl", "structure_test")

_PROGRAMS = "//tests/images/programs"

# Each image's ancestors in the catalog, itself included: a test of a parent holds for its
# children (static's files are in every image, base's libssl in cc, python3, java, nodejs).
_LINEAGE = {
    "base": ["static", "base"],
    "base_nossl": ["static", "base_nossl"],
    "cc": ["static", "base", "cc"],
    "java17": ["static", "base", "cc", "java"],
    "java21": ["static", "base", "cc", "java"],
    "java25": ["static", "base", "cc", "java"],
    "java_base": ["static", "base", "cc", "java_base"],
    "nodejs18_debian": ["static", "base", "cc", "nodejs"],
    "nodejs20": ["static", "base", "cc", "nodejs"],
    "nodejs20_debian": ["static", "base", "cc", "nodejs"],
    "nodejs22": ["static", "base", "cc", "nodejs"],
    "nodejs24": ["static", "base", "cc", "nodejs"],
    "python3": ["static", "base", "cc", "python3"],
    "static": ["static"],
}

# Architectures the test programs are built for (tests/images/programs: the toolchain root's gcc and
# aarch64 cross compilers). Other platforms of an index are skipped by the runner, with a note.
TEST_PROGRAM_ARCHES = ["amd64", "arm64"]

def _per_arch(program, dest):
    return {"%s:%s_%s" % (_PROGRAMS, program, arch): "%s:%s" % (arch, dest) for arch in TEST_PROGRAM_ARCHES}

def image_test_spec(image_name, user, distro, debug):
    """The structure test files and copied files of one image variant.

    Args:
        image_name: the catalog name (static, base, cc, python3, java17, nodejs22, ...).
        user: "root" or "nonroot".
        distro: "debian12" or "debian13".
        debug: whether this is the :debug variant (busybox).

    Returns:
        struct(configs = [labels], files = {label: destination}, invariants, command_timeout).
    """
    if image_name not in _LINEAGE:
        fail("no structure tests for image %r (known: %s)" % (image_name, ", ".join(sorted(_LINEAGE))))
    if user not in ("root", "nonroot"):
        fail("user must be root or nonroot, got %r" % user)
    lineage = _LINEAGE[image_name]
    configs = [
        "base/common.yaml",
        "base/%s.yaml" % user,
        "base/static_%s.yaml" % distro,
        "base/debug.yaml" if debug else "base/nondebug.yaml",
    ]
    if debug:
        configs.append("base/debug_%s.yaml" % distro)
    files = _per_arch("id_static", "/test/id_static")
    timeout = 30
    if image_name == "static":
        configs.append("base/static.yaml")
    if image_name == "base_nossl":
        configs.append("base/base_nossl.yaml")
        files.update(_per_arch("hello_ssl", "/test/hello_ssl"))
    if "base" in lineage:
        configs += ["base/base.yaml", "base/base_%s.yaml" % distro]
        files.update(_per_arch("hello_ssl", "/test/hello_ssl"))
        files.update({
            _PROGRAMS + ":tls_ca.pem": "/test/tls/ca.pem",
            _PROGRAMS + ":tls_server.key": "/test/tls/server.key",
            _PROGRAMS + ":tls_server.pem": "/test/tls/server.pem",
        })
    if "cc" in lineage:
        configs.append("cc/cc.yaml")
        files.update(_per_arch("hello_cxx", "/test/hello_cxx"))
    if image_name == "python3":
        configs += ["python3/python3.yaml", "python3/python3_%s.yaml" % distro]
        if not debug:
            configs.append("python3/entrypoint_%s.yaml" % distro)

        # Importing the whole standard library takes ~25 s under qemu-user.
        timeout = 120
    if image_name == "java_base":
        configs.append("java/java_base.yaml")
    if "java" in lineage:
        configs += ["java/java.yaml", "java/%s_%s.yaml" % (image_name, distro)]
        if not debug:
            configs.append("java/entrypoint.yaml")
        else:
            configs.append("java/java_debug.yaml")
        files[_PROGRAMS + ":check_keystore"] = "/test/CheckKeystore.class"

        # A JVM starts slowly under qemu-user.
        timeout = 120
    if "nodejs" in lineage:
        configs += ["nodejs/nodejs.yaml", "nodejs/%s.yaml" % image_name]
        if not debug:
            configs.append("nodejs/entrypoint.yaml")
    return struct(
        configs = ["//%s:testdata/%s" % tuple(c.split("/")) for c in configs],
        files = files,
        invariants = "debug" if debug else "default",
        command_timeout = timeout,
    )

def distroless_image_test(name, image, image_name, user, distro, debug = False, **kwargs):
    """A structure_test of one distroless image or index with its families' testdata files.

    Args:
        name: the test's name.
        image: the oci_image or oci_image_index to test.
        image_name: its catalog name (static, base, cc, python3, java17, nodejs22, ...).
        user: "root" or "nonroot".
        distro: "debian12" or "debian13".
        debug: whether `image` is the :debug variant.
        **kwargs: passed to structure_test (arches, size, tags, ...).
    """
    spec = image_test_spec(image_name, user, distro, debug)
    structure_test(
        name = name,
        image = image,
        configs = spec.configs,
        files = spec.files,
        invariants = spec.invariants,
        command_timeout = spec.command_timeout,
        **kwargs
    )

def catalog_image_tests(name, distros, catalog):
    """A distroless_image_test for every index of the catalog, and a test_suite of them all.

    Args:
        name: the test_suite.
        distros: releases to test (debian12, debian13).
        catalog: the rows of the catalog (private/image/catalog.bzl).
    """
    tests = []
    for distro in distros:
        for row in catalog:
            if row.releases and distro not in row.releases:
                continue
            for debug in (False, True):
                image_name = row.debug_name if debug else row.name
                for user in ("root", "nonroot"):
                    index = "%s_%s_%s" % (image_name, user, distro)
                    distroless_image_test(
                        name = index + "_test",
                        image = "//%s:%s" % (row.family, index),
                        image_name = row.name,
                        user = user,
                        distro = distro,
                        debug = debug,
                    )
                    tests.append(":%s_test" % index)
    native.test_suite(name = name, tests = tests)

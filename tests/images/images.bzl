"""Which structure test files and test programs go with which distroless image.

`image_test_spec` maps a catalog image (the rows of each family's images.bzl: static, base_nossl, base,
cc, python3, java_base, java17, java21, java25, nodejs20, nodejs22, nodejs24, nodejs26, nodejs18_debian,
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
load("//private/image:family.bzl", "row_platforms")

_PROGRAMS = "//tests/images/programs"

# Each image's ancestors in the catalog, itself included: a test of a parent holds for its
# children (static's files are in every image, base's libssl in cc, python3, nodejs; the Java
# images are built on base_nossl, as distroless').
_LINEAGE = {
    "base": ["static", "base"],
    "base_nossl": ["static", "base_nossl"],
    "cc": ["static", "base", "cc"],
    "java17": ["static", "base_nossl", "java"],
    "java21": ["static", "base_nossl", "java"],
    "java25": ["static", "base_nossl", "java"],
    "java_base": ["static", "base_nossl", "java_base"],
    "nodejs18_debian": ["static", "base", "cc", "nodejs"],
    "nodejs20": ["static", "base", "cc", "nodejs"],
    "nodejs20_debian": ["static", "base", "cc", "nodejs"],
    "nodejs22": ["static", "base", "cc", "nodejs"],
    "nodejs24": ["static", "base", "cc", "nodejs"],
    "nodejs26": ["static", "base", "cc", "nodejs"],
    "python3": ["static", "base", "cc", "python3"],
    "static": ["static"],
}

# The ELF dependency check (private/structure_test/elf_deps.py) of every image: each library
# its programs load must be in the image, and each library in the image must be loaded by one
# of its programs (ELF NEEDED entries, the known dlopens listed in elf_deps.py), except:
# - `offered`: Debian packages an image holds for applications on purpose, needed by its own
#   programs or not (an image gets those of its ancestors in _LINEAGE);
# - `absent`: libraries (file names) that objects of the image need and that it leaves out on
#   purpose (a JRE module for hardware a server image has no use for).
# python3 and nodejs offer nothing of their own: their interpreter's NEEDED entries and Python's
# extension modules reach every library they hold.
ELF_POLICY = {
    "base_nossl": struct(
        offered = {"libc6": "the C library every dynamically linked application needs"},
        absent = {},
    ),
    "base": struct(
        offered = {
            "libc6": "the C library every dynamically linked application needs",
            "libssl3": "what base adds to base-nossl: OpenSSL for applications",
        },
        absent = {},
    ),
    "cc": struct(
        offered = {
            "libstdc++6": "the C++ runtime, what cc is for",
            "libgcc-s1": "the C++ runtime's unwinder (also dlopened by glibc)",
            "libgomp1": "OpenMP, as distroless' cc (programs built with -fopenmp)",
        },
        absent = {},
    ),
    "java_base": struct(
        offered = {
            # distroless' java_base: base-nossl, the C++ runtime and the JRE's native
            # dependencies, for a JRE the application brings (no JRE in this image).
            "libstdc++6": "the C++ runtime, as distroless' java images",
            "libgcc-s1": "the C++ runtime's unwinder",
            "zlib1g": "libjli, libzip, libinstrument (NEEDED)",
            "libjpeg62-turbo": "libjavajpeg (NEEDED)",
            "liblcms2-2": "liblcms (NEEDED)",
            "libfreetype6": "libfontmanager (NEEDED)",
            "libharfbuzz0b": "libfontmanager (NEEDED)",
            "libfontconfig1": "libawt_headless (dlopen)",
        },
        absent = {},
    ),
    "java": struct(
        offered = {
            "libstdc++6": "the C++ runtime, as distroless' java images",
            "libgcc-s1": "the C++ runtime's unwinder",
        },
        absent = {
            "libasound.so.2": "libjsound (javax.sound): no sound in a server image; libasound2 is excluded",
            "libpcsclite.so.1": "libj2pcsc (javax.smartcardio): no smart-card reader; libpcsclite1 is excluded",
        },
    ),
}

# Packages of ELF_POLICY under another name in a release (the 64-bit time_t transition).
_RENAMED = {"debian13": {"libssl3": "libssl3t64"}}

def elf_policy(image_name, distro):
    """The libraries an image offers and leaves out on purpose (ELF_POLICY over its lineage).

    Args:
        image_name: the catalog name (static, base, cc, python3, java17, ...).
        distro: the release (debian12, debian13).

    Returns:
        struct(offered = [Debian packages], absent = [library file names]), sorted.
    """
    offered = {}
    absent = {}
    for ancestor in _LINEAGE[image_name]:
        policy = ELF_POLICY.get(ancestor)
        if policy:
            offered.update(policy.offered)
            absent.update(policy.absent)
    renamed = _RENAMED.get(distro, {})
    return struct(offered = sorted([renamed.get(p, p) for p in offered]), absent = sorted(absent))

# Architectures the test programs are built for (tests/images/programs: the toolchain root's gcc and
# cross compilers): every architecture of the releases.
TEST_PROGRAM_ARCHES = ["amd64", "arm64", "arm", "s390x", "ppc64le", "riscv64"]

# Seconds a command test may run, unless the image's commands need more.
_COMMAND_TIMEOUT = 30

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
        struct(configs = [labels], files = {label: destination}, invariants, command_timeout,
        test_timeout (Bazel's), elf_offered, elf_absent).
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
    timeout = _COMMAND_TIMEOUT
    if image_name == "static":
        configs.append("base/static.yaml")
    if "base_nossl" in lineage:
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

        # Importing the whole standard library takes ~25 s under qemu-user on arm64, and took
        # 122 s on riscv64 on a loaded 2-core machine: the limit is for a hung command only.
        timeout = 300
    if image_name == "java_base":
        configs.append("java/java_base.yaml")
    if image_name.startswith("java"):
        # the C++ runtime (libstdc++6, libgcc-s1) without cc's libgomp1
        configs.append("java/cxx.yaml")
        files.update(_per_arch("hello_cxx", "/test/hello_cxx"))
    if "java" in lineage:
        configs += ["java/java.yaml", "java/%s_%s.yaml" % (image_name, distro)]
        if not debug:
            configs.append("java/entrypoint.yaml")
        else:
            configs.append("java/java_debug.yaml")
        files[_PROGRAMS + ":check_keystore"] = "/test/CheckKeystore.class"

        # A JVM starts slowly under qemu-user (slowest on riscv64, s390x and ppc64le).
        timeout = 300
    if "nodejs" in lineage:
        configs += ["nodejs/nodejs.yaml", "nodejs/%s.yaml" % image_name]
        if not debug:
            configs.append("nodejs/entrypoint.yaml")
    policy = elf_policy(image_name, distro)
    return struct(
        configs = ["//%s:testdata/%s" % tuple(c.split("/")) for c in configs],
        files = files,
        invariants = "debug" if debug else "default",
        command_timeout = timeout,
        # Commands allowed minutes each (python3, Java) make a long test under qemu: on riscv64
        # a python3 image's checks took 139 s of the "moderate" 300 s, so a loaded machine could
        # time it out. "long" is 900 s; each command keeps its own limit.
        test_timeout = "long" if timeout > _COMMAND_TIMEOUT else "moderate",
        elf_offered = policy.offered,
        elf_absent = policy.absent,
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
    kwargs.setdefault("timeout", spec.test_timeout)
    structure_test(
        name = name,
        image = image,
        configs = spec.configs,
        files = spec.files,
        invariants = spec.invariants,
        elf_deps = True,
        elf_offered = spec.elf_offered,
        elf_absent = spec.elf_absent,
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

def outside_index_tests(name, releases, catalog):
    """A distroless_image_test of every per-arch image that no index holds, and a suite of them.

    An architecture whose locked versions differ from the index's first one (the mirror lacks
    its security updates: debian12's arm, s390x and ppc64le today) is built alone; these tests
    run those images on their own architecture through qemu. They are `manual`: tools/test runs
    the suite when DISTROLESS_TEST_ARCHES is "all".

    Args:
        name: the test_suite.
        releases: release name -> HUB of its lock.
        catalog: the rows of the catalog (private/image/catalog.bzl).
    """
    tests = []
    for distro, hub in releases.items():
        for row in catalog:
            if row.releases and distro not in row.releases:
                continue
            platforms = row_platforms(row, hub)
            for debug in (False, True):
                image_name = row.debug_name if debug else row.name
                in_index = platforms.in_debug_index if debug else platforms.in_index
                for arch in platforms.arches:
                    if arch in in_index:
                        continue
                    for user in ("root", "nonroot"):
                        image = "%s_%s_%s_%s" % (image_name, user, arch, distro)
                        distroless_image_test(
                            name = image + "_test",
                            image = "//%s:%s" % (row.family, image),
                            image_name = row.name,
                            user = user,
                            distro = distro,
                            debug = debug,
                            tags = ["manual"],
                        )
                        tests.append(":%s_test" % image)
    native.test_suite(name = name, tests = tests, tags = ["manual"])

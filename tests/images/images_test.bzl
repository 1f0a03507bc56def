"""Unit tests of images.bzl: the mapping of image variants to test files and test programs."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")
load(":images.bzl", "elf_policy", "image_test_spec")

def _names(labels):
    """//base:testdata/common.yaml -> base/common.yaml"""
    return [label.removeprefix("//").replace(":testdata/", "/") for label in labels]

def _static_root_test_impl(ctx):
    env = unittest.begin(ctx)
    spec = image_test_spec("static", "root", "debian12", False)
    asserts.equals(env, [
        "base/common.yaml",
        "base/root.yaml",
        "base/static_debian12.yaml",
        "base/nondebug.yaml",
        "base/static.yaml",
    ], _names(spec.configs))
    asserts.equals(env, sorted(["%s:/test/id_static" % arch for arch in ["amd64", "arm", "arm64", "ppc64le", "riscv64", "s390x"]]), sorted(spec.files.values()))
    asserts.equals(env, "default", spec.invariants)
    asserts.equals(env, "moderate", spec.test_timeout)
    return unittest.end(env)

def _python3_debug_test_impl(ctx):
    env = unittest.begin(ctx)
    spec = image_test_spec("python3", "nonroot", "debian13", True)
    asserts.equals(env, [
        "base/common.yaml",
        "base/nonroot.yaml",
        "base/static_debian13.yaml",
        "base/debug.yaml",
        "base/debug_debian13.yaml",
        "base/base.yaml",
        "base/base_debian13.yaml",
        "cc/cc.yaml",
        "python3/python3.yaml",
        "python3/python3_debian13.yaml",
    ], _names(spec.configs))
    asserts.true(env, "arm64:/test/hello_cxx" in spec.files.values())
    asserts.true(env, "/test/tls/ca.pem" in spec.files.values())
    asserts.equals(env, "debug", spec.invariants)
    asserts.equals(env, 300, spec.command_timeout)
    asserts.equals(env, "long", spec.test_timeout)
    nondebug = image_test_spec("python3", "root", "debian12", False)
    asserts.equals(env, "python3/entrypoint_debian12.yaml", _names(nondebug.configs)[-1])
    asserts.true(env, "base/nondebug.yaml" in _names(nondebug.configs))
    return unittest.end(env)

def _java_test_impl(ctx):
    env = unittest.begin(ctx)
    spec = image_test_spec("java17", "root", "debian12", False)
    asserts.true(env, "java/java17_debian12.yaml" in _names(spec.configs))
    asserts.true(env, "java/java.yaml" in _names(spec.configs))
    asserts.true(env, "java/entrypoint.yaml" in _names(spec.configs))
    debug = image_test_spec("java17", "root", "debian12", True)
    asserts.false(env, "java/entrypoint.yaml" in _names(debug.configs))
    asserts.true(env, "java/java_debug.yaml" in _names(debug.configs))
    asserts.false(env, "java/java_debug.yaml" in _names(spec.configs))
    asserts.true(env, "/test/CheckKeystore.class" in spec.files.values())
    asserts.equals(env, 300, spec.command_timeout)
    base = image_test_spec("java_base", "root", "debian12", False)
    asserts.false(env, "java/java.yaml" in _names(base.configs))
    asserts.true(env, "java/java_base.yaml" in _names(base.configs))
    return unittest.end(env)

def _base_nossl_test_impl(ctx):
    env = unittest.begin(ctx)
    spec = image_test_spec("base_nossl", "nonroot", "debian12", False)
    asserts.true(env, "base/base_nossl.yaml" in _names(spec.configs))
    asserts.false(env, "base/base.yaml" in _names(spec.configs))
    asserts.true(env, "amd64:/test/hello_ssl" in spec.files.values())
    nodejs = image_test_spec("nodejs22", "nonroot", "debian12", False)
    asserts.true(env, "nodejs/nodejs22.yaml" in _names(nodejs.configs))
    asserts.true(env, "cc/cc.yaml" in _names(nodejs.configs))
    return unittest.end(env)

def _nodejs_test_impl(ctx):
    env = unittest.begin(ctx)
    official = image_test_spec("nodejs20", "nonroot", "debian13", False)
    asserts.equals(env, [
        "cc/cc.yaml",
        "nodejs/nodejs.yaml",
        "nodejs/nodejs20.yaml",
        "nodejs/entrypoint.yaml",
    ], _names(official.configs)[-4:])
    debian = image_test_spec("nodejs20_debian", "root", "debian13", True)
    asserts.equals(env, ["nodejs/nodejs.yaml", "nodejs/nodejs20_debian.yaml"], _names(debian.configs)[-2:])
    asserts.true(env, "nodejs/nodejs18_debian.yaml" in _names(image_test_spec("nodejs18_debian", "root", "debian12", False).configs))
    return unittest.end(env)

def _elf_policy_test_impl(ctx):
    env = unittest.begin(ctx)

    # static offers no library; each image offers its ancestors' libraries too (python3: cc's).
    asserts.equals(env, struct(offered = [], absent = []), elf_policy("static", "debian12"))
    python3 = elf_policy("python3", "debian12")
    asserts.equals(env, ["libc6", "libgcc-s1", "libgomp1", "libssl3", "libstdc++6"], python3.offered)

    # debian13's time_t transition renames libssl3; java_base offers no libssl at all.
    asserts.true(env, "libssl3t64" in elf_policy("base", "debian13").offered)
    java_base = elf_policy("java_base", "debian12")
    asserts.false(env, "libssl3" in java_base.offered)
    asserts.true(env, "libharfbuzz0b" in java_base.offered)
    asserts.equals(env, [], java_base.absent)

    # the JRE's sound and smart-card libraries stay out of the Java images, with their debug variants.
    java17 = elf_policy("java17", "debian12")
    asserts.equals(env, ["libasound.so.2", "libpcsclite.so.1"], java17.absent)
    spec = image_test_spec("java17", "root", "debian12", True)
    asserts.equals(env, java17.absent, spec.elf_absent)
    asserts.equals(env, java17.offered, spec.elf_offered)
    return unittest.end(env)

elf_policy_test = unittest.make(_elf_policy_test_impl)
static_root_test = unittest.make(_static_root_test_impl)
python3_debug_test = unittest.make(_python3_debug_test_impl)
java_test = unittest.make(_java_test_impl)
base_nossl_test = unittest.make(_base_nossl_test_impl)
nodejs_test = unittest.make(_nodejs_test_impl)

def images_test_suite(name):
    unittest.suite(
        name,
        static_root_test,
        python3_debug_test,
        java_test,
        base_nossl_test,
        nodejs_test,
        elf_policy_test,
    )

"""Toolchains made of the tools installed on the build machine, for offline builds.

rules_oci and aspect_bazel_lib download crane, regctl, jq, coreutils, zstd and bsdtar from GitHub. Where
that is impossible (our offline toolchain root), `tools/bazel` sets `DISTROLESS_HOST_TOOLS=1` and
this extension turns the binaries on PATH into toolchains; registered by the root module, they win
over the downloading ones, which are then never fetched. Without the variable the repository is
empty and a normal Bazel Central Registry build is unchanged.
"""

# Name in the toolchain -> the program on PATH (libarchive-tools installs bsdtar; coreutils is
# _COREUTILS over the directory of GNU's cp).
_TOOLS = {"crane": "crane", "regctl": "regctl", "jq": "jq", "coreutils": "cp", "zstd": "zstd", "tar": "bsdtar"}

# rules_oci's scripts run `coreutils PROGRAM ARGS` (uutils' multi-call form) several times per
# layer and blob. Debian's uutils binary (rust-coreutils 0.12, 13.8 MB) took 5.8-7.8 ms per
# `coreutils cat /dev/null` and GNU's cat 0.9-1.8 ms (100 runs each, 2026-12-02, machine under
# load). GNU's programs take the same options, so the toolchain is this multi-call front for GNU
# coreutils: OCIImage, OCIIndex and OCIDescriptor actions start coreutils dozens of times each.
_COREUTILS = """\
#!/bin/sh
case "$1" in
    "" | */* | -*) echo "coreutils: expected a program name, got '$1'" >&2; exit 2 ;;
esac
program="$1"
shift
exec "{bin}/$program" "$@"
"""

_CPU = {"amd64": "x86_64", "x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}

_BUILD = """\
load("@aspect_bazel_lib//lib/private:jq_toolchain.bzl", "jq_toolchain")
load("@aspect_bazel_lib//lib/private:tar_toolchain.bzl", "tar_toolchain")
load("@bazel_lib//lib/private:coreutils_toolchain.bzl", "coreutils_toolchain")
load("@bazel_lib//lib/private:zstd_toolchain.bzl", "zstd_toolchain")
load("@rules_oci//oci:toolchain.bzl", "crane_toolchain", "regctl_toolchain")

package(default_visibility = ["//visibility:public"])

_EXEC = ["@platforms//os:linux", "@platforms//cpu:{cpu}"]

crane_toolchain(name = "crane_impl", crane = "bin/crane", version = "{crane_version}")

regctl_toolchain(name = "regctl_impl", regctl = "bin/regctl")

jq_toolchain(name = "jq_impl", bin = "bin/jq")

coreutils_toolchain(name = "coreutils_impl", binary = "bin/coreutils")

zstd_toolchain(name = "zstd_impl", binary = "bin/zstd")

tar_toolchain(name = "tar_impl", binary = "bin/tar")

toolchain(name = "crane", exec_compatible_with = _EXEC, toolchain = ":crane_impl", toolchain_type = "@rules_oci//oci:crane_toolchain_type")

toolchain(name = "regctl", exec_compatible_with = _EXEC, toolchain = ":regctl_impl", toolchain_type = "@rules_oci//oci:regctl_toolchain_type")

toolchain(name = "jq", exec_compatible_with = _EXEC, toolchain = ":jq_impl", toolchain_type = "@aspect_bazel_lib//lib:jq_toolchain_type")

toolchain(name = "coreutils", exec_compatible_with = _EXEC, toolchain = ":coreutils_impl", toolchain_type = "@bazel_lib//lib:coreutils_toolchain_type")

toolchain(name = "zstd", exec_compatible_with = _EXEC, toolchain = ":zstd_impl", toolchain_type = "@aspect_bazel_lib//lib:zstd_toolchain_type")

toolchain(name = "tar", exec_compatible_with = _EXEC, toolchain = ":tar_impl", toolchain_type = "@aspect_bazel_lib//lib:tar_toolchain_type")
"""

def _host_tools_repo_impl(rctx):
    if rctx.os.environ.get("DISTROLESS_HOST_TOOLS") != "1":
        rctx.file("BUILD.bazel", "# DISTROLESS_HOST_TOOLS is not 1: the downloaded toolchains are used.\n")
        return
    for tool, program in _TOOLS.items():
        path = rctx.which(program)
        if not path:
            fail("host_tools: '%s' is not on PATH; run the build through tools/bazel, which provides it" % program)
        if tool == "coreutils":
            rctx.file("bin/coreutils", _COREUTILS.format(bin = path.dirname), executable = True)
        else:
            rctx.symlink(path, "bin/" + tool)

    # Debian's crane cannot tell its own version (`crane version` prints nothing useful); dpkg can.
    res = rctx.execute(["dpkg-query", "-W", "-f=${Version}", "crane"])
    crane_version = res.stdout.strip().split("+")[0].split("-")[0] if res.return_code == 0 else "0.0.0"
    rctx.file("BUILD.bazel", _BUILD.format(
        cpu = _CPU.get(rctx.os.arch, rctx.os.arch),
        crane_version = crane_version,
    ))

host_tools_repo = repository_rule(
    implementation = _host_tools_repo_impl,
    doc = "Toolchains of the build machine's crane, regctl, jq, coreutils, zstd and bsdtar (offline builds only).",
    environ = ["DISTROLESS_HOST_TOOLS", "PATH"],
    local = True,
)

def _host_tools_impl(_mctx):
    host_tools_repo(name = "distroless_host_tools")

host_tools = module_extension(
    implementation = _host_tools_impl,
    doc = "Creates @distroless_host_tools; see host_tools_repo.",
)

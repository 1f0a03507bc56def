"""Structure tests for OCI images and indexes, without a Docker engine.

    bazel run //private/structure_test:runner -- --image LAYOUT --config tests.yaml
        [--config ...] [--arch amd64 ...] [--copy ARCH SRC DEST ...] [--invariants default|debug]
        [--elf-deps [--elf-offered PACKAGE ...] [--elf-absent LIBRARY ...]]
        [--name LABEL] [--timeout SECONDS] [--keep]
    (or python3 -m private.structure_test.runner ... from the repository root)

For each selected platform of the layout: assemble its root filesystem from the layer store
named by $STRUCTURE_TEST_LAYER_STORE (layer_store.py) or unpack it with umoci, optionally check the
security invariants (invariants.py) and the ELF dependencies (elf_deps.py), copy the test's
own files in, then run every check of every container-structure-test file (checks.py),
commands under runc (container.py). Prints one PASS/FAIL line per check, with the image,
platform, command and expected vs actual for a failure; exits 1 if a check failed, 2 if the
tests could not run at all.

Platforms: every --arch must be in an index ("all": every platform); the architectures in
$DISTROLESS_TEST_ARCHES (space or comma separated, or "all") are tested too where the index has
them. A layout of a single image is tested whatever its architecture.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from private.structure_test import (
    checks,
    container,
    cst_config,
    elf_deps,
    invariants,
    layer_store,
    oci,
)

ENV_ARCHES = "DISTROLESS_TEST_ARCHES"
# Guest architectures whose programs see 32-bit directory offsets (container.tmpfs_at).
THIRTY_TWO_BIT = {"arm", "386", "mips", "mipsle", "ppc"}
_IN_NAMESPACE = "STRUCTURE_TEST_MOUNT_NAMESPACE"


@dataclass(frozen=True)
class Copy:
    """A file the tests need, put into the image before they run (all platforms: arch "any")."""

    arch: str
    src: Path
    dest: str


@dataclass(frozen=True)
class Options:
    image: Path
    name: str
    configs: list[Path]
    arches: list[str]
    env_arches: list[str]
    copies: list[Copy]
    invariants: str
    elf_deps: bool
    elf_offered: list[str]
    elf_absent: list[str]
    timeout: int
    keep: bool
    layer_store: Path | None


@dataclass(frozen=True)
class Reported:
    platform: str
    config: str
    result: checks.CheckResult


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image", required=True, type=Path, help="OCI layout directory")
    parser.add_argument("--name", help="how to name the image in the report")
    parser.add_argument("--config", action="append", default=[], type=Path)
    parser.add_argument("--arch", action="append", default=[], help='platform or "all"')
    parser.add_argument(
        "--copy",
        action="append",
        nargs=3,
        default=[],
        metavar=("ARCH", "SRC", "DEST"),
        help='put SRC at DEST in the image before the tests, for ARCH ("any": every platform)',
    )
    parser.add_argument("--invariants", choices=("none", "default", "debug"), default="none")
    parser.add_argument("--elf-deps", action="store_true", help="check the ELF dependencies")
    parser.add_argument("--elf-offered", action="append", default=[], metavar="PACKAGE")
    parser.add_argument("--elf-absent", action="append", default=[], metavar="LIBRARY")
    parser.add_argument(
        "--timeout",
        type=int,
        default=container.TIMEOUT_SECONDS,
        help="seconds each command may take (default %(default)s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the unpacked images")
    args = parser.parse_args(argv)
    if not args.config and args.invariants == "none" and not args.elf_deps:
        parser.error("nothing to test: give --config files and/or --invariants")
    env_arches = os.environ.get(ENV_ARCHES, "").replace(",", " ").split()
    return Options(
        image=args.image,
        name=args.name or str(args.image),
        configs=args.config,
        arches=args.arch or ["amd64"],
        env_arches=env_arches,
        copies=[Copy(arch, Path(src), dest) for arch, src, dest in args.copy],
        invariants=args.invariants,
        elf_deps=args.elf_deps,
        elf_offered=args.elf_offered,
        elf_absent=args.elf_absent,
        timeout=args.timeout,
        keep=args.keep,
        layer_store=Path(os.environ[layer_store.STORE_ENV])
        if os.environ.get(layer_store.STORE_ENV)
        else None,
    )


def in_private_mount_namespace(argv: list[str]) -> None:
    """Re-execute under `unshare --mount` once, so the overlay mounts of the command tests are
    private to this process and vanish with it, whatever happens."""
    if os.environ.get(_IN_NAMESPACE) != "1":
        os.environ[_IN_NAMESPACE] = "1"
        os.execvp(
            "unshare",
            ["unshare", "--mount", "--propagation", "private", sys.executable, __file__, *argv],
        )


def put_files(rootfs: Path, copies: list[Copy], platform: oci.Platform) -> None:
    for item in copies:
        if item.arch != "any" and not platform.matches(item.arch):
            continue
        dest = container_path(rootfs, item.dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.src, dest)
        os.chmod(dest, 0o755 if os.access(item.src, os.X_OK) else 0o644)


def missing_files(copies: list[Copy], platform: oci.Platform) -> list[str]:
    """Destinations that other platforms get a file for and this one does not: a test binary
    not built for this architecture. Such a platform is skipped, not failed."""
    per_arch = {c.dest for c in copies if c.arch != "any"}
    mine = {c.dest for c in copies if c.arch != "any" and platform.matches(c.arch)}
    return sorted(per_arch - mine)


def container_path(rootfs: Path, path: str) -> Path:
    if not path.startswith("/") or ".." in path.split("/"):
        raise oci.ImageError(f"--copy destination must be an absolute path, got {path!r}")
    return rootfs / path.lstrip("/")


class UnpackedImage:
    """One platform's root filesystem: from the layer store when there is one, else unpacked
    whole by umoci (also for --keep, and for 32-bit platforms, which must run from tmpfs)."""

    def __init__(
        self, image: oci.PlatformImage, work: Path, store: layer_store.LayerStore | None
    ) -> None:
        self._assembled = None
        if store is not None:
            try:
                self._assembled = layer_store.AssembledImage(store, image, work)
            except layer_store.StoreError as error:
                print(f"NOTE {image.platform}: {error}; unpacking with umoci instead")
        if self._assembled is not None:
            self.rootfs = self._assembled.rootfs
            self.runtime_config = self._assembled.runtime_config
        else:
            bundle = oci.unpack(image, work)
            self.rootfs, self.runtime_config = bundle.rootfs, bundle.runtime_config

    def seal(self) -> layer_store.Lower:
        """What command overlays stack on, once the test's files are in."""
        if self._assembled is not None:
            return self._assembled.seal()
        return layer_store.Lower((str(self.rootfs),))

    def close(self) -> None:
        if self._assembled is not None:
            self._assembled.close()


def test_platform(
    image: oci.PlatformImage,
    options: Options,
    configs: list[cst_config.StructureTestFile],
    work: Path,
    store: layer_store.LayerStore | None,
) -> list[Reported]:
    unpacked = UnpackedImage(image, work, store)
    try:
        return _test_unpacked(image, unpacked, options, configs, work)
    finally:
        unpacked.close()


def _test_unpacked(
    image: oci.PlatformImage,
    unpacked: UnpackedImage,
    options: Options,
    configs: list[cst_config.StructureTestFile],
    work: Path,
) -> list[Reported]:
    target = checks.Target(
        name=options.name,
        platform=image.platform,
        digest=image.digest,
        config=image.config,
        rootfs=unpacked.rootfs,
    )
    platform = str(image.platform)
    reported: list[Reported] = []

    def report(config: str, result: checks.CheckResult) -> None:
        reported.append(Reported(platform, config, result))
        print_result(reported[-1], target)

    if options.invariants != "none":
        for result in invariants.check_invariants(target, debug=options.invariants == "debug"):
            report("invariants", result)
    if options.elf_deps:
        for result in elf_deps.check_elf_deps(target, options.elf_offered, options.elf_absent):
            report("elf-deps", result)
    put_files(unpacked.rootfs, options.copies, image.platform)
    lower = unpacked.seal()
    runner = container.Runner(
        unpacked.rootfs, lower, unpacked.runtime_config, work, options.timeout
    )
    for config in configs:
        user = config.run_options.user
        global_env = config.global_env_vars + [
            cst_config.EnvVar(name, os.environ[name])
            for name in config.run_options.env_vars
            if name in os.environ
        ]
        for test in config.command_tests:
            report(config.path, checks.check_command(test, target, global_env, user, runner.run))
        for test in config.file_content_tests:
            report(config.path, checks.check_file_content(test, target))
        for test in config.file_existence_tests:
            report(config.path, checks.check_file_existence(test, target))
        for test in config.license_tests:
            report(config.path, checks.check_license(test, target))
        if not config.metadata_test.is_empty():
            report(config.path, checks.check_metadata(config.metadata_test, target))
    return reported


def print_result(item: Reported, target: checks.Target) -> None:
    result = item.result
    took = f" ({result.seconds:.2f} s)" if result.seconds else ""
    status = "PASS" if result.passed else "FAIL"
    print(f"{status} {item.platform} {item.config}: {result.title}{took}")
    if not result.passed:
        print(f"    image: {target.name} {item.platform} {target.digest}")
        for line in result.details:
            print(f"    {line}")
        for error in result.errors:
            print(f"    - {error}")
    sys.stdout.flush()


def write_junit(path: str, name: str, reported: list[Reported]) -> None:
    """The JUnit report Bazel shows per test case (XML_OUTPUT_FILE)."""
    root = ET.Element("testsuites")
    suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(reported)))
    suite.set("failures", str(sum(not r.result.passed for r in reported)))
    for item in reported:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{item.platform} {item.config}",
            name=item.result.title,
            time=f"{item.result.seconds:.3f}",
        )
        if not item.result.passed:
            failure = ET.SubElement(case, "failure", message=item.result.errors[0])
            failure.text = "\n".join(item.result.details + item.result.errors)
    ET.ElementTree(root).write(path, encoding="unicode", xml_declaration=True)


def run(options: Options) -> int:
    configs = [cst_config.load(path) for path in options.configs]
    images = oci.select(oci.platform_images(options.image), options.arches, options.env_arches)
    with contextlib.ExitStack() as stack:
        store = None
        if options.layer_store is not None and not options.keep:
            store = stack.enter_context(layer_store.LayerStore(options.layer_store))
        return _run_images(options, configs, images, store)


def _run_images(
    options: Options,
    configs: list[cst_config.StructureTestFile],
    images: list[oci.PlatformImage],
    store: layer_store.LayerStore | None,
) -> int:
    parent = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
    started = time.monotonic()
    reported: list[Reported] = []
    skipped = []
    for image in images:
        missing = missing_files(options.copies, image.platform)
        if missing:
            print(f"SKIP {image.platform}: no test files built for it ({', '.join(missing)})")
            skipped.append(str(image.platform))
            continue
        work = Path(tempfile.mkdtemp(prefix=f"{image.platform.architecture}-", dir=parent))
        print(f"== {options.name} {image.platform} {image.digest}")
        on_tmpfs = image.platform.architecture in THIRTY_TWO_BIT and not options.keep
        try:
            with container.tmpfs_at(work) if on_tmpfs else contextlib.nullcontext():
                # The store is on the host's file system, which 32-bit guests cannot list.
                from_store = None if on_tmpfs else store
                reported += test_platform(image, options, configs, work, from_store)
        finally:
            if options.keep:
                print(f"   kept in {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    failed = sum(not r.result.passed for r in reported)
    platforms = ", ".join(str(i.platform) for i in images if str(i.platform) not in skipped)
    seconds = time.monotonic() - started
    print(
        f"RESULT {options.name} on {platforms}: "
        f"{len(reported) - failed} checks passed, {failed} failed ({seconds:.1f} s)"
        + (f"; skipped {', '.join(skipped)}" if skipped else "")
    )
    if not reported:
        print(f"ERROR {options.name}: no platform could be tested", file=sys.stderr)
        return 2
    if os.environ.get("XML_OUTPUT_FILE"):
        write_junit(os.environ["XML_OUTPUT_FILE"], options.name, reported)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    in_private_mount_namespace(argv)
    try:
        return run(options)
    except (
        oci.ImageError,
        cst_config.ConfigError,
        container.ContainerError,
        layer_store.StoreError,
        OSError,
    ) as error:
        print(f"ERROR {options.name}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Unit tests of the ELF dependency check (elf.py, elf_deps.py) on real ELF files: tiny ones
built here with the root's gcc, and the root's own /bin/true with its C library, installed into a
small root filesystem with the /var/lib/dpkg/status.d records the check reads."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from private.structure_test import checks, elf, elf_deps, oci

GCC = shutil.which("gcc")
pytestmark = pytest.mark.skipif(GCC is None, reason="no gcc in the toolchain root")

MULTIARCH = "/usr/lib/x86_64-linux-gnu"
INTERP = "/lib64/ld-linux-x86-64.so.2"


def _gcc(out: Path, source: str, *flags: str) -> Path:
    """Compile `source` into `out` with no C library, so that its only dependencies are ours."""
    c_file = out.with_name(out.name.replace(".", "_") + ".c")
    c_file.write_text(source)
    subprocess.run(
        [GCC, "-nostdlib", "-fPIC", "-o", str(out), str(c_file), *flags],
        check=True,
        cwd=out.parent,
    )
    return out


def _library(out: Path, soname: str) -> Path:
    return _gcc(out, "int f(void) { return 42; }\n", "-shared", f"-Wl,-soname,{soname}")


def _program(out: Path, *flags: str) -> Path:
    return _gcc(
        out,
        "int f(void);\nint main(void) { return f(); }\n",
        "-e",
        "main",
        f"-Wl,--dynamic-linker,{INTERP}",
        *flags,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """libfoo.so.1, libbar.so.2, a fake dynamic loader, and programs needing libfoo.so.1:
    `prog` (no RUNPATH) and `app` (RUNPATH $ORIGIN/../lib)."""
    d = tmp_path_factory.mktemp("elf")
    foo = _library(d / "libfoo.so.1", "libfoo.so.1")
    return {
        "libfoo": foo,
        "libbar": _library(d / "libbar.so.2", "libbar.so.2"),
        "ld.so": _library(d / "ld.so", "ld-linux-x86-64.so.2"),
        "prog": _program(d / "prog", "-L.", "-l:libfoo.so.1"),
        "app": _program(
            d / "app", "-L.", "-l:libfoo.so.1", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"
        ),
    }


class Image:
    """A root filesystem laid out like Debian's merged /usr (/lib -> usr/lib), whose packages
    are recorded in status.d/<package> and <package>.md5sums."""

    def __init__(self, root: Path):
        self.root = root
        (root / "usr/lib64").mkdir(parents=True)
        (root / "lib").symlink_to("usr/lib")
        (root / "lib64").symlink_to("usr/lib64")
        self.status = root / checks.DPKG_STATUS_DIR.lstrip("/")
        self.status.mkdir(parents=True)

    def add(self, package: str, files: dict[str, Path]) -> Image:
        """Install host files at image paths, listed in `package`'s md5sums as dpkg lists them."""
        for path, source in files.items():
            host = self.root / path.lstrip("/")
            host.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, host)
        (self.status / package).write_text(f"Package: {package}\nVersion: 1\n")
        with (self.status / f"{package}.md5sums").open("a") as md5sums:
            md5sums.writelines(
                f"00000000000000000000000000000000  {p.lstrip('/')}\n" for p in files
            )
        return self

    def link(self, path: str, target: str) -> Image:
        host = self.root / path.lstrip("/")
        host.parent.mkdir(parents=True, exist_ok=True)
        host.symlink_to(target)
        return self

    def check(self, offered=(), absent=()) -> tuple[list[str], list[str], list[str]]:
        """The errors of the check's three results: missing, not needed, stale declarations."""
        config = oci.ImageConfig(
            env={"PATH": "/bin"},
            entrypoint=None,
            cmd=None,
            workdir="",
            user="",
            labels={},
            exposed_ports=[],
            volumes=[],
        )
        target = checks.Target("img", oci.Platform("linux", "amd64"), "sha256:0", config, self.root)
        missing, unneeded, stale = elf_deps.check_elf_deps(target, list(offered), list(absent))
        return missing.errors, unneeded.errors, stale.errors


@pytest.fixture
def image(tmp_path, built) -> Image:
    """A complete image: /usr/bin/prog (package prog) needs libfoo.so.1 (libfoo1), and the
    interpreter /lib64/ld-linux-x86-64.so.2 (libc6) links into the multiarch directory."""
    return (
        Image(tmp_path / "root")
        .add("libc6", {f"{MULTIARCH}/ld-linux-x86-64.so.2": built["ld.so"]})
        .link("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .add("libfoo1", {f"{MULTIARCH}/libfoo.so.1": built["libfoo"]})
        .add("prog", {"/usr/bin/prog": built["prog"]})
    )


def test_elf_reads_what_the_linker_wrote(built, tmp_path):
    lib = elf.read(built["libfoo"])
    assert lib == elf.Elf(elf.ET_DYN, None, (), "libfoo.so.1", ())
    assert not lib.is_program

    both = _program(
        tmp_path / "both",
        f"-L{built['libfoo'].parent}",
        "-Wl,--no-as-needed",
        "-l:libfoo.so.1",
        "-l:libbar.so.2",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib:/opt/x",
    )
    program = elf.read(both)
    assert (program.type, program.interpreter, program.needed, program.soname) == (
        elf.ET_DYN,
        INTERP,
        ("libfoo.so.1", "libbar.so.2"),
        None,
    )
    assert (program.runpath, program.rpath) == (("$ORIGIN/../lib", "/opt/x"), ())
    assert program.is_program

    # the old DT_RPATH counts as a search path too, and -no-pie makes an ET_EXEC program
    old = _program(
        tmp_path / "old",
        "-no-pie",
        f"-L{built['libfoo'].parent}",
        "-l:libfoo.so.1",
        "-Wl,--disable-new-dtags,-rpath,/opt/y",
    )
    assert elf.read(old) == elf.Elf(elf.ET_EXEC, INTERP, ("libfoo.so.1",), None, (), ("/opt/y",))
    assert elf.is_elf(old) and not elf.is_elf(tmp_path / "old_c.c")


def test_static_pie_is_a_program(tmp_path):
    # ET_DYN without an interpreter, like a shared library, but marked DF_1_PIE: busybox-style
    # static-pie binaries are roots of the check, not libraries nothing loads.
    static_pie = _gcc(
        tmp_path / "spie", "int main(void) { return 0; }\n", "-static-pie", "-e", "main"
    )
    read = elf.read(static_pie)
    assert (read.type, read.interpreter) == (elf.ET_DYN, None)
    assert read.is_program
    assert not elf.read(_library(tmp_path / "libx.so.1", "libx.so.1")).is_program


def _middle(tmp_path: Path, built: dict[str, Path], dtags: str) -> tuple[Path, Path]:
    """libmid.so.1 (needs libfoo.so.1, no search path of its own) and a program needing it with
    -rpath /opt/lib: `dtags` new-dtags writes DT_RUNPATH, disable-new-dtags DT_RPATH."""
    d = tmp_path / dtags
    d.mkdir()
    shutil.copy(built["libfoo"], d / "libfoo.so.1")
    mid = _gcc(
        d / "libmid.so.1",
        "int f(void);\nint g(void) { return f(); }\n",
        "-shared",
        "-Wl,-soname,libmid.so.1",
        "-L.",
        "-l:libfoo.so.1",
    )
    program = _gcc(
        d / "prog",
        "int g(void);\nint main(void) { return g(); }\n",
        "-e",
        "main",
        f"-Wl,--dynamic-linker,{INTERP}",
        "-L.",
        "-l:libmid.so.1",
        "-Wl,-rpath-link,.",
        f"-Wl,--{dtags},-rpath,/opt/lib",
    )
    return mid, program


def test_rpath_is_inherited_and_runpath_is_not(image, built, tmp_path):
    # ld.so searches the RPATH of an object's loaders for the object's NEEDED; a RUNPATH serves
    # only its own object's NEEDED. libfoo.so.1 lives only in /opt/lib here.
    (image.root / MULTIARCH.lstrip("/") / "libfoo.so.1").unlink()
    (image.status / "libfoo1.md5sums").unlink()
    (image.status / "libfoo1").unlink()
    (image.status / "prog.md5sums").unlink()
    (image.status / "prog").unlink()
    (image.root / "usr/bin/prog").unlink()
    mid, program = _middle(tmp_path, built, "disable-new-dtags")
    assert elf.read(program).rpath == ("/opt/lib",)
    image.add("libfoo1", {"/opt/lib/libfoo.so.1": built["libfoo"]})
    image.add("libmid1", {"/opt/lib/libmid.so.1": mid})
    image.add("app", {"/usr/bin/app": program})
    assert image.check() == ([], [], [])

    _, runpath_program = _middle(tmp_path, built, "enable-new-dtags")
    assert elf.read(runpath_program).runpath == ("/opt/lib",)
    shutil.copy(runpath_program, image.root / "usr/bin/app")
    missing, _, _ = image.check()
    assert missing == ["libfoo.so.1 (NEEDED of /opt/lib/libmid.so.1, libmid1) is not in the image"]


def test_complete_image_passes(image):
    assert image.check() == ([], [], [])


def test_missing_library_names_it_and_who_needs_it(image):
    (image.root / MULTIARCH.lstrip("/") / "libfoo.so.1").unlink()
    missing, unneeded, stale = image.check()
    assert missing == ["libfoo.so.1 (NEEDED of /usr/bin/prog, prog) is not in the image"]
    assert (unneeded, stale) == ([], [])
    # ... unless the image leaves it out on purpose
    assert image.check(absent=["libfoo.so.1"]) == ([], [], [])


def test_missing_interpreter_fails(image):
    (image.root / MULTIARCH.lstrip("/") / "ld-linux-x86-64.so.2").unlink()
    missing, _, _ = image.check()
    assert missing == [f"{INTERP} (interpreter of /usr/bin/prog, prog) is not in the image"]


def test_unloaded_package_is_not_needed_unless_offered(image, built):
    image.add("libbar2", {f"{MULTIARCH}/libbar.so.2": built["libbar"]})
    missing, unneeded, stale = image.check()
    assert unneeded == [f"not needed: libbar2: nothing loads its {MULTIARCH}/libbar.so.2"]
    assert (missing, stale) == ([], [])
    assert image.check(offered=["libbar2"]) == ([], [], [])


def test_library_listed_through_a_symlinked_directory_is_attributed(image, built):
    # dpkg lists libbar at /lib/..., the path its package ships; the file sits in /usr/lib/...
    image.add("libbar2", {"/lib/x86_64-linux-gnu/libbar.so.2": built["libbar"]})
    _, unneeded, _ = image.check()
    assert unneeded == [f"not needed: libbar2: nothing loads its {MULTIARCH}/libbar.so.2"]


def test_stale_declarations_fail(image):
    missing, unneeded, stale = image.check(
        offered=["libgone1"], absent=["libfoo.so.1", "libnobody.so.0"]
    )
    assert (missing, unneeded) == ([], [])
    assert stale == [
        "libfoo.so.1 is declared absent on purpose, but the image holds it",
        "libnobody.so.0 is declared absent on purpose, but nothing needs it",
        "libgone1 is declared offered, but the image does not hold it",
    ]


def test_offered_package_with_no_elf_files_is_held_by_its_status_record(image, tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("not ELF\n")
    image.add("tzdata", {"/usr/share/zoneinfo/UTC": data})
    assert image.check(offered=["tzdata"]) == ([], [], [])


def test_origin_runpath_resolves(image, built):
    # /opt/app/lib is no search directory: only app's RUNPATH $ORIGIN/../lib finds it there
    image.add(
        "app", {"/opt/app/bin/app": built["app"], "/opt/app/lib/libfoo.so.1": built["libfoo"]}
    )
    assert image.check() == ([], [], [])
    (image.root / MULTIARCH.lstrip("/") / "libfoo.so.1").unlink()
    missing, unneeded, _ = image.check()
    # app still finds its copy; /usr/bin/prog, with no RUNPATH, finds none
    assert missing == ["libfoo.so.1 (NEEDED of /usr/bin/prog, prog) is not in the image"]
    assert unneeded == []


def test_real_program_with_its_c_library(tmp_path):
    """The root's /bin/true, libc.so.6 and loader: glibc's served dlopen of libgcc_s counts."""
    true = Path("/bin/true").resolve()
    needed = elf.read(true)
    if needed.needed != ("libc.so.6",) or not os.path.exists(f"{MULTIARCH}/libgcc_s.so.1"):
        pytest.skip(f"{true} is not a dynamic x86_64 glibc program with libgcc_s beside it")
    libc6 = {
        f"{MULTIARCH}/{name}": Path(f"{MULTIARCH}/{name}").resolve()
        for name in ("libc.so.6", "ld-linux-x86-64.so.2")
    }
    image = (
        Image(tmp_path / "root")
        .add("libc6", libc6)
        .link("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
        .add("coreutils", {"/usr/bin/true": true})
    )
    missing, _, _ = image.check()
    assert missing == [
        f"libgcc_s.so.1 (dlopen of {MULTIARCH}/libc.so.6, libc6) is not in the image"
    ]
    image.add("libgcc-s1", {f"{MULTIARCH}/libgcc_s.so.1": Path(f"{MULTIARCH}/libgcc_s.so.1")})
    assert image.check() == ([], [], [])

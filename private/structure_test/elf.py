"""Read what the dynamic loader reads from an ELF file: its type, interpreter, DT_NEEDED,
DT_SONAME and DT_RUNPATH/DT_RPATH, with the `struct` module alone (32/64-bit, either byte order).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"\x7fELF"
ET_EXEC, ET_DYN = 2, 3
PT_DYNAMIC, PT_INTERP = 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SONAME, DT_RPATH, DT_RUNPATH = 0, 1, 5, 14, 15, 29
# A position-independent executable marks itself so: how a static-pie (ET_DYN, no interpreter)
# differs from a shared library.
DT_FLAGS_1, DF_1_PIE = 0x6FFFFFFB, 0x08000000


class ElfError(Exception):
    """A file starts like ELF but cannot be read as one."""


@dataclass(frozen=True)
class Elf:
    type: int
    interpreter: str | None
    needed: tuple[str, ...]
    soname: str | None
    runpath: tuple[str, ...]
    # DT_RPATH, kept apart from DT_RUNPATH: the loader searches an object's RPATH and those of
    # the objects that loaded it, but only when the object has no RUNPATH.
    rpath: tuple[str, ...] = ()
    flags_1: int = 0

    @property
    def is_program(self) -> bool:
        """An executable the kernel starts: a static one is ET_EXEC, a dynamic PIE has an
        interpreter, a static-pie is ET_DYN marked DF_1_PIE."""
        return self.type == ET_EXEC or self.interpreter is not None or bool(self.flags_1 & DF_1_PIE)


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def read(path: Path) -> Elf:
    data = path.read_bytes()
    try:
        return _parse(data)
    except (struct.error, IndexError, ValueError) as e:
        raise ElfError(f"{path}: not a readable ELF file ({e})") from e


def _parse(data: bytes) -> Elf:
    if data[:4] != MAGIC:
        raise ValueError("no ELF magic")
    is64 = data[4] == 2
    end = "<" if data[5] == 1 else ">"
    if is64:
        (e_type,) = struct.unpack_from(end + "H", data, 16)
        (e_phoff,) = struct.unpack_from(end + "Q", data, 32)
        e_phentsize, e_phnum = struct.unpack_from(end + "HH", data, 54)
        ph_fmt, dyn_fmt = end + "IIQQQQQQ", end + "qQ"
    else:
        (e_type,) = struct.unpack_from(end + "H", data, 16)
        (e_phoff,) = struct.unpack_from(end + "I", data, 28)
        e_phentsize, e_phnum = struct.unpack_from(end + "HH", data, 42)
        ph_fmt, dyn_fmt = end + "IIIIIIII", end + "iI"
    segments = []
    for i in range(e_phnum):
        fields = struct.unpack_from(ph_fmt, data, e_phoff + i * e_phentsize)
        if is64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz = fields[:5]
        segments.append((p_type, p_offset, p_vaddr, p_filesz))
    interpreter = None
    dynamic: list[tuple[int, int]] = []
    for p_type, offset, _vaddr, size in segments:
        if p_type == PT_INTERP:
            interpreter = data[offset : offset + size].split(b"\0", 1)[0].decode()
        elif p_type == PT_DYNAMIC:
            step = struct.calcsize(dyn_fmt)
            for pos in range(offset, offset + size - step + 1, step):
                tag, value = struct.unpack_from(dyn_fmt, data, pos)
                if tag == DT_NULL:
                    break
                dynamic.append((tag, value))
    flags_1 = next((v for t, v in dynamic if t == DT_FLAGS_1), 0)
    strtab_vaddr = next((v for t, v in dynamic if t == DT_STRTAB), None)
    if strtab_vaddr is None:
        return Elf(e_type, interpreter, (), None, (), (), flags_1)
    strtab = _file_offset(segments, strtab_vaddr)

    def string(offset: int) -> str:
        start = strtab + offset
        return data[start : data.index(b"\0", start)].decode()

    needed = tuple(string(v) for t, v in dynamic if t == DT_NEEDED)
    soname = next((string(v) for t, v in dynamic if t == DT_SONAME), None)

    def paths(tag: int) -> tuple[str, ...]:
        return tuple(p for t, v in dynamic if t == tag for p in string(v).split(":") if p)

    return Elf(e_type, interpreter, needed, soname, paths(DT_RUNPATH), paths(DT_RPATH), flags_1)


def _file_offset(segments: list[tuple[int, int, int, int]], vaddr: int) -> int:
    # PT_LOAD = 1: the segment whose addresses hold vaddr maps it from offset + (vaddr - start).
    for p_type, offset, start, size in segments:
        if p_type == 1 and start <= vaddr < start + size:
            return offset + vaddr - start
    raise ValueError(f"address {vaddr:#x} is in no loaded segment")

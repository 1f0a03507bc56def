"""make_bad_layer.py OUT.tar: a layer that breaks every security invariant, so that the runner's
--invariants mode can be seen to fail (expect_output_test.sh); never a real image."""

import io
import sys
import tarfile


def entry(tar: tarfile.TarFile, path: str, mode: int, uid: int = 0, kind: bytes = tarfile.REGTYPE):
    info = tarfile.TarInfo(path)
    info.type = kind
    info.mode = mode
    info.uid = info.gid = uid
    data = b"" if kind == tarfile.DIRTYPE else f"{path}\n".encode()
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def main(out: str) -> None:
    with tarfile.open(out, "w", format=tarfile.GNU_FORMAT) as tar:
        for directory in ("bin", "etc", "home", "srv", "usr", "usr/bin"):
            entry(tar, directory, 0o755, kind=tarfile.DIRTYPE)
        entry(tar, "tmp", 0o777, kind=tarfile.DIRTYPE)  # world-writable but not sticky
        entry(tar, "srv/shared", 0o777, kind=tarfile.DIRTYPE)
        entry(tar, "bin/sh", 0o755)
        entry(tar, "usr/bin/dpkg", 0o755)
        entry(tar, "usr/bin/apt-get", 0o755)
        entry(tar, "usr/bin/su", 0o4755)
        entry(tar, "usr/bin/wall", 0o2755)
        entry(tar, "etc/owned", 0o644, uid=1000)
        # Allowed: the nonroot user's home.
        entry(tar, "home/nonroot", 0o700, uid=65532, kind=tarfile.DIRTYPE)
        entry(tar, "home/nonroot/notes", 0o644, uid=65532)


if __name__ == "__main__":
    main(sys.argv[1])

"""Unpack a wheel (a zip file) into a deterministic .tar.gz layer below a directory.

Usage: wheel_to_tar.py WHEEL PREFIX OUT.tar.gz

Entries are sorted, owned by 0:0, with mtime 0; files are 0644, directories (every parent
included) 0755, so the layer is the same on every build and passes the images' invariants.
"""

import gzip
import io
import sys
import tarfile
import zipfile


def main(wheel: str, prefix: str, out: str) -> None:
    prefix = prefix.strip("/")
    with zipfile.ZipFile(wheel) as whl:
        files = {f"{prefix}/{i.filename}": whl.read(i) for i in whl.infolist() if not i.is_dir()}
    dirs = set()
    for path in files:
        parts = path.split("/")[:-1]
        dirs.update("/".join(parts[: n + 1]) for n in range(len(parts)))
    with (
        open(out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in sorted(dirs | set(files)):
            info = tarfile.TarInfo(path)
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if path in files:
                info.mode = 0o644
                info.size = len(files[path])
                tar.addfile(info, io.BytesIO(files[path]))
            else:
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)


if __name__ == "__main__":
    main(*sys.argv[1:])

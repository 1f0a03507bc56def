"""Large uncached Packages indexes read in a worker process, beside the lock's own.

The scan of a large index (0.3 s for bookworm's amd64 one) holds the GIL, so in one process the
architectures' scans take turns on a machine with cores to spare. A worker process reads its
share of the indexes exactly as the lock would (index_loader.read_table: download by hash,
verify, decompress, scan, store in the parsed cache) and the lock then loads each from the cache,
as a warm run does. A worker that fails or dies changes nothing: the lock reads that index itself
and reports what went wrong as usual.

The parent writes the jobs as JSON to the worker's stdin; the worker prints `ok SHA256` or
`failed SHA256` per index as each finishes.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from debian_package_manager.index_loader import IndexSource
from debian_package_manager.release import IndexFile

MIN_SIZE = 1 << 20  # compressed bytes: smaller indexes scan in a few milliseconds


def worker_count() -> int:
    return max(0, (os.cpu_count() or 1) - 1)


class IndexWorkers:
    """Worker processes reading the given indexes into the parsed cache; `wait(source)` blocks
    until that index is done (True) or its worker gave up on it (False)."""

    def __init__(self, sources: Sequence[IndexSource], cache_root: Path, options: dict) -> None:
        self._events = {source.compressed.sha256: threading.Event() for source in sources}
        self._ok: set[str] = set()
        self._processes: list[subprocess.Popen] = []
        count = min(worker_count(), len(sources))
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
        for i in range(count):
            share = list(sources[i::count])
            process = subprocess.Popen(
                [sys.executable, "-m", "debian_package_manager.index_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
            jobs = {"cache": str(cache_root), "options": options, "sources": _to_json(share)}
            try:
                process.stdin.write(json.dumps(jobs).encode())
                process.stdin.close()
            except OSError:  # it died at once: _follow hands its share back to the lock
                pass
            self._processes.append(process)
            threading.Thread(target=self._follow, args=(process, share), daemon=True).start()

    def __contains__(self, source: IndexSource) -> bool:
        return source.compressed.sha256 in self._events

    def wait(self, source: IndexSource) -> bool:
        sha256 = source.compressed.sha256
        self._events[sha256].wait()
        return sha256 in self._ok

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            process.wait()

    def _follow(self, process: subprocess.Popen, share: list[IndexSource]) -> None:
        for line in process.stdout:
            status, _, sha256 = line.decode().strip().partition(" ")
            if status == "ok":
                self._ok.add(sha256)
            if sha256 in self._events:
                self._events[sha256].set()
        process.wait()
        for source in share:  # a worker that died leaves the rest to the lock
            self._events[source.compressed.sha256].set()


def _to_json(sources: Sequence[IndexSource]) -> list[dict]:
    def file(index: IndexFile | None) -> list | None:
        return None if index is None else [index.path, index.sha256, index.size]

    return [
        {
            "suite": s.suite,
            "arch": s.arch,
            "url": s.url,
            "compressed": file(s.compressed),
            "plain": file(s.plain),
        }
        for s in sources
    ]


def _from_json(item: dict) -> IndexSource:
    plain = item["plain"]
    return IndexSource(
        suite=item["suite"],
        arch=item["arch"],
        url=item["url"],
        compressed=IndexFile(*item["compressed"]),
        plain=IndexFile(*plain) if plain else None,
    )


def main() -> None:
    from debian_package_manager import index_loader
    from debian_package_manager.cache import HashCache
    from debian_package_manager.fetch import Downloader

    gc.disable()  # as the lock does: the scan makes many objects and no garbage
    jobs = json.loads(sys.stdin.buffer.read())
    cache = HashCache(Path(jobs["cache"]))
    download = functools.partial(index_loader.fetch_index, Downloader(cache, **jobs["options"]))

    for item in jobs["sources"]:
        source = _from_json(item)
        try:
            index_loader.read_table(source, cache, download)
            status = "ok"
        except Exception:  # the lock reads this index itself and reports the error
            status = "failed"
        sys.stdout.write(f"{status} {source.compressed.sha256}\n")
        sys.stdout.flush()
    os._exit(0)  # nothing to tear down: the entries are written and renamed into place


if __name__ == "__main__":
    main()

"""Benchmark of the Debian lock tool.

1. Parse time of bookworm's amd64 Packages index (about 50 MB, 63k stanzas), fetched through
   the verified chain: the tool's streaming parser against python-debian's deb822 on the same
   decompressed bytes, in the same process, as a ratio.
2. Locking the whole catalog (every release of the config, npm sets included): cold (empty
   download cache) and warm (same cache: only InRelease and npm metadata go to the network).

Usage: python3 benchmarks/debian_lock.py [--config debian_packages.yaml] [--skip-cold]
Needs the network to the Debian archive (and the npm registry for the npm sets).
"""

from __future__ import annotations

import argparse
import io
import lzma
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from debian import deb822  # noqa: E402

from debian_package_manager.cache import HashCache, default_cache_dir  # noqa: E402
from debian_package_manager.config import load_config  # noqa: E402
from debian_package_manager.fetch import Downloader, Expected  # noqa: E402
from debian_package_manager.locker import (  # noqa: E402
    LockOptions,
    by_hash_url,
    fetch_archive,
    lock_release,
)
from debian_package_manager.packages_index import parse_packages  # noqa: E402
from debian_package_manager.progress import Progress  # noqa: E402


def best_of(runs: int, function) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - started)
    return best, result


def parse_benchmark(config_path: Path) -> None:
    config = load_config(config_path)
    release = config.release("debian12")
    archive = release.archives[0]
    downloader = Downloader(HashCache(default_cache_dir()), Progress(quiet=True))
    state = fetch_archive(release, archive, downloader, LockOptions(), lambda message: None)
    index = state.indexes["amd64"][0]
    path = downloader.fetch(by_hash_url(state, index), Expected("sha256", index.sha256, index.size))
    started = time.perf_counter()
    data = lzma.decompress(path.read_bytes())
    decompress = time.perf_counter() - started
    print(
        f"index: {archive.suite} amd64 {index.path}: {len(data) / 1e6:.1f} MB decompressed "
        f"in {decompress:.2f}s"
    )
    ours, packages = best_of(3, lambda: list(parse_packages(io.BytesIO(data), archive.suite)))
    theirs, paragraphs = best_of(
        1,
        lambda: list(deb822.Packages.iter_paragraphs(io.BytesIO(data), use_apt_pkg=False)),
    )
    print(f"  streaming parser (best of 3): {ours:.2f}s, {len(packages)} packages")
    print(f"  python-debian deb822:         {theirs:.2f}s, {len(paragraphs)} paragraphs")
    print(f"  ratio: the streaming parser is {theirs / ours:.1f}x faster")


def lock_benchmark(config_path: Path, cache_dir: Path, label: str) -> None:
    config = load_config(config_path)
    downloader = Downloader(HashCache(cache_dir), Progress(quiet=True))
    started = time.perf_counter()
    counts = []
    for name, release in config.releases.items():
        document = lock_release(release, downloader, LockOptions())
        counts.append(f"{name}: {sum(len(p) for p in document['packages'].values())} entries")
    elapsed = time.perf_counter() - started
    print(
        f"lock whole catalog, {label}: {elapsed:.1f}s "
        f"({downloader.network_requests} HTTP requests; {', '.join(counts)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=REPO / "debian_packages.yaml")
    parser.add_argument("--skip-cold", action="store_true", help="only the warm lock run")
    args = parser.parse_args()
    parse_benchmark(args.config)
    with tempfile.TemporaryDirectory(prefix="dpm-bench-cache-") as temp:
        cache = Path(temp) if not args.skip_cold else default_cache_dir()
        if not args.skip_cold:
            lock_benchmark(args.config, cache, "cold (empty cache)")
        lock_benchmark(args.config, cache, "warm (cached indexes and tarballs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

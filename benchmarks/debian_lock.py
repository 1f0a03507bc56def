"""Benchmark of the Debian lock tool, each run a separate `python3 -m debian_package_manager`
process, side by side with a reference version of the tool in the same run.

Scenarios, for the python3 set (bookworm + bookworm-security, amd64 + arm64, the python3 set
and the sets it extends, taken from debian_packages.yaml) and for the whole catalog (every
release, set and npm set of debian_packages.yaml):

  cold    empty download cache
  warm    `lock --force` with that cache (the reference has no --force: plain `lock`)
  no-op   `lock` with nothing changed (the reference re-locks: its warm run again)
  check   `check` (python3 set only)

For each: wall time (cold once; the others best of --repeat), CPU time (user + sys from wait4,
which a loaded machine distorts far less than wall time), the peak RSS of the tool's process
(ru_maxrss from wait4; the reference parses in forkserver worker processes, which are not its
own children: their memory is not in its figure), and reference / current as ratios. Last, whether
both tools wrote byte-identical locks.

The reference is a copy of debian_package_manager/ from a commit (default: 15ab06e, main before
the parsed-index cache), made with `git archive` when git can read the repository, or given
with --reference-dir (e.g. `git archive 15ab06e debian_package_manager | tar -x -C DIR` run
where git works, when the benchmark runs inside the toolchain root). --no-reference runs only
the current tool.

`--parse` adds the parser benchmark: the scanner, and the scanner plus parsing every stanza,
against python-debian's deb822 on bookworm's amd64 index, in this process.

Usage: python3 benchmarks/debian_lock.py [--repeat 3] [--only python3|catalog]
                                         [--reference-dir DIR | --no-reference] [--parse]
Needs the network to the Debian archive (and the npm registry for the catalog's npm sets).
rules_distroless is not compared here (it needs Bazel and its BCR dependencies online).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = "15ab06e"
PYTHON3_SETS = ("static", "base_nossl", "base", "cc", "python3")


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + sys of the process and the children it waited for
    peak_mb: float


@dataclass(frozen=True)
class Tool:
    name: str
    root: Path  # the directory holding the debian_package_manager package
    has_no_op: bool  # lock stops early when nothing changed; --force re-locks


def run_tool(tool: Tool, args: list[str]) -> Run:
    """One process of the tool; its wall time and peak RSS (of that process)."""
    env = {**os.environ, "PYTHONPATH": str(tool.root)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "debian_package_manager", *args],
        cwd=tool.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{tool.name}: {' '.join(args)} failed:\n{stderr.decode()[-2000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def best(runs: list[Run]) -> Run:
    return Run(min(r.seconds for r in runs), min(r.cpu for r in runs), max(r.peak_mb for r in runs))


def python3_config(path: Path) -> None:
    """debian12 reduced to the python3 set's inputs: bookworm + security, amd64 + arm64."""
    config = yaml.safe_load((REPO / "debian_packages.yaml").read_text())
    release = config["releases"]["debian12"]
    release["architectures"] = ["amd64", "arm64"]
    release["archives"] = [a for a in release["archives"] if a["suite"] != "bookworm-updates"]
    config["releases"] = {"debian12": release}
    config["sets"] = {name: config["sets"][name] for name in PYTHON3_SETS}
    for spec in config["sets"].values():  # per-release package lists: debian12's only
        if isinstance(spec.get("packages"), dict):
            packages = spec["packages"]
            spec["packages"] = packages.get("all", []) + packages.get("debian12", [])
    config.pop("npm", None)
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def scenarios(tool: Tool, config: Path, work: Path, repeat: int, check: bool) -> dict[str, Run]:
    kind = "current" if tool.has_no_op else "reference"
    cache, locks = work / f"cache-{kind}", work / f"locks-{kind}"
    common = ["--config", str(config), "--locks-dir", str(locks), "-q"]
    lock = ["lock", *common, "--cache-dir", str(cache)]
    results = {"cold": run_tool(tool, lock)}
    warm = [*lock, "--force"] if tool.has_no_op else lock
    results["warm"] = best([run_tool(tool, warm) for _ in range(repeat)])
    results["no-op"] = best([run_tool(tool, lock) for _ in range(repeat)])
    if check:
        results["check"] = best([run_tool(tool, ["check", *common]) for _ in range(repeat)])
    return results


def same_locks(work: Path) -> str:
    """Whether both tools wrote the same bytes (the archives may change between runs)."""
    ours = sorted((work / "locks-current").glob("*.json"))
    theirs = work / "locks-reference"
    different = [p.name for p in ours if p.read_bytes() != (theirs / p.name).read_bytes()]
    return f"no, {', '.join(different)} differ" if different else f"yes ({len(ours)} files)"


def reference_tool(args: argparse.Namespace, work: Path) -> Tool | None:
    if args.no_reference:
        return None
    if args.reference_dir:
        return Tool(f"reference {args.reference_dir}", args.reference_dir, has_no_op=False)
    target = work / "reference"
    target.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", args.reference, "debian_package_manager"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(
            f"cannot read {args.reference} with git here ({archive.stderr.decode().strip()}); "
            f"run `git archive {args.reference} debian_package_manager | tar -x -C DIR` where "
            f"git works and pass --reference-dir DIR, or pass --no-reference"
        )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return Tool(f"reference {args.reference}", target, has_no_op=False)


def print_table(title: str, current: dict[str, Run], reference: dict[str, Run] | None) -> None:
    """Wall time, CPU time (user + sys: what a loaded machine does not distort), peak RSS."""
    print(f"\n{title}", flush=True)
    head = f"  {'':8} {'current':>9} {'cpu':>7} {'peak':>7}"
    if reference:
        head += f" {'reference':>10} {'cpu*':>7} {'peak*':>7} {'speed-up':>9}"
    print(head)
    for name, run in current.items():
        line = f"  {name:8} {run.seconds:8.2f}s {run.cpu:6.2f}s {run.peak_mb:5.0f}MB"
        if reference and name in reference:
            ref = reference[name]
            line += (
                f" {ref.seconds:9.2f}s {ref.cpu:6.2f}s {ref.peak_mb:5.0f}MB"
                f" {ref.seconds / run.seconds:8.1f}x"
            )
        print(line, flush=True)
    if reference:
        print(
            "  * the reference parses in forkserver workers, which are not children of its "
            "process: their CPU and memory are not in its figures"
        )


def parse_benchmark() -> None:
    """The scanner (and it plus parsing every stanza) against python-debian's deb822 on the
    same decompressed bytes."""
    from debian import deb822

    sys.path.insert(0, str(REPO))
    from debian_package_manager.cache import HashCache, default_cache_dir
    from debian_package_manager.config import load_config
    from debian_package_manager.fetch import Downloader, Expected
    from debian_package_manager.inflate import Inflater
    from debian_package_manager.locker import LockOptions, by_hash_url, fetch_archive
    from debian_package_manager.packages_index import scan_index

    release = load_config(REPO / "debian_packages.yaml").release("debian12")
    archive = release.archives[0]
    downloader = Downloader(HashCache(default_cache_dir()))
    state = fetch_archive(release, archive, downloader, LockOptions(), lambda message: None)
    index = state.indexes["amd64"][0]
    path = downloader.fetch(by_hash_url(state, index), Expected("sha256", index.sha256, index.size))
    pieces: list[bytes] = []
    inflater = Inflater(None, pieces.append)
    inflater.feed(path.read_bytes())
    inflater.finish()
    data = b"".join(pieces)

    def timed(function) -> tuple[float, int]:
        started = time.perf_counter()
        count = len(function())
        return time.perf_counter() - started, count

    def parse_all() -> list:
        return [p.to_row() for p in scan_index(data, archive.suite).packages(archive.suite)]

    scan, count = min(timed(lambda: scan_index(data, archive.suite).names) for _ in range(3))
    full, _ = min(timed(parse_all) for _ in range(3))
    theirs, _ = timed(
        lambda: list(deb822.Packages.iter_paragraphs(io.BytesIO(data), use_apt_pkg=False))
    )
    print(f"\nparse {archive.suite} amd64 {index.path}: {len(data) / 1e6:.1f} MB, {count} packages")
    print(
        f"  scan {scan:.2f}s, scan + parse every stanza {full:.2f}s, python-debian deb822 "
        f"{theirs:.2f}s: {theirs / full:.1f}x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of warm/no-op/check")
    parser.add_argument("--reference", default=DEFAULT_REFERENCE, help="git revision")
    parser.add_argument("--reference-dir", type=Path, help="a copy of the reference tool")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--only", choices=["python3", "catalog"], help="only the python3 set or the catalog"
    )
    parser.add_argument("--parse", action="store_true", help="also the parser benchmark")
    args = parser.parse_args()
    current = Tool("current", REPO, has_no_op=True)
    with tempfile.TemporaryDirectory(prefix="dpm-bench-") as temp:
        work = Path(temp)
        reference = reference_tool(args, work)
        config = work / "python3.yaml"
        python3_config(config)
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start",
            flush=True,
        )
        catalog = REPO / "debian_packages.yaml"
        plans = {
            "python3": ("python3 set (debian12 amd64+arm64, bookworm + security)", config, True),
            "catalog": ("whole catalog (debian_packages.yaml)", catalog, False),
        }
        for key, (title, path, check) in plans.items():
            if args.only not in (None, key):
                continue
            plan_work = work / key  # a cold run starts from its own empty cache
            ours = scenarios(current, path, plan_work, args.repeat, check)
            theirs = (
                scenarios(reference, path, plan_work, args.repeat, check) if reference else None
            )
            print_table(title, ours, theirs)
            if reference:
                print(f"  locks written by both tools identical: {same_locks(plan_work)}")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.parse:
        parse_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())

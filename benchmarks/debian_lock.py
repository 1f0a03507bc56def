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
Last of all, issue 13's targets, each with this run's figure and `met` or `NOT MET`: cold >= 15x
and warm >= 20x rules_distroless (with --rules-distroless), `lock` no-op and `check` <= 0.3 s,
the whole catalog cold <= 15 s, peak memory <= 300 MB.

The reference is a copy of debian_package_manager/ from a commit (default: 15ab06e, main before
the parsed-index cache), made with `git archive` when git can read the repository, or given
with --reference-dir (e.g. `git archive 15ab06e debian_package_manager | tar -x -C DIR` run
where git works, when the benchmark runs inside the toolchain root). --no-reference runs only
the current tool. A reference older than d0667c0 imports requests, which the toolchain root no
longer installs: unpack the wheels of requests, urllib3, idna, charset_normalizer and certifi
into its directory (certifi's cacert.pem linked to /etc/ssl/certs/ca-certificates.crt, as
Debian's python3-certifi does).

`--parse` adds the parser benchmark: the scanner, and the scanner plus parsing every stanza,
against python-debian's deb822 on bookworm's amd64 index, in this process.

`--rules-distroless DIR` adds rules_distroless (github.com/bazel-contrib/rules_distroless, tested
with v0.9.3) locking the same packages, cold and warm, beside ours in the same run. DIR is a
checkout OUTSIDE this project (never copy it in): on a normal machine
  git clone --branch v0.9.3 https://github.com/bazel-contrib/rules_distroless \
      /var/tmp/rules_distroless
and here, where GitHub is unreachable, the session's `fetch` tool puts a bare snapshot under
/work/.mirror/bazel-contrib+rules_distroless/repo, then
  mkdir /var/tmp/rules_distroless
  git -C /work/.mirror/bazel-contrib+rules_distroless/repo archive v0.9.3 |
      tar -x -C /var/tmp/rules_distroless
The benchmark writes a throwaway module in its temporary directory: rules_distroless through
local_path_override, apt.sources_list for bookworm and bookworm-security (amd64 + arm64, main,
https: Bazel refuses plain-http downloads without a checksum), one apt.install with the python3
set's packages (those of the python3 set and the sets it extends) and apt.lock(into = ...).
v0.9.3 has no YAML manifest and no `bazel run @x//:lock` any more: on Bazel 7 (no extension
facts) the `apt` module extension resolves and writes the lock file whenever it is evaluated, here
by `bazel mod show_extension @rules_distroless//apt:extensions.bzl%apt` (.bazelversion 7.7.1;
on Bazel >= 8.5 it keeps its state in MODULE.bazel.lock instead and writes no lock file).
  cold  a fresh output base (a new Bazel server) and an empty repository cache
  warm  the same server and caches, the lock file emptied, the extension evaluated again
        (re-lock; a rolling mirror's indexes carry no checksum, so Bazel downloads them again)
Its CPU and peak RSS are the Bazel server's (user + sys with its waited-for children, VmHWM,
from /proc) plus the client's. rules_distroless has no exclusions and no no_dependencies: it
locks every Depends/Pre-Depends (52 packages per arch, where our python3 set has 42), so ours is
timed here on the same set without exclusions and no_dependencies, and both locks' package names
and versions are compared per architecture.
Inside the toolchain root (tools/inroot sets DISTROLESS_STATE) Bazel runs offline: the offline
layer of tools/toolchain/offline.bazelrc, and stub modules, written here, for rules_distroless'
gawk, tar.bzl and yq.bzl (their toolchains download from GitHub and the apt extension never
loads them); outside, plain `bazel` with the Bazel Central Registry.

Usage: python3 benchmarks/debian_lock.py [--repeat 3] [--only python3|catalog|rules_distroless]
                                         [--reference-dir DIR | --no-reference] [--parse]
                                         [--rules-distroless DIR]
Here: INROOT_BINDS=/var/tmp/rules_distroless tools/inroot python3 benchmarks/debian_lock.py \
        --rules-distroless /var/tmp/rules_distroless
Needs the network to the Debian archive (and the npm registry for the catalog's npm sets).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
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
    """Whether both tools wrote the same bytes (the archives may change between runs) or, where
    not, the same locks but for the index files they read (the reference may prefer Packages.xz,
    the current tool reads Packages.gz where the Release lists it)."""
    ours = sorted((work / "locks-current").glob("*.json"))
    theirs = work / "locks-reference"
    different = [p.name for p in ours if p.read_bytes() != (theirs / p.name).read_bytes()]
    if not different:
        return f"yes ({len(ours)} files)"

    def without_indexes(path: Path) -> dict:
        lock = json.loads(path.read_text())
        for archive in lock.get("archives", ()):
            archive.pop("indexes", None)
        return lock

    other = [
        name
        for name in different
        if without_indexes(work / "locks-current" / name) != without_indexes(theirs / name)
    ]
    if other:
        return f"no, {', '.join(other)} differ"
    return f"yes but for the index files read ({', '.join(different)})"


RD_EXTENSION = "@rules_distroless//apt:extensions.bzl%apt"
RD_BAZEL_VERSION = "7.7.1"  # the toolchain root's; v0.9.3 writes no lock file on Bazel >= 8.5
# rules_distroless' dependencies that are not in Debian: their toolchains download from GitHub.
# The apt extension loads none of them; offline they become empty stub modules.
RD_STUBBED = ("gawk", "tar.bzl", "yq.bzl")
DEBIAN_ARCH = {"arm": "armhf", "ppc64le": "ppc64el"}  # distroless name -> Debian's


def same_work_config(source: Path, path: Path) -> list[str]:
    """The python3 config without exclusions and no_dependencies: every Depends/Pre-Depends, as
    rules_distroless resolves. Returns the packages the sets ask for (the apt.install list)."""
    config = yaml.safe_load(source.read_text())
    for release in config["releases"].values():
        release.pop("exclude", None)
    packages: list[str] = []
    for spec in config["sets"].values():
        spec.pop("exclude", None)
        spec.pop("no_dependencies", None)
        packages += [p for p in spec.get("packages", []) if p not in packages]
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return packages


def stub_modules(checkout: Path, stubs: Path) -> dict[str, Path]:
    """Empty modules for RD_STUBBED; each extension rules_distroless' MODULE.bazel uses from one
    of them creates the repositories it names in use_repo, empty (never fetched or loaded)."""
    module = (checkout / "MODULE.bazel").read_text()
    extensions: dict[str, tuple[str, str]] = {}  # variable -> (module, "pkg:file.bzl%name")
    for var, name, pkg, bzl, ext in re.findall(
        r'(\w+)\s*=\s*use_extension\(\s*"@([\w.]+)//([\w/]*):([\w.]+)"\s*,\s*"(\w+)"', module
    ):
        if name in RD_STUBBED:
            extensions[var] = (name, f"{pkg}:{bzl}%{ext}")
    repos: dict[tuple[str, str], list[str]] = {}
    for var, names in re.findall(r"use_repo\(\s*(\w+)\s*,([^)]*)\)", module):
        if var in extensions:
            repos.setdefault(extensions[var], []).extend(re.findall(r'"([^"]+)"', names))
    deps = set(re.findall(r'bazel_dep\(\s*name\s*=\s*"([^"]+)"', module))
    paths = {}
    for name in RD_STUBBED:
        if name not in deps:
            continue  # Bazel refuses an override of a module the graph does not hold
        root = stubs / name
        root.mkdir(parents=True)
        (root / "MODULE.bazel").write_text(f'module(name = "{name}")\n')
        (root / "BUILD.bazel").write_text("")
        files: dict[Path, list[str]] = {}
        for (module_name, where), names in repos.items():
            if module_name != name:
                continue
            location, ext = where.split("%")
            pkg, bzl = location.split(":")
            (root / pkg).mkdir(parents=True, exist_ok=True)
            (root / pkg / "BUILD.bazel").write_text("")
            files.setdefault(root / pkg / bzl, []).append(
                f"def _{ext}_impl(mctx):\n"
                f"    for name in {json.dumps(names)}:\n"
                f"        _empty_repo(name = name)\n\n"
                f"{ext} = module_extension(implementation = _{ext}_impl)\n"
            )
        for path, parts in files.items():
            path.write_text(
                "def _empty_repo_impl(rctx):\n"
                '    rctx.file("BUILD.bazel", "")\n\n'
                "_empty_repo = repository_rule(implementation = _empty_repo_impl)\n\n"
                + "\n".join(parts)
            )
        paths[name] = root
    return paths


def rd_module(config_path: Path, checkout: Path, packages: list[str], work: Path) -> Path | None:
    """The throwaway module locking `packages` with rules_distroless; returns the offline layer's
    bazelrc when Bazel runs inside the toolchain root, else None (the BCR)."""
    config = yaml.safe_load(config_path.read_text())
    (release,) = config["releases"].values()
    arches = [DEBIAN_ARCH.get(a, a) for a in release["architectures"]]
    suites = [archive["suite"] for archive in release["archives"]]
    lines = [
        'module(name = "rules_distroless_benchmark")',
        "",
        'bazel_dep(name = "rules_distroless", version = "0.0.0")',
        f'local_path_override(module_name = "rules_distroless", path = "{checkout}")',
        "",
        f'apt = use_extension("{RD_EXTENSION.split("%")[0]}", "apt")',
    ]
    for archive in release["archives"]:
        url = config["mirrors"][archive["mirror"]]["url"].replace("http://", "https://", 1)
        lines.append(
            f"apt.sources_list(architectures = {json.dumps(arches)}, "
            f"components = {json.dumps(archive.get('components', ['main']))}, "
            f'suites = ["{archive["suite"]}"], types = ["deb"], uris = ["{url}"])'
        )
    lines += [
        f'apt.install(dependency_set = "python3", packages = {json.dumps(packages)}, '
        f"suites = {json.dumps(suites)})",
        'apt.lock(into = "//:python3.lock.json")',
        'use_repo(apt, "python3")',
    ]
    (work / "MODULE.bazel").write_text("\n".join(lines) + "\n")
    (work / "BUILD.bazel").write_text("")
    (work / "python3.lock.json").write_text("")
    (work / ".bazelversion").write_text(RD_BAZEL_VERSION + "\n")
    if not os.environ.get("DISTROLESS_STATE"):
        return None
    rc = []
    for line in (REPO / "tools/toolchain/offline.bazelrc").read_text().splitlines():
        if "--override_module=rules_oci=" in line:
            continue  # Bazel refuses an override of a module the graph does not hold
        rc.append(line.replace("%workspace%", str(REPO)))
    for name, path in stub_modules(checkout, work / "stubs").items():
        rc.append(f"common --override_module={name}={path}")
    (work / "offline.bazelrc").write_text("\n".join(rc) + "\n")
    return work / "offline.bazelrc"


def server_usage(output_base: Path) -> tuple[float, float]:
    """The Bazel server's CPU so far (user + sys, with its waited-for children) and peak RSS."""
    pid = (output_base / "server/server.pid.txt").read_text().strip()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    return cpu, peak_kb / 1024


def rules_distroless(checkout: Path, config: Path, packages: list[str], work: Path, repeat: int):
    """Cold and warm locks of rules_distroless: the runs, and the lock's names + versions."""
    work.mkdir(parents=True)
    rc = rd_module(config, checkout, packages, work)
    startup = ["bazel", f"--output_base={work / 'output_base'}"]
    startup += [f"--bazelrc={rc}"] if rc else []
    command = [*startup, "mod", "show_extension", RD_EXTENSION]
    command.append(f"--repository_cache={work / 'repository_cache'}")
    lock = work / "python3.lock.json"

    def run() -> Run:
        lock.write_text("")  # a re-lock from nothing, as the cold one
        server = work / "output_base/server"
        before = server_usage(work / "output_base")[0] if server.exists() else 0.0
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        stderr = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0 or not lock.read_text():
            message = stderr.decode()[-3000:]
            raise SystemExit(f"rules_distroless: {' '.join(command)} failed:\n{message}")
        cpu, peak = server_usage(work / "output_base")
        return Run(seconds, cpu - before + usage.ru_utime + usage.ru_stime, peak)

    try:
        results = {"cold": run()}
        results["warm"] = best([run() for _ in range(repeat)])
    finally:
        subprocess.run([*startup, "shutdown"], cwd=work, capture_output=True, check=False)
    return results, rd_packages(json.loads(lock.read_text()))


def rd_packages(lock: dict) -> dict[str, dict[str, str]]:
    """rules_distroless' lock: {Debian arch: {name: version}} (keys /suite/name:arch=version)."""
    packages: dict[str, dict[str, str]] = {}
    for key, package in lock["packages"].items():
        arch = key.split("/", 2)[2].split(":", 1)[1].split("=", 1)[0]  # the version may hold ':'
        packages.setdefault(arch, {})[package["name"]] = package["version"]
    return packages


def our_packages(lock: Path, set_name: str = "python3") -> dict[str, dict[str, str]]:
    """Our lock's set: {Debian arch: {name: version}}."""
    document = json.loads(lock.read_text())
    return {
        DEBIAN_ARCH.get(arch, arch): {n: document["packages"][arch][n]["version"] for n in names}
        for arch, names in document["sets"][set_name].items()
    }


def compare_packages(ours: dict, theirs: dict) -> list[str]:
    lines = []
    for arch in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(arch, {}), theirs.get(arch, {})
        if mine == other:
            lines.append(f"{arch}: the same {len(mine)} packages and versions")
            continue
        only_ours = sorted(set(mine) - set(other))
        only_theirs = sorted(set(other) - set(mine))
        versions = sorted(n for n in set(mine) & set(other) if mine[n] != other[n])
        lines.append(
            f"{arch}: ours {len(mine)}, rules_distroless {len(other)}; only ours: {only_ours}; "
            f"only rules_distroless: {only_theirs}; other versions: "
            + str([f"{n} {mine[n]} / {other[n]}" for n in versions])
        )
    return lines


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


def print_table(
    title: str,
    current: dict[str, Run],
    reference: dict[str, Run] | None,
    name: str = "reference",
    note: str = "the reference parses in forkserver workers, which are not children of its "
    "process: their CPU and memory are not in its figures",
) -> None:
    """Wall time, CPU time (user + sys: what a loaded machine does not distort), peak RSS; the
    other tool's figures and its wall time over ours."""
    print(f"\n{title}", flush=True)
    head = f"  {'':8} {'current':>9} {'cpu':>7} {'peak':>7}"
    if reference:
        width = max(len(name), 9)
        head += f" {name:>{width + 1}} {'cpu*':>7} {'peak*':>7} {'speed-up':>9}"
    print(head)
    for row, run in current.items():
        line = f"  {row:8} {run.seconds:8.2f}s {run.cpu:6.2f}s {run.peak_mb:5.0f}MB"
        if reference and row in reference:
            ref = reference[row]
            line += (
                f" {ref.seconds:{width}.2f}s {ref.cpu:6.2f}s {ref.peak_mb:5.0f}MB"
                f" {ref.seconds / run.seconds:8.1f}x"
            )
        print(line, flush=True)
    if reference:
        print(f"  * {note}")


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


def compare_rules_distroless(
    args: argparse.Namespace, config: Path, work: Path
) -> tuple[dict[str, Run], dict[str, Run]]:
    """Ours and rules_distroless locking the same packages (no exclusions), cold and warm."""
    checkout = args.rules_distroless.resolve()
    if not (checkout / "apt/extensions.bzl").is_file():
        raise SystemExit(f"--rules-distroless {checkout}: no apt/extensions.bzl there")
    work = work / "rules_distroless"
    work.mkdir()
    same = work / "python3-all-depends.yaml"
    packages = same_work_config(config, same)
    current = Tool("current", REPO, has_no_op=True)
    locks, cache = work / "locks", work / "cache"
    lock = ["lock", "--config", str(same), "--locks-dir", str(locks), "-q"]
    lock += ["--cache-dir", str(cache)]
    load = os.getloadavg()[0]
    ours = {"cold": run_tool(current, lock)}
    ours["warm"] = best([run_tool(current, [*lock, "--force"]) for _ in range(args.repeat)])
    theirs, their_packages = rules_distroless(checkout, same, packages, work / "bazel", args.repeat)
    print_table(
        f"python3 set, every Depends/Pre-Depends (no exclusions): ours against rules_distroless "
        f"at {checkout} (load {load:.1f} -> {os.getloadavg()[0]:.1f})",
        ours,
        theirs,
        name="rules_distroless",
        note="rules_distroless: the Bazel server's CPU (with its waited-for children) and "
        "peak RSS plus the client's; the server starts in the cold run",
    )
    cpu = ", ".join(f"{row} {theirs[row].cpu / ours[row].cpu:.1f}x" for row in ours)
    print(f"  CPU time rules_distroless / ours (less distorted by load): {cpu}")
    for line in compare_packages(our_packages(locks / "debian12.lock.json"), their_packages):
        print(f"  {line}")
    configured = work.parent / "python3/locks-current/debian12.lock.json"
    if configured.exists():
        mine = our_packages(configured)
        for arch, names in sorted(their_packages.items()):
            extra = sorted(set(names) - set(mine.get(arch, {})))
            print(
                f"  {arch}: the python3 set as configured has {len(mine.get(arch, {}))}; "
                f"its exclusions and no_dependencies leave out {extra}"
            )
    return ours, theirs


# Issue 13's targets: (what, measured, limit, whether the limit is a floor). Wall times; peak
# memory over every run of ours.
Target = tuple[str, float, float, bool]


def targets(
    results: dict[str, dict[str, Run]], rd: tuple[dict[str, Run], dict[str, Run]] | None
) -> list[Target]:
    found: list[Target] = []
    if rd:
        ours, theirs = rd
        for row, floor in (("cold", 15), ("warm", 20)):
            ratio = theirs[row].seconds / ours[row].seconds
            found.append((f"python3 set {row}, rules_distroless / ours", ratio, floor, True))
    python3, catalog = results.get("python3", {}), results.get("catalog", {})
    for what, rows, row, limit in (
        ("python3 set `lock` no-op, s", python3, "no-op", 0.3),
        ("python3 set `check`, s", python3, "check", 0.3),
        ("whole catalog cold, s", catalog, "cold", 15),
    ):
        if row in rows:
            found.append((what, rows[row].seconds, limit, False))
    ours_rows = [*results.values(), *([rd[0]] if rd else [])]
    runs = [run for rows in ours_rows for run in rows.values()]
    if runs:
        peak = max(r.peak_mb for r in runs)
        found.append(("peak memory of every run of ours, MB", peak, 300, False))
    return found


def print_targets(found: list[Target]) -> None:
    print("\nissue 13's targets, this run:")
    for what, value, limit, floor in found:
        met = value >= limit if floor else value <= limit
        bound = f"{'>=' if floor else '<='} {limit:g}"
        print(f"  {what:<44} {value:8.2f}  {bound:<8} {'met' if met else 'NOT MET'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of warm/no-op/check")
    parser.add_argument("--reference", default=DEFAULT_REFERENCE, help="git revision")
    parser.add_argument("--reference-dir", type=Path, help="a copy of the reference tool")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--only",
        choices=["python3", "catalog", "rules_distroless"],
        help="only the python3 set (with --rules-distroless: and that comparison), the catalog, "
        "or only the rules_distroless comparison",
    )
    parser.add_argument(
        "--rules-distroless",
        type=Path,
        metavar="DIR",
        help="a rules_distroless checkout (v0.9.3) outside the project: compare with it",
    )
    parser.add_argument("--parse", action="store_true", help="also the parser benchmark")
    args = parser.parse_args()
    current = Tool("current", REPO, has_no_op=True)
    with tempfile.TemporaryDirectory(prefix="dpm-bench-") as temp:
        work = Path(temp)
        reference = None if args.only == "rules_distroless" else reference_tool(args, work)
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
        results: dict[str, dict[str, Run]] = {}
        for key, (title, path, check) in plans.items():
            if args.only not in (None, key):
                continue
            plan_work = work / key  # a cold run starts from its own empty cache
            ours = scenarios(current, path, plan_work, args.repeat, check)
            theirs = (
                scenarios(reference, path, plan_work, args.repeat, check) if reference else None
            )
            print_table(title, ours, theirs)
            results[key] = ours
            if reference:
                print(f"  locks written by both tools identical: {same_locks(plan_work)}")
        rd = None
        if args.rules_distroless and args.only != "catalog":
            rd = compare_rules_distroless(args, config, work)
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
        print_targets(targets(results, rd))
    if args.parse:
        parse_benchmark()
    return 0


if __name__ == "__main__":
    sys.exit(main())

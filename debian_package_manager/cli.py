"""The command line: parse arguments, run one pipeline step, report errors once.

python3 -m debian_package_manager lock     config -> locks/<release>.lock.json (no-op if unchanged)
python3 -m debian_package_manager update   re-lock against the archives now; print the diff
python3 -m debian_package_manager check    every lock matches the config (offline)
python3 -m debian_package_manager why PKG  the dependency path that pulled PKG in
python3 -m debian_package_manager diff OLD NEW
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from debian_package_manager import __version__
from debian_package_manager.errors import DpmError
from debian_package_manager.progress import Progress

if TYPE_CHECKING:
    from debian_package_manager.config import Config
    from debian_package_manager.fetch import Downloader

# Each command imports what it uses when it runs (below): `check` needs neither the HTTP code
# nor python-debian nor the resolver, and their imports were most of its time.

DEFAULT_CONFIG = "debian_packages.yaml"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", default=DEFAULT_CONFIG, help="the YAML config (default: %(default)s)"
    )
    common.add_argument(
        "--locks-dir", help="where the locks live (default: locks/ beside the config)"
    )
    common.add_argument(
        "--release",
        action="append",
        dest="releases",
        metavar="RELEASE",
        help="only this release (repeatable; default: all in the config)",
    )
    common.add_argument("-q", "--quiet", action="store_true", help="no progress output")

    network = argparse.ArgumentParser(add_help=False)
    network.add_argument(
        "--cache-dir",
        type=Path,
        help="download cache (default: $DISTROLESS_DPM_CACHE or ~/.cache/distroless-debian)",
    )
    network.add_argument(
        "-j", "--jobs", type=int, default=4, help="parallel downloads (default: %(default)s)"
    )
    network.add_argument(
        "--retries", type=int, default=4, help="retries of transient failures (default: 4)"
    )
    network.add_argument(
        "--retry-delay",
        type=float,
        default=1.0,
        help="first backoff delay in seconds, doubled per retry (default: %(default)s)",
    )
    network.add_argument(
        "--allow-expired",
        action="store_true",
        help="accept Release files past Valid-Until (loudly; recorded in the lock)",
    )
    network.add_argument(
        "--require-available",
        action="store_true",
        help="fail (nothing written) when a locked .deb cannot be downloaded, instead of "
        "recording it under 'unavailable' with a warning",
    )

    parser = argparse.ArgumentParser(
        prog="python3 -m debian_package_manager",
        description="Lock Debian package sets for the distroless images.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    lock = commands.add_parser(
        "lock", parents=[common, network], help="resolve the config and write the locks"
    )
    lock.add_argument(
        "--force",
        action="store_true",
        help="re-lock even when the config, the InRelease files and the npm metadata are "
        "unchanged since the last lock (also probes the .debs' availability again)",
    )
    update = commands.add_parser(
        "update",
        parents=[common, network],
        help="re-lock against the newest archive state and print what changed",
    )
    update.add_argument(
        "--snapshot",
        metavar="TIMESTAMP",
        help="move the selected releases to this snapshot (YYYYMMDDTHHMMSSZ, or 'now'); "
        "the config's snapshot: lines are rewritten once the new locks succeed",
    )
    commands.add_parser(
        "check", parents=[common], help="fail when a lock does not match the config"
    )
    why = commands.add_parser("why", parents=[common], help="why a package is in the locks")
    why.add_argument("package")
    why.add_argument("--set", dest="set_name", help="only this set")
    why.add_argument("--arch", help="only this architecture (distroless name, e.g. arm)")
    diff = commands.add_parser("diff", help="compare two lock files")
    diff.add_argument("old", type=Path)
    diff.add_argument("new", type=Path)
    diff.add_argument(
        "--exit-code", action="store_true", help="exit 1 when the locks differ (like git diff)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    progress = Progress(quiet=getattr(args, "quiet", False))
    try:
        return COMMANDS[args.command](args, progress)
    except DpmError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted; no lock was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of ours. Point stdout at devnull so
        # the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _selected(config: Config, args: argparse.Namespace) -> list[str]:
    names = args.releases or list(config.releases)
    for name in names:
        config.release(name)  # raises with close matches when unknown
    return names


def _locks_dir(config: Config, args: argparse.Namespace) -> Path:
    return Path(args.locks_dir) if args.locks_dir else config.path.parent / "locks"


def _downloader(args: argparse.Namespace, progress: Progress) -> Downloader:
    from debian_package_manager.cache import HashCache, default_cache_dir
    from debian_package_manager.fetch import Downloader

    cache = HashCache(args.cache_dir or default_cache_dir())
    return Downloader(
        cache, progress, retries=args.retries, retry_delay=args.retry_delay, jobs=args.jobs
    )


def _lock_all(
    args: argparse.Namespace,
    progress: Progress,
    downloader: Downloader,
    config: Config,
    names: list[str],
) -> dict[str, bytes]:
    """Lock the named releases; returns the serialized documents (nothing written)."""
    from debian_package_manager.locker import LockOptions, lock_releases
    from debian_package_manager.lockfile import serialize

    options = LockOptions(
        allow_expired=args.allow_expired, require_available=args.require_available
    )
    if args.allow_expired:
        progress.warn("--allow-expired: Release files past Valid-Until will be accepted")
    started = time.monotonic()
    # Locking builds millions of small objects from the indexes, none of them garbage: the
    # cyclic collector would only re-scan them (it tripled the time of loading a cached index).
    # Reference counting still frees everything. Switched back on for in-process callers.
    collecting = gc.isenabled()
    gc.disable()
    # A thread back from decompressing or hashing (without the GIL) waits for a thread that
    # scans (with it) for up to the switch interval, once per block of every index: 0.5 ms
    # instead of 5 ms made a cold lock of the python3 set 1.67-1.84 s instead of 1.87-1.98 s
    # (five runs each, alternating, load 0.7); a warm one stayed at 0.6-0.7 s.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    try:
        documents = lock_releases(
            [config.release(name) for name in names],
            downloader,
            options,
            progress.step,
            progress.warn,
        )
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
    progress.step(f"{', '.join(names)}: locked in {time.monotonic() - started:.1f}s")
    return {name: serialize(document) for name, document in documents.items()}


def _write_locks(
    config: Config,
    args: argparse.Namespace,
    downloader: Downloader,
    documents: dict[str, bytes],
    progress: Progress | None,
) -> None:
    """Write the locks, each with the stamp that lets the next `lock` stop early."""
    from debian_package_manager import freshness, npm
    from debian_package_manager.lockfile import lock_path, write_atomic

    tool = freshness.tool_fingerprint()
    for name, data in documents.items():
        path = lock_path(_locks_dir(config, args), name)
        write_atomic(path, data)
        urls = npm.metadata_urls(config.release(name).npm)
        stamp = freshness.Stamp(
            tool=tool,
            npm={
                url: hashlib.sha256(npm.fetch_metadata(downloader, url)).hexdigest() for url in urls
            },
        )
        freshness.record(downloader.cache, data, stamp)
        if progress is not None:
            progress.step(f"wrote {path}")


def _stale(
    config: Config,
    names: list[str],
    args: argparse.Namespace,
    downloader: Downloader,
    progress: Progress,
) -> list[str]:
    """The releases whose lock a new run would change (see freshness.py); says why."""
    from debian_package_manager import freshness
    from debian_package_manager.lockfile import lock_path

    now = datetime.now(UTC)
    stale = []
    for name in names:
        path = lock_path(_locks_dir(config, args), name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = None
        reason = freshness.why_relock(
            config.release(name),
            data,
            downloader,
            args.allow_expired,
            now,
            progress.warn,
        )
        if reason is None:
            progress.step(
                f"{path}: up to date (config, InRelease files and npm metadata unchanged); "
                f"nothing to do (--force re-locks anyway)"
            )
        else:
            progress.step(f"{name}: locking: {reason}")
            stale.append(name)
    return stale


def cmd_lock(args: argparse.Namespace, progress: Progress) -> int:
    from debian_package_manager.config import load_config

    config = load_config(args.config)
    names = _selected(config, args)
    downloader = _downloader(args, progress)
    if not args.force:
        names = _stale(config, names, args, downloader, progress)
        if not names:
            return 0
    documents = _lock_all(args, progress, downloader, config, names)
    # Written only once every release locked: a failure leaves all old locks in place.
    _write_locks(config, args, downloader, documents, progress)
    return 0


def cmd_update(args: argparse.Namespace, progress: Progress) -> int:
    from debian_package_manager.config import load_config, load_config_text
    from debian_package_manager.config_edit import with_snapshot
    from debian_package_manager.errors import ConfigError
    from debian_package_manager.lockfile import lock_path, write_atomic
    from debian_package_manager.report import diff_locks

    config = None
    new_text = None
    if args.snapshot:
        snapshot = args.snapshot
        if snapshot == "now":
            snapshot = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = Path(args.config)
        try:
            new_text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"cannot read config {path}: {error.strerror}") from None
        current = load_config(path)
        if current.base is not None:
            raise ConfigError(
                f"{path} takes its releases from {current.base.description}, snapshots "
                f"included: --snapshot moves only a config's own releases"
            )
        for name in _selected(current, args):
            new_text = with_snapshot(new_text, name, snapshot, path)
        config = load_config_text(new_text, path)
    config = config or load_config(args.config)
    names = _selected(config, args)
    downloader = _downloader(args, progress)
    documents = _lock_all(args, progress, downloader, config, names)
    if new_text is not None:
        write_atomic(config.path, new_text.encode())
        progress.step(f"{config.path}: snapshot set to {args.snapshot}")
    changed = False
    for name, data in documents.items():
        path = lock_path(_locks_dir(config, args), name)
        old = json.loads(path.read_text()) if path.exists() else {"release": name}
        lines = diff_locks(old, json.loads(data))
        if lines:
            changed = True
            print("\n".join(lines))
    _write_locks(config, args, downloader, documents, None)
    if not changed:
        print("no changes")
    return 0


def cmd_check(args: argparse.Namespace, progress: Progress) -> int:
    from debian_package_manager.config import load_config
    from debian_package_manager.lockfile import check_lock, lock_path, read_lock

    config = load_config(args.config)
    for name in _selected(config, args):
        path = lock_path(_locks_dir(config, args), name)
        check_lock(read_lock(path), config.release(name).config_sha256, path)
        progress.step(f"{path}: up to date")
    return 0


def cmd_why(args: argparse.Namespace, progress: Progress) -> int:
    from debian_package_manager.config import load_config
    from debian_package_manager.lockfile import lock_path, read_lock
    from debian_package_manager.report import explain

    config = load_config(args.config)
    names = _selected(config, args)
    documents = [read_lock(lock_path(_locks_dir(config, args), name)) for name in names]
    reasons = {
        (release, spec.name): spec.exclude
        for release in names
        for spec in config.release(release).sets
    }
    for line in explain(documents, args.package, reasons, args.set_name, args.arch):
        print(line)
    return 0


def cmd_diff(args: argparse.Namespace, progress: Progress) -> int:
    from debian_package_manager.lockfile import read_lock
    from debian_package_manager.report import diff_locks

    lines = diff_locks(read_lock(args.old), read_lock(args.new))
    print("\n".join(lines) if lines else "no changes")
    return 1 if lines and args.exit_code else 0


COMMANDS = {
    "lock": cmd_lock,
    "update": cmd_update,
    "check": cmd_check,
    "why": cmd_why,
    "diff": cmd_diff,
}

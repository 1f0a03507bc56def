"""The lock pipeline for one release: fetch -> verify -> parse -> resolve -> lock document.

Each archive's InRelease is verified with gpgv, checked for suite and Valid-Until, and hashed
into the lock; each Packages index is fetched by-hash and checked against the sha256 listed in
that signed file; each .deb's sha256 is taken from that index. Nothing here writes files: the
CLI writes the finished documents, so a failure leaves the old locks untouched.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from debian_package_manager import availability, index_loader, index_worker
from debian_package_manager.archs import debian_arch
from debian_package_manager.config import ArchiveSpec, ReleaseSpec
from debian_package_manager.errors import VerificationError
from debian_package_manager.fetch import Downloader
from debian_package_manager.index_loader import IndexSource
from debian_package_manager.lockfile import LOCK_VERSION
from debian_package_manager.npm import lock_npm_set
from debian_package_manager.packages_index import BinaryPackage, SuitePackages
from debian_package_manager.release import (
    IndexFile,
    ReleaseInfo,
    check_suite,
    find_index,
    parse_release,
)
from debian_package_manager.resolve import BasePins, Resolution, build_index, resolve
from debian_package_manager.verify import check_valid_until, reference_time, verify_inrelease


@dataclass(frozen=True)
class LockOptions:
    allow_expired: bool = False  # --allow-expired: treat every archive as valid_until: ignore
    now: datetime | None = None  # reference time when no snapshot is used (tests set it)
    require_available: bool = False  # --require-available: an unavailable .deb is an error


@dataclass(frozen=True)
class ArchiveState:
    """One verified archive: where it was read, what its signed Release says."""

    spec: ArchiveSpec
    base_url: str  # snapshot URL when a snapshot is used, else the mirror
    inrelease_sha256: str
    signers: tuple[str, ...]
    release: ReleaseInfo
    valid_until_policy: str
    indexes: dict[str, tuple[IndexFile, ...]]  # distroless arch -> Packages index files


def archive_base_url(spec: ArchiveSpec, snapshot: str | None) -> str:
    if snapshot is None:
        return spec.mirror.url
    return f"{spec.mirror.snapshot_url}/{snapshot}"


def fetch_archive(
    release: ReleaseSpec,
    spec: ArchiveSpec,
    downloader: Downloader,
    options: LockOptions,
    warn: Callable[[str], None],
) -> ArchiveState:
    base = archive_base_url(spec, release.snapshot)
    url = f"{base}/dists/{spec.suite}/InRelease"
    data = downloader.get(url)
    signature = verify_inrelease(data, release.keyrings, url)
    info = parse_release(signature.signed_text, url)
    check_suite(info, spec.suite, url)
    policy = "ignore" if options.allow_expired else spec.valid_until
    reference, reference_name = reference_time(release.snapshot, options.now or datetime.now(UTC))
    check_valid_until(info.valid_until_utc, reference, reference_name, policy, url, warn)
    if not info.acquire_by_hash:
        raise VerificationError(
            f"{url} does not offer Acquire-By-Hash; by-hash downloads are required so the "
            f"index always matches the signed hash"
        )
    indexes = {}
    for arch in spec.architectures:
        arch_name = debian_arch(arch)
        if info.architectures and arch_name not in info.architectures:
            raise VerificationError(
                f"{spec.suite} does not carry {arch_name} (Architectures: "
                f"{' '.join(info.architectures)}); list this archive's 'architectures' in the "
                f"config without {arch}"
            )
        files = [find_index(info, component, arch_name, url) for component in spec.components]
        if not info.arch_all_in_arch_indexes:
            files += [find_index(info, component, "all", url) for component in spec.components]
        indexes[arch] = tuple(files)
    return ArchiveState(
        spec=spec,
        base_url=base,
        inrelease_sha256=hashlib.sha256(data).hexdigest(),
        signers=signature.signer_fingerprints,
        release=info,
        valid_until_policy=policy,
        indexes=indexes,
    )


def by_hash_url(state: ArchiveState, index: IndexFile) -> str:
    directory = index.path.rsplit("/", 1)[0]
    return f"{state.base_url}/dists/{state.spec.suite}/{directory}/by-hash/SHA256/{index.sha256}"


# Architectures whose indexes are loaded and resolved at once, over every release of a run. Each
# holds its indexes' scanned columns (about 30 MB for bookworm's amd64; the text stays in the
# cache entry's mapping) until its sets are resolved, so this bounds peak memory. Two keep both
# cores decompressing (zlib and lzma release the GIL). Measured on the python3 set, cold, from
# xz, alternating at load 3.5: 2.13-2.72 s with two, 2.65-2.78 s with one; peak 147 MB, 118 MB.
ARCH_WORKERS = 2


def index_sources(release: ReleaseSpec, states: list[ArchiveState]) -> dict[str, list[IndexSource]]:
    """Per architecture: the signed Packages indexes of every archive, in archive order."""
    sources: dict[str, list[IndexSource]] = {}
    for state in states:
        for arch, files in state.indexes.items():
            for index in files:
                plain_name = (
                    index.path.rsplit(".", 1)[0] if index.path.endswith((".xz", ".gz")) else None
                )
                sources.setdefault(arch, []).append(
                    IndexSource(
                        suite=state.spec.suite,
                        arch=arch,
                        url=by_hash_url(state, index),
                        compressed=index,
                        plain=state.release.sha256.get(plain_name) if plain_name else None,
                    )
                )
    return sources


def resolve_arch(
    release: ReleaseSpec, arch: str, suites: list[SuitePackages]
) -> dict[str, Resolution]:
    """Every set of the release on one architecture, from its archives' packages."""
    base_pins = None
    if release.base is not None:
        base_pins = BasePins(
            versions=release.base.versions.get(arch, {}),
            source=release.base.source,
            remedy=release.base.ref.remedy,
        )
    arch_index = build_index(release.name, arch, debian_arch(arch), suites, release.pins, base_pins)
    resolutions = {
        spec.name: resolve(arch_index, spec.name, spec.packages, spec.exclude, spec.no_dependencies)
        for spec in release.sets
        if arch in spec.architectures
    }
    for resolution in resolutions.values():
        for package in resolution.packages.values():
            package.to_row()  # parsed now, so that it lets go of its index's table
    return resolutions


def resolve_all(
    release: ReleaseSpec,
    sources: dict[str, list[IndexSource]],
    downloader: Downloader,
    arch_pool: Executor,
) -> dict[str, dict[str, Resolution]]:
    """Every architecture's resolutions, ARCH_WORKERS architectures at a time.

    An architecture's indexes are loaded side by side, each decompressed while it downloads:
    its big main index is the critical path, and the suites' small ones come along.
    """
    archs = [a for a in release.architectures if any(a in s.architectures for s in release.sets)]
    cache = downloader.cache
    workers = _start_index_workers([s for a in archs for s in sources.get(a, [])], downloader)

    def load(source: IndexSource) -> SuitePackages:
        if workers is not None and source in workers:
            workers.wait(source)  # then a cache hit, or read here if the worker gave up
        download = functools.partial(index_loader.fetch_index, downloader)
        table = index_loader.load_table(source, cache, download)
        return SuitePackages(table, source.suite, (debian_arch(source.arch), "all"))

    def arch_task(arch: str) -> dict[str, Resolution]:
        arch_sources = sources.get(arch, [])
        with ThreadPoolExecutor(max_workers=max(1, len(arch_sources))) as index_pool:
            lists = list(index_pool.map(load, arch_sources))
        return resolve_arch(release, arch, lists)

    futures = {arch: arch_pool.submit(arch_task, arch) for arch in archs}
    try:
        return {arch: future.result() for arch, future in futures.items()}
    finally:
        for future in futures.values():
            future.cancel()  # after a failure: do not start what is no longer needed
        if workers is not None:
            workers.close()


def _start_index_workers(
    sources: list[IndexSource], downloader: Downloader
) -> index_worker.IndexWorkers | None:
    """Worker processes for every other large uncached index (the lock reads the rest), in the
    order the architectures need them; None when there is nothing to share or no core for it."""
    large = [
        s
        for s in sources
        if s.compressed.size >= index_worker.MIN_SIZE
        and not index_loader.is_cached(s, downloader.cache)
    ]
    shared = large[1::2]
    if not shared or index_worker.worker_count() == 0:
        return None
    options = {
        "retries": downloader.retries,
        "retry_delay": downloader.retry_delay,
        "timeout": downloader.timeout,
        "jobs": downloader.jobs,
    }
    return index_worker.IndexWorkers(shared, downloader.cache.root, options)


def lock_releases(
    releases: list[ReleaseSpec],
    downloader: Downloader,
    options: LockOptions | None = None,
    step: Callable[[str], None] = lambda message: None,
    warn: Callable[[str], None] = lambda message: None,
) -> dict[str, dict[str, Any]]:
    """lock_release() of several releases at once: one's downloads and availability checks
    (network) overlap another's parsing (CPU). The first failure in release order is raised."""
    with ThreadPoolExecutor(max_workers=ARCH_WORKERS) as arch_pool:
        if len(releases) <= 1:
            return {
                release.name: lock_release(release, downloader, options, step, warn, arch_pool)
                for release in releases
            }
        with ThreadPoolExecutor(max_workers=len(releases)) as release_pool:
            futures = {
                release.name: release_pool.submit(
                    lock_release, release, downloader, options, step, warn, arch_pool
                )
                for release in releases
            }
            return {name: future.result() for name, future in futures.items()}


def lock_release(
    release: ReleaseSpec,
    downloader: Downloader,
    options: LockOptions | None = None,
    step: Callable[[str], None] = lambda message: None,
    warn: Callable[[str], None] = lambda message: None,
    arch_pool: Executor | None = None,
) -> dict[str, Any]:
    """The complete lock document of one release."""
    options = options or LockOptions()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as npm_pool:
        # npm tarballs are independent of the archives: downloaded while the indexes are.
        npm_future = npm_pool.submit(_lock_npm, release, downloader, step)
        states, resolutions = _lock_archives(release, downloader, options, step, warn, arch_pool)
        step(f"{release.name}: resolved in {time.monotonic() - started:.1f}s")
        npm = npm_future.result()
    document = build_document(release, states, resolutions, npm)

    checked = sum(len(entries) for entries in document["packages"].values())
    step(f"{release.name}: checking that the {checked} locked .debs can be downloaded")
    unavailable = availability.find_unavailable(document["packages"], downloader)
    if options.require_available:
        availability.require_available(release.name, unavailable)
    document["unavailable"] = unavailable
    document["unavailable_sets"] = availability.unavailable_sets(document["sets"], unavailable)
    for line in availability.summaries(
        release.name, document["packages"], unavailable, document["unavailable_sets"]
    ):
        warn(line)
    return document


def _lock_archives(
    release: ReleaseSpec,
    downloader: Downloader,
    options: LockOptions,
    step: Callable[[str], None],
    warn: Callable[[str], None],
    arch_pool: Executor | None,
) -> tuple[list[ArchiveState], dict[str, dict[str, Resolution]]]:
    """The verified archives and every architecture's resolutions."""
    step(f"{release.name} ({release.codename}): verifying {len(release.archives)} archives")
    with ThreadPoolExecutor(max_workers=max(1, downloader.jobs)) as pool:
        states = list(
            pool.map(
                lambda spec: fetch_archive(release, spec, downloader, options, warn),
                release.archives,
            )
        )
    sources = index_sources(release, states)
    total = sum(len(files) for files in sources.values())
    cached = sum(
        index_loader.is_cached(source, downloader.cache)
        for files in sources.values()
        for source in files
    )
    step(
        f"{release.name}: {total} Packages indexes ({cached} already parsed in the cache); "
        f"resolving {len(sources)} architectures"
    )
    if arch_pool is None:
        with ThreadPoolExecutor(max_workers=ARCH_WORKERS) as own_pool:
            return states, resolve_all(release, sources, downloader, own_pool)
    return states, resolve_all(release, sources, downloader, arch_pool)


def _lock_npm(
    release: ReleaseSpec, downloader: Downloader, step: Callable[[str], None]
) -> dict[str, dict[str, dict]]:
    npm = {}
    for spec in release.npm:
        step(f"{release.name}: locking npm set {spec.name}")
        npm[spec.name] = {
            arch: entry.to_json() for arch, entry in lock_npm_set(spec, downloader).items()
        }
    return npm


def build_document(
    release: ReleaseSpec,
    states: list[ArchiveState],
    resolutions: dict[str, dict[str, Resolution]],
    npm: dict[str, dict[str, dict]],
) -> dict[str, Any]:
    by_suite = {state.spec.suite: state for state in states}
    set_order = [spec.name for spec in release.sets]
    packages: dict[str, dict[str, dict]] = {}
    sets: dict[str, dict[str, list[str]]] = {}
    resolution_info: dict[str, dict[str, dict]] = {}
    for arch, per_set in resolutions.items():
        entries: dict[str, dict] = {}
        for set_name in set_order:
            if set_name not in per_set:
                continue
            result = per_set[set_name]
            sets.setdefault(set_name, {})[arch] = sorted(result.packages)
            resolution_info.setdefault(set_name, {})[arch] = {
                "parents": dict(sorted(result.parent.items())),
                "excluded": {name: sorted(set(by)) for name, by in sorted(result.excluded.items())},
            }
            for name, package in result.packages.items():
                entry = entries.get(name)
                if entry is None:
                    entries[name] = _entry(package, by_suite[package.suite], result, release)
                else:
                    entry["depends"] = sorted(set(entry["depends"]) | set(result.depends[name]))
        packages[arch] = dict(sorted(entries.items()))
    document: dict[str, Any] = {
        "lock_version": LOCK_VERSION,
        "release": release.name,
        "codename": release.codename,
        "debian_version": release.version,
        "config_sha256": release.config_sha256,
        "snapshot": release.snapshot,
        "archives": [_archive_json(state, release) for state in states],
        "architectures": list(release.architectures),
        "debian_architectures": {arch: debian_arch(arch) for arch in release.architectures},
        "packages": packages,
        "sets": sets,
        "resolution": resolution_info,
        "npm": npm,
    }
    if release.base is not None:
        document["base"] = release.base.to_json()
    return document


def _entry(
    package: BinaryPackage, state: ArchiveState, result: Resolution, release: ReleaseSpec
) -> dict[str, Any]:
    urls = []
    if release.snapshot is not None:
        urls.append(f"{state.base_url}/{package.filename}")
    urls.append(f"{state.spec.mirror.url}/{package.filename}")
    return {
        "name": package.name,
        "version": package.version,
        "arch": package.architecture,
        "sha256": package.sha256,
        "size": package.size,
        "filename": package.filename,
        "urls": urls,
        "source": package.source,
        "source_version": package.source_version,
        "suite": package.suite,
        "section": package.section,
        "priority": package.priority,
        "multi_arch": package.multi_arch,
        "depends": list(result.depends[package.name]),
        "reason": result.reason(package.name),
    }


def _archive_json(state: ArchiveState, release: ReleaseSpec) -> dict[str, Any]:
    return {
        "suite": state.spec.suite,
        "codename": state.release.codename,
        "mirror": state.spec.mirror.url,
        "snapshot": release.snapshot,
        "url": state.base_url,
        "components": list(state.spec.components),
        "architectures": list(state.spec.architectures),
        "inrelease_sha256": state.inrelease_sha256,
        "signed_by": list(state.signers),
        "date": state.release.date,
        "valid_until": state.release.valid_until,
        "valid_until_policy": state.valid_until_policy,
        "indexes": {
            arch: [
                {"path": index.path, "sha256": index.sha256, "size": index.size} for index in files
            ]
            for arch, files in sorted(state.indexes.items())
        },
    }

"""Compare the committed locks with what `apt-get install -s` picks, set by set.

apt runs with private state (empty dpkg status, its own lists and sources built from the
config's archives for that architecture), so nothing on the host changes and no root file
system is needed. For every set, apt's selection must contain the lock's, with the same
versions; what apt has beyond the lock must be the config's exclusions and what only they
pull in (that part is printed for review).

Usage: python3 benchmarks/compare_with_apt.py [--release debian12] [--arch amd64]
Needs apt-get (a Debian host) and the network to the archive.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from debian_package_manager.archs import debian_arch  # noqa: E402
from debian_package_manager.config import ReleaseSpec, load_config  # noqa: E402


def apt_config(root: Path, release: ReleaseSpec, arch: str) -> Path:
    for sub in ("lists/partial", "cache/archives/partial", "etc/apt.conf.d", "etc/preferences.d"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "status").write_text("")
    keyrings = " ".join(release.keyrings)
    sources = [
        f"deb [signed-by={keyrings}] {archive.mirror.url} {archive.suite} "
        + " ".join(archive.components)
        for archive in release.archives
        if arch in archive.architectures
    ]
    (root / "etc/sources.list").write_text("\n".join(sources) + "\n")
    settings = {
        "Dir::State": root / "state",
        "Dir::State::Lists": root / "lists",
        "Dir::State::status": root / "status",
        "Dir::Cache": root / "cache",
        "Dir::Etc": root / "etc",
        "Dir::Etc::SourceList": root / "etc/sources.list",
        "Dir::Etc::SourceParts": root / "etc/sources.list.d",
        "Dir::Etc::Parts": root / "etc/apt.conf.d",
        "Dir::Etc::Preferences": root / "etc/preferences.d",
        "Dir::Etc::PreferencesParts": root / "etc/preferences.d",
        "APT::Architecture": debian_arch(arch),
        "APT::Install-Recommends": "false",
        "Acquire::Languages": "none",
        # Like the lock tool: the plain index paths of some mirrors serve stale files.
        "Acquire::By-Hash": "force",
        # The lock tool enforces Valid-Until itself; here only the selection matters.
        "Acquire::Check-Valid-Until": "false",
    }
    path = root / "apt.conf"
    lines = [f'{key} "{value}";' for key, value in settings.items()]
    lines.append(f'APT::Architectures {{ "{debian_arch(arch)}"; }};')
    path.write_text("\n".join(lines) + "\n")
    return path


def apt(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, APT_CONFIG=str(config), LC_ALL="C")
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env)


def compare(release: ReleaseSpec, lock: dict, arch: str) -> bool:
    ok = True
    with tempfile.TemporaryDirectory(prefix="dpm-apt-") as temp:
        config = apt_config(Path(temp), release, arch)
        update = apt(config, "update", "-qq")
        if update.returncode:
            print(f"{release.name}/{arch}: apt-get update failed: {update.stderr.strip()}")
            return False
        for spec in release.sets:
            if arch not in spec.architectures:
                continue
            result = apt(config, "install", "-s", *spec.packages)
            if result.returncode:
                print(f"{release.name}/{arch} {spec.name}: apt failed: {result.stderr.strip()}")
                ok = False
                continue
            chosen = dict(re.findall(r"^Inst (\S+) \((\S+) ", result.stdout, re.MULTILINE))
            ours = {
                name: lock["packages"][arch][name]["version"]
                for name in lock["sets"][spec.name][arch]
            }
            only_ours = sorted(set(ours) - set(chosen))
            versions = sorted(
                f"{name} {ours[name]} (apt {chosen[name]})"
                for name in set(ours) & set(chosen)
                if ours[name] != chosen[name]
            )
            extra = sorted(set(chosen) - set(ours))
            verdict = "OK" if not only_ours and not versions else "MISMATCH"
            ok &= verdict == "OK"
            print(
                f"{release.name}/{arch} {spec.name}: {verdict}: lock {len(ours)}, apt {len(chosen)}"
            )
            if only_ours:
                print(f"    only in the lock: {' '.join(only_ours)}")
            if versions:
                print(f"    other versions: {'; '.join(versions)}")
            if extra:
                print(f"    apt also installs (exclusions and their closure): {' '.join(extra)}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=REPO / "debian_packages.yaml")
    parser.add_argument("--release", action="append", dest="releases")
    parser.add_argument("--arch", action="append", dest="archs")
    args = parser.parse_args()
    config = load_config(args.config)
    ok = True
    for name in args.releases or list(config.releases):
        release = config.release(name)
        lock = json.loads((args.config.parent / "locks" / f"{name}.lock.json").read_text())
        for arch in args.archs or ["amd64"]:
            ok &= compare(release, lock, arch)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

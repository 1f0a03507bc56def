"""The build-time half of an image's SLSA provenance v1 predicate (https://slsa.dev/provenance/v1).

It holds what the build knows: the Bazel target, the pinned toolchain versions and every resolved
dependency (the release's lock file and each .deb or npm tarball by sha256 and URL, the same
package data the SBOMs list). The source repository and commit are not known inside the build
without stamping, which would tie actions to the work tree's state; the publisher adds them, with
runDetails, when it attests (private/publish/provenance.py). The images never depend on this file.
"""

from __future__ import annotations

import hashlib
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from private.sbom.components import Component

# Names the build template: "bazel build `target` in `workspace` of `repository` at `commit`,
# with the lock and packages of resolvedDependencies"; //:verify knows how to repeat it.
BUILD_TYPE = "https://distroless.invalid/provenance/bazel-build/v1"

# `bazel_dep(name = "rules_oci", version = "2.2.7")` lines of MODULE.bazel.
BAZEL_DEP = re.compile(r'bazel_dep\(\s*name\s*=\s*"([^"]+)"\s*,\s*version\s*=\s*"([^"]*)"')


@dataclass(frozen=True)
class Toolchain:
    """The versions a rebuild uses: .bazelversion, the module's bazel_deps, the tools' Python."""

    bazel: str
    modules: dict[str, str]
    python: str

    def as_json(self) -> dict:
        return {
            "bazel": self.bazel,
            "modules": dict(sorted(self.modules.items())),
            "python": self.python,
        }


def read_toolchain(module_file: Path, bazelversion: Path) -> Toolchain:
    return Toolchain(
        bazel=bazelversion.read_text().strip(),
        modules=dict(BAZEL_DEP.findall(module_file.read_text())),
        python=platform.python_version(),
    )


def file_dependency(name: str, path: Path) -> dict:
    """A file of the source tree (the lock) by its workspace path and sha256."""
    return {"name": name, "digest": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}


def package_dependency(component: Component) -> dict:
    """A .deb or npm tarball: its purl as identity, the URL it is downloaded from, its sha256."""
    return {
        "name": f"{component.name}@{component.version}",
        "uri": component.purl,
        "downloadLocation": component.download,
        "digest": {"sha256": component.sha256},
    }


def build_definition(
    target: str, lock: dict, components: list[Component], toolchain: Toolchain
) -> dict:
    """The predicate without the source (repository, commit, workspace) and runDetails."""
    packages = {(c.purl, c.sha256): c for c in components}
    return {
        "buildDefinition": {
            "buildType": BUILD_TYPE,
            "externalParameters": {"target": target},
            "internalParameters": {"toolchain": toolchain.as_json()},
            "resolvedDependencies": [lock]
            + [package_dependency(packages[k]) for k in sorted(packages)],
        }
    }

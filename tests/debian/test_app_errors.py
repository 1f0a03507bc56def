"""distroless_app's failures, as a downstream module sees them: a throw-away module outside this
repository (local_path_override, as in test_downstream_module.py, whose helpers run Bazel) with
a lock of its own, once per kind of mismatch between that lock and the distroless base image.

The locks are real ones: examples/add_package's debian12 lock (curl on distroless' `base` set,
made with `base: distroless`), edited where a test needs it, and this repository's debian13 lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.debian import test_downstream_module as downstream

REPO = downstream.REPO
pytestmark = downstream.pytestmark  # needs Bazel: skipped outside the toolchain root

APP_LOCK = json.loads((REPO / "examples/add_package/locks/debian12.lock.json").read_text())
BASE_LOCK = json.loads((REPO / "locks/debian12.lock.json").read_text())
BASE = "@distroless//base:base_nonroot_debian12"
RELOCK = "bazel run @distroless//debian_package_manager -- lock"

MODULE = f"""\
module(name = "downstream")

bazel_dep(name = "distroless", version = "0.0.0")
local_path_override(module_name = "distroless", path = "{REPO}")

debian = use_extension("@distroless//:extensions.bzl", "debian")
debian.lock(name = "downstream_app", lock = "//:app.lock.json")
use_repo(debian, "downstream_app")

host_tools = use_extension("@distroless//:extensions.bzl", "host_tools", dev_dependency = True)
use_repo(host_tools, "distroless_host_tools")
register_toolchains("@distroless_host_tools//:all", dev_dependency = True)
"""


def load_app(module: Path, lock: dict, sets: str = '["app"]'):
    """Loads a distroless_app of `lock`'s `sets` on the nonroot debian12 base: the macro's checks
    run when the BUILD file is loaded, so a query shows them without building anything."""
    module.joinpath("app.lock.json").write_text(json.dumps(lock))
    module.joinpath("MODULE.bazel").write_text(MODULE)
    module.joinpath("BUILD.bazel").write_text(
        'load("@distroless//:defs.bzl", "distroless_app")\n'
        'load("@downstream_app//:packages.bzl", app = "HUB")\n'
        f'distroless_app(name = "app", base = "{BASE}", hub = app, sets = {sets})\n'
    )
    return downstream.bazel(module, "query", "//:all")


def test_the_real_lock_loads(tmp_path):
    result = load_app(tmp_path, APP_LOCK)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_version_other_than_the_bases_names_both_and_the_relock_command(tmp_path):
    lock = json.loads(json.dumps(APP_LOCK))
    theirs = BASE_LOCK["packages"]["amd64"]["libc6"]["version"]
    assert lock["packages"]["amd64"]["libc6"]["version"] == theirs
    lock["packages"]["amd64"]["libc6"]["version"] = "2.36-9+deb12u99"
    result = load_app(tmp_path, lock)
    assert result.returncode != 0
    message = (
        f"app: libc6 is 2.36-9+deb12u99 in the lock @@//:app.lock.json but {theirs} in the base"
        f" image {BASE} (debian12, amd64); re-lock with `{RELOCK}`"
    )
    assert message in result.stderr, result.stderr[-3000:]


def test_a_lock_of_another_release_names_the_release_to_lock(tmp_path):
    lock = json.loads((REPO / "locks/debian13.lock.json").read_text())
    result = load_app(tmp_path, lock, sets='["base"]')
    assert result.returncode != 0
    message = (
        "app: the lock @@//:app.lock.json is for debian13, but the base image is debian12;"
        f" lock the debian12 release ({RELOCK}) and register that lock"
    )
    assert message in result.stderr, result.stderr[-3000:]


@pytest.mark.parametrize("missing", ["ap", "base"])
def test_a_set_not_in_the_lock_lists_the_locks_sets(tmp_path, missing):
    # `base` is a set of distroless' config, not of this lock: base: distroless locks only the
    # module's own sets.
    result = load_app(tmp_path, APP_LOCK, sets=f'["{missing}"]')
    assert result.returncode != 0
    message = (
        f'debian12: no package set "{missing}" in the lock @@//:app.lock.json (it has app);'
        " add it to debian_packages.yaml and run"
        " `bazel run @distroless//debian_package_manager -- lock`"
    )
    assert message in result.stderr, result.stderr[-3000:]

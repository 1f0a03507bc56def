"""Entry point of ``python3 -m debian_package_manager`` and of
``bazel run @distroless//debian_package_manager -- COMMAND ...``."""

import os
import sys

from debian_package_manager.cli import main


def run() -> int:
    # `bazel run` starts the tool in its runfiles tree: relative paths in the arguments (--config,
    # --locks-dir, diff's files) and the defaults (debian_packages.yaml, locks/) mean the
    # workspace the command was typed in, which Bazel names in BUILD_WORKSPACE_DIRECTORY.
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if workspace:
        os.chdir(workspace)
    return main()


if __name__ == "__main__":
    sys.exit(run())

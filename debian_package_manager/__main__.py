"""Entry point of ``python3 -m debian_package_manager`` and of
``bazel run @distroless//debian_package_manager -- COMMAND ...``."""

import os
import sys
from typing import NoReturn

from debian_package_manager.cli import main


def run() -> NoReturn:
    # `bazel run` starts the tool in its runfiles tree: relative paths in the arguments (--config,
    # --locks-dir, diff's files) and the defaults (debian_packages.yaml, locks/) mean the
    # workspace the command was typed in, which Bazel names in BUILD_WORKSPACE_DIRECTORY.
    workspace = os.environ.get("BUILD_WORKSPACE_DIRECTORY")
    if workspace:
        os.chdir(workspace)
    status = main()
    # Every file is written and closed by now (locks are renamed into place). The interpreter's
    # own teardown would free, one by one, the hundreds of thousands of objects the indexes
    # left: 0.07-0.18 s, up to a third of a warm re-lock. Nothing of it is needed.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()

"""Entry point of ``python3 -m debian_package_manager``."""

import sys

from debian_package_manager.cli import main

if __name__ == "__main__":
    sys.exit(main())

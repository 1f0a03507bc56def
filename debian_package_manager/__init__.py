"""Lock Debian package sets (and a few npm-hosted archives) for the distroless images.

The pipeline, one module per step: config -> fetch -> verify/release -> packages_index ->
resolve -> lockfile; cli.py is the only place that talks to the user.
"""

__version__ = "0.1.0"

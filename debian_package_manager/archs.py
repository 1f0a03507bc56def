"""Architecture names: distroless' names in config and locks, Debian's on the archive."""

from debian_package_manager.errors import ConfigError

# distroless / OCI name -> Debian architecture name.
DEBIAN_ARCH = {
    "amd64": "amd64",
    "arm64": "arm64",
    "arm": "armhf",
    "s390x": "s390x",
    "ppc64le": "ppc64el",
    "riscv64": "riscv64",
    "386": "i386",
}
DISTROLESS_ARCH = {debian: distroless for distroless, debian in DEBIAN_ARCH.items()}


def debian_arch(arch: str) -> str:
    """Debian's name for a distroless architecture name."""
    try:
        return DEBIAN_ARCH[arch]
    except KeyError:
        known = ", ".join(DEBIAN_ARCH)
        hint = f" (did you mean {DISTROLESS_ARCH[arch]!r}?)" if arch in DISTROLESS_ARCH else ""
        raise ConfigError(f"unknown architecture {arch!r}{hint}; known: {known}") from None

"""OCI platform variants of the architectures (distroless: arm is arm/v7, arm64 is arm64/v8).

Debian's names of the architectures come from the lock (`debian_architectures`), written by the
lock tool's one map."""

OCI_VARIANT = {"amd64": None, "arm64": "v8", "arm": "v7", "s390x": None, "ppc64le": None, "riscv64": None}

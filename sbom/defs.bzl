"""Public API: SBOMs of the distroless images (see private/sbom/sbom.bzl)."""

load("//private/sbom:sbom.bzl", _DistrolessSbomInfo = "DistrolessSbomInfo", _distroless_sbom = "distroless_sbom")

DistrolessSbomInfo = _DistrolessSbomInfo
distroless_sbom = _distroless_sbom

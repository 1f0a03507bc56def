#!/usr/bin/env python3
"""The CA bundle /etc/ssl/certs/ca-certificates.crt from the ca-certificates .deb, as
update-ca-certificates would write it (without needing openssl in the image), with the package's
copyright file and dpkg status entry."""

from __future__ import annotations

import sys

from private.layers import layer_tool
from private.layers.tarball import Entry

CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"


def pem_certificates(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """(name, PEM) of every CA certificate the package ships, sorted like update-ca-certificates."""
    certs = sorted(
        (path.rsplit("/", 1)[1].removesuffix(".crt"), data)
        for path, data in files.items()
        if path.startswith("usr/share/ca-certificates/") and path.endswith(".crt")
    )
    if not certs:
        raise layer_tool.LayerError("ca-certificates: the package holds no certificates")
    return certs


def bundle(files: dict[str, bytes]) -> list[Entry]:
    certs = pem_certificates(files)
    return [
        Entry(CA_BUNDLE, content=b"".join(p if p.endswith(b"\n") else p + b"\n" for _, p in certs))
    ]


def entries(deb: str) -> list[Entry]:
    return layer_tool.package_part(deb, "ca-certificates", bundle)


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "deb", entries))

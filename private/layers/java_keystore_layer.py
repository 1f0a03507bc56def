#!/usr/bin/env python3
"""Java's CA keystore /etc/ssl/certs/java/cacerts (JKS, as Debian's ca-certificates-java writes
it) from the certificates of the ca-certificates .deb. It holds only the keystore: the images
that need it already hold the CA bundle layer."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import struct
import sys

from private.layers import layer_tool
from private.layers.ca_bundle_layer import pem_certificates
from private.layers.debfile import deb_files
from private.layers.tarball import Entry

JAVA_KEYSTORE = "etc/ssl/certs/java/cacerts"


def java_keystore(certs: list[tuple[str, bytes]], password: str = "changeit") -> bytes:
    """A JKS keystore of trusted certificates, as Debian's ca-certificates-java writes it."""
    body = io.BytesIO()
    body.write(struct.pack(">IIi", 0xFEEDFEED, 2, len(certs)))
    for name, pem in certs:
        der = base64.b64decode(b"".join(re.findall(rb"^[A-Za-z0-9+/=]+$", pem, re.MULTILINE)))
        alias = f"debian:{name}.pem".lower().encode()
        body.write(struct.pack(">I", 2))  # trusted certificate entry
        body.write(struct.pack(">H", len(alias)) + alias)
        body.write(struct.pack(">q", 0))  # creation time: fixed, for reproducibility
        body.write(struct.pack(">H", 5) + b"X.509")
        body.write(struct.pack(">I", len(der)) + der)
    data = body.getvalue()
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + data).digest()
    return data + digest


def entries(deb: str) -> list[Entry]:
    files, _, _ = deb_files(deb, "ca-certificates")
    return [Entry(JAVA_KEYSTORE, content=java_keystore(pem_certificates(files)))]


if __name__ == "__main__":
    sys.exit(layer_tool.main(sys.argv[1:], __doc__.splitlines()[0], "deb", entries))

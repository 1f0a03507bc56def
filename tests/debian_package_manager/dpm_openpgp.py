"""A throwaway OpenPGP signer for the test archive (RSA-2048, SHA-256, RFC 4880 packets).

Why not gpg: gpg needs gpg-agent to use a secret key, and the CI root has only gpg/gpgv.
The tests need just two things gpgv accepts: an exported public keyring (key, user ID,
self-signature) and clearsigned InRelease files, so they are built here from the RFC.
Verification in the tests is always done by the real gpgv.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import struct
from dataclasses import dataclass

# DER DigestInfo prefix of SHA-256 for EMSA-PKCS1-v1_5 (RFC 8017, section 9.2).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p**0.5) + 1))]


def _is_probable_prime(n: int, rounds: int = 32) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if _is_probable_prime(candidate):
            return candidate


def _mpi(value: int) -> bytes:
    return struct.pack(">H", value.bit_length()) + value.to_bytes(
        (value.bit_length() + 7) // 8, "big"
    )


def _packet(tag: int, body: bytes) -> bytes:
    """A new-format packet header (RFC 4880 4.2.2) followed by the body."""
    length = len(body)
    if length < 192:
        header = bytes([length])
    elif length < 8384:
        length -= 192
        header = bytes([(length >> 8) + 192, length & 0xFF])
    else:
        header = b"\xff" + struct.pack(">I", length)
    return bytes([0xC0 | tag]) + header + body


def _subpacket(kind: int, data: bytes) -> bytes:
    return bytes([len(data) + 1, kind]) + data


@dataclass
class SigningKey:
    n: int
    e: int
    d: int
    created: int
    user_id: str

    @classmethod
    def generate(cls, user_id: str = "Throwaway Test Archive Key <test@example.invalid>"):
        e = 65537
        while True:
            p, q = _prime(1024), _prime(1024)
            phi = (p - 1) * (q - 1)
            if p != q and phi % e:
                break
        # Created a day ago so that signatures made "now" are never older than the key.
        import time

        return cls(
            n=p * q, e=e, d=pow(e, -1, phi), created=int(time.time()) - 86400, user_id=user_id
        )

    # -- key material -------------------------------------------------------------------

    def public_body(self) -> bytes:
        return b"\x04" + struct.pack(">I", self.created) + b"\x01" + _mpi(self.n) + _mpi(self.e)

    @property
    def fingerprint(self) -> bytes:
        body = self.public_body()
        return hashlib.sha1(b"\x99" + struct.pack(">H", len(body)) + body).digest()

    @property
    def key_id(self) -> bytes:
        return self.fingerprint[-8:]

    def _sign(self, sig_type: int, data: bytes, created: int, extra_hashed: bytes = b"") -> bytes:
        hashed = (
            _subpacket(2, struct.pack(">I", created))
            + _subpacket(33, b"\x04" + self.fingerprint)
            + extra_hashed
        )
        header = bytes([4, sig_type, 1, 8]) + struct.pack(">H", len(hashed)) + hashed
        trailer = b"\x04\xff" + struct.pack(">I", len(header))
        digest = hashlib.sha256(data + header + trailer).digest()
        encoded = _SHA256_PREFIX + digest
        size = (self.n.bit_length() + 7) // 8
        block = b"\x00\x01" + b"\xff" * (size - len(encoded) - 3) + b"\x00" + encoded
        signature = pow(int.from_bytes(block, "big"), self.d, self.n)
        unhashed = _subpacket(16, self.key_id)
        body = header + struct.pack(">H", len(unhashed)) + unhashed + digest[:2] + _mpi(signature)
        return _packet(2, body)

    def public_keyring(self) -> bytes:
        """What `gpg --export` writes: key, user ID and a positive self-certification."""
        body = self.public_body()
        user_id = self.user_id.encode()
        certified = (
            b"\x99"
            + struct.pack(">H", len(body))
            + body
            + b"\xb4"
            + struct.pack(">I", len(user_id))
            + user_id
        )
        key_flags = _subpacket(27, b"\x03")  # may certify and sign
        self_signature = self._sign(0x13, certified, self.created, key_flags)
        return _packet(6, body) + _packet(13, user_id) + self_signature

    def clearsign(self, text: str, created: int | None = None) -> bytes:
        """An InRelease-style clearsigned message of `text` (RFC 4880 section 7)."""
        import time

        lines = text.rstrip("\n").split("\n")
        # The signature covers canonical text: CRLF line ends, trailing blanks removed.
        canonical = "\r\n".join(line.rstrip(" \t") for line in lines).encode()
        signature = self._sign(0x01, canonical, created or int(time.time()) - 60)
        escaped = "\n".join(("- " + line) if line.startswith("-") else line for line in lines)
        armored = base64.b64encode(signature).decode()
        wrapped = "\n".join(armored[i : i + 64] for i in range(0, len(armored), 64))
        checksum = base64.b64encode(_crc24(signature).to_bytes(3, "big")).decode()
        return (
            "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
            f"{escaped}\n"
            "-----BEGIN PGP SIGNATURE-----\n\n"
            f"{wrapped}\n={checksum}\n"
            "-----END PGP SIGNATURE-----\n"
        ).encode()


def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF

"""Decompress a Packages index block by block, as its download arrives, handing each piece
of text on as it comes out.

The signed Release gives the decompressed size: a stream that would decompress to more is cut
off, not inflated. (Without a signed size an index is only inflated after its download
verified.) Decompressing while downloading overlaps the two (xz needs about as long for an
index as the network does to deliver it); lzma, zlib and bz2 release the GIL.

Blocks arrive before the download's hash is checked, so an error here is kept, not raised:
result() raises it only once the caller has seen the download verify, and a mirror serving
other bytes is then reported as a hash mismatch, as it should be.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Callable
from typing import Protocol


class InflateError(Exception):
    """The file does not decompress to an index of the signed size."""


class _Decompressor(Protocol):
    eof: bool
    unused_data: bytes

    def decompress(self, data: bytes, max_length: int = -1) -> bytes: ...


class _Plain:
    """An uncompressed index: its blocks as they are. It has no end-of-stream marker: its
    end is the end of the file."""

    eof = False
    unused_data = b""

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return data


_MAGIC_LENGTH = 6


def _decompressor(magic: bytes) -> _Decompressor:
    if magic.startswith(b"\xfd7zXZ"):
        return lzma.LZMADecompressor(lzma.FORMAT_XZ)
    if magic.startswith(b"\x1f\x8b"):
        return _Zlib(zlib.decompressobj(wbits=31))
    if magic.startswith(b"BZh"):
        return bz2.BZ2Decompressor()
    return _Plain()


class _Zlib:
    """zlib's decompress object with lzma's interface (zlib calls unused input a tail)."""

    def __init__(self, inner):
        self._inner = inner

    @property
    def eof(self) -> bool:
        return self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    def decompress(self, data: bytes, max_length: int = -1) -> bytes:
        return self._inner.decompress(data, max(max_length, 0))


class Inflater:
    """feed() every block of the compressed file in order, then finish(); `sink` gets the
    decompressed text piece by piece. Concatenated streams (gzip members, xz streams) are
    followed. An error of `sink` is kept like a decompression error."""

    def __init__(self, size: int | None, sink: Callable[[bytes], None]):
        self._size = size
        self._sink = sink
        self._done = 0
        self._decompressor: _Decompressor | None = None
        self._pending = b""  # the start of a stream, until its magic is complete
        self._error: Exception | None = None

    def feed(self, block: bytes) -> None:
        self._guarded(block, final=False)

    def finish(self) -> None:
        """Raises what decompressing met, or that the text has not the signed size."""
        self._guarded(b"", final=True)
        if self._error is not None:
            raise InflateError(str(self._error) or type(self._error).__name__)
        stream = self._decompressor
        if stream is not None and not stream.eof and not isinstance(stream, _Plain):
            raise InflateError("the compressed file ends before its end-of-stream marker")
        if self._size is not None and self._done != self._size:
            raise InflateError(
                f"it decompresses to {self._done} bytes, not the signed {self._size}"
            )

    def _guarded(self, block: bytes, final: bool) -> None:
        if self._error is not None:
            return
        try:
            self._feed(block, final)
        except (lzma.LZMAError, zlib.error, OSError, EOFError, ValueError) as error:
            self._error = error

    def _feed(self, data: bytes, final: bool) -> None:
        if self._pending:
            data, self._pending = self._pending + data, b""
        while data:
            if self._decompressor is None or self._decompressor.eof:  # a (next) stream starts
                if len(data) < _MAGIC_LENGTH and not final:
                    self._pending = data  # too short to tell its format yet
                    return
                self._decompressor = _decompressor(data[:_MAGIC_LENGTH])
            if self._size is None:
                out = self._decompressor.decompress(data)
            else:
                room = self._size - self._done
                # One byte more than fits: output past the signed size is an error, not a copy.
                out = self._decompressor.decompress(data, room + 1)
                if len(out) > room:
                    raise ValueError(f"it decompresses to more than the signed {self._size} bytes")
            if out:
                self._sink(out)
            self._done += len(out)
            data = self._decompressor.unused_data if self._decompressor.eof else b""

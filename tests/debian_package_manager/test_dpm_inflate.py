"""Block-by-block decompression of an index into a buffer of its signed size."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os

import pytest

from debian_package_manager.inflate import InflateError, Inflater

DATA = os.urandom(2000).hex().encode() * 20
FORMATS = {"xz": lzma.compress, "gz": gzip.compress, "bz2": bz2.compress, "plain": bytes}


def _inflate(blocks, size):
    pieces = []
    inflater = Inflater(size, pieces.append)
    for block in blocks:
        inflater.feed(block)
    inflater.finish()
    return b"\n" + b"".join(pieces)


@pytest.mark.parametrize("compress", FORMATS.values(), ids=FORMATS.keys())
@pytest.mark.parametrize("block", [1, 5, 6, 4096, 1 << 20])
def test_blocks_of_any_size(compress, block):
    data = compress(DATA)
    blocks = [data[start : start + block] for start in range(0, len(data), block)]
    assert _inflate(blocks, len(DATA)) == b"\n" + DATA
    assert _inflate(blocks, None) == b"\n" + DATA  # no signed size: the buffer grows


@pytest.mark.parametrize("compress", [lzma.compress, gzip.compress, bz2.compress])
def test_concatenated_streams_and_truncation(compress):
    assert _inflate([compress(DATA[:999]) + compress(DATA[999:])], len(DATA)) == b"\n" + DATA
    with pytest.raises(InflateError, match="ends before its end-of-stream marker"):
        _inflate([compress(DATA)[:-20]], len(DATA))


@pytest.mark.parametrize("compress", FORMATS.values(), ids=FORMATS.keys())
def test_the_signed_size_is_exact(compress):
    with pytest.raises(InflateError, match=f"more than the signed {len(DATA) - 1} bytes"):
        _inflate([compress(DATA)], len(DATA) - 1)
    with pytest.raises(InflateError, match=f"to {len(DATA)} bytes, not the signed"):
        _inflate([compress(DATA)], len(DATA) + 1)


def test_a_bomb_is_not_inflated_past_the_signed_size():
    pieces = []
    inflater = Inflater(100, pieces.append)
    inflater.feed(lzma.compress(b"\0" * (1 << 26)))  # 64 MB from 10 kB
    with pytest.raises(InflateError, match="more than the signed 100 bytes"):
        inflater.finish()
    assert pieces == []  # the piece past the size was not handed on


def test_errors_wait_for_finish_and_later_blocks_are_ignored():
    pieces = []
    inflater = Inflater(len(DATA), pieces.append)
    inflater.feed(b"\xfd7zXZ\x00 not xz after all")
    inflater.feed(lzma.compress(DATA))
    assert pieces == []
    with pytest.raises(InflateError):
        inflater.finish()


def test_an_error_of_the_sink_is_kept_for_finish():
    def full(piece):
        raise OSError(28, "No space left on device")

    inflater = Inflater(len(DATA), full)
    inflater.feed(lzma.compress(DATA))
    with pytest.raises(InflateError, match="No space left"):
        inflater.finish()


def test_empty_plain_index():
    assert _inflate([], 0) == b"\n"

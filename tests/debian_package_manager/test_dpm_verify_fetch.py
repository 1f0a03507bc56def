"""gpgv status handling, Valid-Until policy, downloads (retries, cache, limits)."""

from __future__ import annotations

import hashlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from debian_package_manager import verify
from debian_package_manager.cache import HashCache
from debian_package_manager.errors import FetchError, NotFoundError, VerificationError
from debian_package_manager.fetch import Downloader, Expected
from debian_package_manager.verify import check_valid_until, verify_inrelease

# Status output of gpgv on Debian's InRelease with a keyring holding only one of the signing
# keys: gpgv exits 2, yet one signature is good.
PARTIAL_KEYRING_STATUS = """\
[GNUPG:] NEWSIG
[GNUPG:] ERRSIG 6ED0E7B82643E131 1 8 01 1795832180 9 -
[GNUPG:] NO_PUBKEY 6ED0E7B82643E131
[GNUPG:] NEWSIG
[GNUPG:] KEY_CONSIDERED B8E5F13176D2A7A75220028078DBA3BC47EF2265 0
[GNUPG:] GOODSIG 78DBA3BC47EF2265 Debian Archive Automatic Signing Key (13/trixie)
[GNUPG:] VALIDSIG B8E5F13176D2A7A75220028078DBA3BC47EF2265 2026-11-28 1795832193 0 4 0 1 8 01 \
04B54C3CDCA79751B16BC6B5225629DF75B188BD
"""


class FakeRun:
    def __init__(self, status: str, returncode: int, text: bytes = b"Origin: Debian\n"):
        self.status, self.returncode, self.text = status, returncode, text

    def __call__(self, command, **kwargs):
        output = command[command.index("--output") + 1]
        with open(output, "wb") as out:
            out.write(self.text)

        class Result:
            stdout = self.status.encode()
            stderr = b"gpgv: some message\n"
            returncode = self.returncode

        return Result()


@pytest.fixture
def keyring(tmp_path):
    path = tmp_path / "keyring.gpg"
    path.write_bytes(b"")
    return str(path)


def test_exit_status_2_with_a_good_signature_is_accepted(monkeypatch, keyring):
    monkeypatch.setattr(verify.subprocess, "run", FakeRun(PARTIAL_KEYRING_STATUS, 2))
    check = verify_inrelease(b"signed", (keyring,), "u")
    # The primary key's fingerprint (VALIDSIG's last field) is recorded.
    assert check.signer_fingerprints == ("04B54C3CDCA79751B16BC6B5225629DF75B188BD",)
    assert check.signed_text == b"Origin: Debian\n"


def test_goodsig_without_validsig_is_refused(monkeypatch, keyring):
    status = "[GNUPG:] GOODSIG 78DBA3BC47EF2265 Someone\n"
    monkeypatch.setattr(verify.subprocess, "run", FakeRun(status, 0))
    with pytest.raises(VerificationError, match="no good signature"):
        verify_inrelease(b"signed", (keyring,), "u")


def test_any_badsig_is_refused(monkeypatch, keyring):
    status = PARTIAL_KEYRING_STATUS + "[GNUPG:] BADSIG 1111222233334444 Mallory\n"
    monkeypatch.setattr(verify.subprocess, "run", FakeRun(status, 1))
    with pytest.raises(VerificationError, match="BAD signature .*1111222233334444"):
        verify_inrelease(b"signed", (keyring,), "u")


def test_missing_keyring(tmp_path):
    with pytest.raises(VerificationError, match="keyring .* does not exist"):
        verify_inrelease(b"x", (str(tmp_path / "none.gpg"),), "u")


def test_unsigned_file_with_real_gpgv(keyring):
    with pytest.raises(VerificationError, match="no good signature"):
        verify_inrelease(b"Origin: Debian\n", (keyring,), "http://x/InRelease")


def test_valid_until_policy():
    now = datetime(2026, 11, 29, tzinfo=UTC)
    warnings = []
    check_valid_until(now + timedelta(days=1), now, "now", "enforce", "u", warnings.append)
    check_valid_until(None, now, "now", "enforce", "u", warnings.append)
    assert warnings == []
    with pytest.raises(VerificationError, match="u expired: Valid-Until 2026-11-28"):
        check_valid_until(now - timedelta(days=1), now, "now", "enforce", "u", warnings.append)
    check_valid_until(now - timedelta(days=1), now, "now", "ignore", "u", warnings.append)
    assert len(warnings) == 1 and "valid_until: ignore" in warnings[0]


# --- downloads ------------------------------------------------------------------------------


@pytest.fixture
def files(archive, server):
    """A file in the served tree and its Expected."""
    path = archive.root / "blob.bin"
    data = bytes(range(256)) * 1000
    path.write_bytes(data)
    return "/blob.bin", data, Expected("sha256", hashlib.sha256(data).hexdigest(), len(data))


def downloader(tmp_path, **kwargs):
    return Downloader(HashCache(tmp_path / "cache"), retries=2, retry_delay=0.01, **kwargs)


def test_fetch_then_cache_hit(tmp_path, server, files):
    path, data, expected = files
    fetcher = downloader(tmp_path)
    first = fetcher.fetch(server.url + path, expected)
    assert first.read_bytes() == data
    assert fetcher.fetch(server.url + path, expected) == first
    assert server.requests == [path]  # the second call did not touch the network
    # A corrupted cache entry is detected (by the next run), dropped and fetched again.
    first.write_bytes(b"rotten")
    assert downloader(tmp_path).fetch(server.url + path, expected).read_bytes() == data
    assert server.requests == [path, path]


def test_retries_then_gives_up_with_the_url(tmp_path, server, files):
    path, _, expected = files
    server.faults[path] = "503"
    with pytest.raises(FetchError, match=r"blob.bin: HTTP 503 \(gave up after 3 attempts\)"):
        downloader(tmp_path).fetch(server.url + path, expected)
    assert server.requests == [path] * 3


def test_404_fails_at_once(tmp_path, server, files):
    path, _, expected = files
    server.faults[path] = "404"
    with pytest.raises(NotFoundError, match="HTTP 404") as caught:
        downloader(tmp_path).fetch(server.url + path, expected)
    assert caught.value.url == server.url + path
    assert server.requests == [path]


def test_larger_than_promised(tmp_path, server, files):
    path, data, expected = files
    server.faults[path] = data + b"extra"
    with pytest.raises(FetchError, match="larger than"):
        downloader(tmp_path).fetch(server.url + path, expected)


def test_connection_refused_is_transient(tmp_path):
    with pytest.raises(FetchError, match="cannot download http://127.0.0.1:9/x.*3 attempts"):
        downloader(tmp_path).get("http://127.0.0.1:9/x")


def test_measure_checks_and_hashes_without_keeping_the_file(tmp_path, server, files):
    path, data, expected = files
    fetcher = downloader(tmp_path)
    assert fetcher.measure(server.url + path, expected, "sha512") == (
        len(data),
        hashlib.sha512(data).hexdigest(),
    )
    assert not list((tmp_path / "cache").rglob("*"))  # nothing was written, not even a temp
    server.faults[path] = b"x" + data[1:]
    with pytest.raises(FetchError, match="sha256 mismatch"):
        fetcher.measure(server.url + path, expected, "sha512")


def test_once_computes_once_for_threads_asking_together(tmp_path):
    fetcher = downloader(tmp_path)
    calls = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.wait(5)
        return 42

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(fetcher.once, "key", slow) for _ in range(4)]
        time.sleep(0.05)  # all four are asking while the first computes
        started.set()
        assert [future.result() for future in futures] == [42] * 4
    assert calls == [1]

    def failing() -> int:
        raise FetchError("nope")

    for _ in range(2):  # the error is the answer, remembered like a result
        with pytest.raises(FetchError, match="nope"):
            fetcher.once("other", failing)


def test_parallel_fetch_keeps_order(tmp_path, server, archive):
    items = []
    for number in range(6):
        data = f"file {number}".encode() * 100
        (archive.root / f"f{number}").write_bytes(data)
        items.append(
            (f"{server.url}/f{number}", Expected("sha256", hashlib.sha256(data).hexdigest()))
        )
    paths = downloader(tmp_path, jobs=3).fetch_all(items)
    assert [p.read_bytes()[:6] for p in paths] == [f"file {n}".encode() for n in range(6)]

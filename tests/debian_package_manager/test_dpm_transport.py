"""The downloader's HTTP: kept-alive connections, redirects, truncation, time-outs, one address
lookup per host, proxies. Each test serves raw HTTP/1.1 from a loopback socket, so that it
controls exactly when connections close and what the bytes on the wire are."""

from __future__ import annotations

import base64
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from debian_package_manager.cache import HashCache
from debian_package_manager.errors import FetchError
from debian_package_manager.fetch import Downloader


class RawServer:
    """Accepts connections on 127.0.0.1 and hands each to handle(server, connection)."""

    def __init__(self, handle):
        self.handle = handle
        self.connections = 0
        self.requests: list[str] = []  # request line and headers, as received
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._run, args=(connection,), daemon=True).start()

    def _run(self, connection: socket.socket) -> None:
        with connection:
            try:
                self.handle(self, connection)
            except OSError:
                pass

    def read_request(self, connection: socket.socket) -> str | None:
        """The request head (a GET or HEAD has no body), or None when the client closed."""
        head = b""
        while b"\r\n\r\n" not in head:
            data = connection.recv(4096)
            if not data:
                return None
            head += data
        text = head.decode()
        self.requests.append(text)
        return text

    def close(self) -> None:
        self._socket.close()


@pytest.fixture
def serve():
    servers = []

    def start(handle) -> RawServer:
        servers.append(RawServer(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answer(body: bytes, status: str = "200 OK", headers: str = "") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\n{headers}\r\n"
    return head.encode() + body


def keep_alive(server: RawServer, connection: socket.socket) -> None:
    while (request := server.read_request(connection)) is not None:
        path = request.split()[1]
        connection.sendall(answer(f"body of {path}".encode()))


def downloader(tmp_path, **kwargs) -> Downloader:
    settings = {"retries": 0, "retry_delay": 0.01, **kwargs}
    return Downloader(HashCache(tmp_path / "cache"), **settings)


def test_connections_are_kept_alive_and_shared_by_threads(tmp_path, serve):
    server = serve(keep_alive)
    fetcher = downloader(tmp_path)
    assert fetcher.get(f"{server.url}/a") == b"body of /a"
    with ThreadPoolExecutor(1) as other_thread:
        assert other_thread.submit(fetcher.get, f"{server.url}/b").result() == b"body of /b"
    assert server.connections == 1


def test_a_kept_connection_the_server_closed_is_replaced_without_a_retry(tmp_path, serve):
    def one_answer_per_connection(server, connection):  # closes without saying so
        if server.read_request(connection) is not None:
            connection.sendall(answer(b"fresh"))

    server = serve(one_answer_per_connection)
    fetcher = downloader(tmp_path)  # no retries: the replacement is not one
    assert [fetcher.get(f"{server.url}/x") for _ in range(3)] == [b"fresh"] * 3
    assert server.connections == 3


def test_redirects_are_followed_for_get_and_head(tmp_path, serve):
    def redirect(server, connection):
        while (request := server.read_request(connection)) is not None:
            method, path = request.split()[:2]
            if path == "/old":
                connection.sendall(answer(b"", "301 Moved Permanently", "Location: /new\r\n"))
            elif method == "HEAD":
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
            else:
                connection.sendall(answer(b"moved"))

    server = serve(redirect)
    fetcher = downloader(tmp_path)
    assert fetcher.get(f"{server.url}/old") == b"moved"
    assert fetcher.availability([f"{server.url}/old"], "0" * 64, 5) is None
    assert [r.split()[:2] for r in server.requests] == [
        ["GET", "/old"],
        ["GET", "/new"],
        ["HEAD", "/old"],
        ["HEAD", "/new"],
    ]


def test_a_truncated_body_is_retried_then_reported(tmp_path, serve):
    def truncated(server, connection):
        if server.read_request(connection) is not None:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd")

    server = serve(truncated)
    with pytest.raises(FetchError, match=r"truncated download of .*/t.*gave up after 2 attempts"):
        downloader(tmp_path, retries=1).get(f"{server.url}/t")
    assert server.connections == 2


def test_a_server_that_does_not_answer_times_out(tmp_path, serve):
    def silent(server, connection):
        server.read_request(connection)
        connection.recv(1)  # until the client gives up

    server = serve(silent)
    with pytest.raises(FetchError, match=r"cannot download .*/slow: timed out"):
        downloader(tmp_path, timeout=0.3).get(f"{server.url}/slow")


def test_each_host_is_looked_up_once(tmp_path, serve, monkeypatch):
    server = serve(keep_alive)
    lookups = []
    real = socket.getaddrinfo

    def counted(host, *args, **kwargs):
        lookups.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counted)
    fetcher = downloader(tmp_path)
    url = f"http://localhost:{server.port}"
    with ThreadPoolExecutor(16) as pool:
        bodies = list(pool.map(fetcher.get, [f"{url}/{n}" for n in range(32)]))
    assert bodies == [f"body of /{n}".encode() for n in range(32)]
    assert lookups == ["localhost"]


def test_an_http_proxy_gets_the_whole_url_and_the_credentials(tmp_path, serve, monkeypatch):
    proxy = serve(keep_alive)
    monkeypatch.setenv("http_proxy", f"http://user:p%40ss@127.0.0.1:{proxy.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    # The host does not exist: only the proxy is ever looked up and connected to.
    body = downloader(tmp_path).get("http://mirror.invalid/debian/x")
    assert body == b"body of http://mirror.invalid/debian/x"
    (request,) = proxy.requests
    credentials = base64.b64encode(b"user:p@ss").decode()
    assert f"Proxy-Authorization: Basic {credentials}\r\n" in request


def test_no_proxy_names_hosts_reached_directly(tmp_path, serve, monkeypatch):
    server = serve(keep_alive)
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("no_proxy", "example.org,.localhost")
    assert downloader(tmp_path).get(f"http://localhost:{server.port}/d") == b"body of /d"


def test_https_goes_through_the_proxy_in_a_connect_tunnel(tmp_path, serve, monkeypatch):
    def tunnel(server, connection):
        if server.read_request(connection) is not None:
            connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            connection.sendall(b"not a TLS server hello")  # what the "mirror" answers

    proxy = serve(tunnel)
    monkeypatch.setenv("https_proxy", f"http://user:secret@127.0.0.1:{proxy.port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(FetchError, match="cannot download https://mirror.invalid/x"):
        downloader(tmp_path).get("https://mirror.invalid/x")
    (request,) = proxy.requests
    assert request.startswith("CONNECT mirror.invalid:443 HTTP/1.1\r\n")
    assert "Proxy-Authorization: Basic " + base64.b64encode(b"user:secret").decode() in request


def test_a_malformed_proxy_setting_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:1080")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with pytest.raises(FetchError, match="only http://host:port proxies are supported"):
        downloader(tmp_path).get("http://deb.debian.org/debian/x")

"""HTTP/1.1 for the downloader, on the standard library's http.client.

- Connections are kept alive in one pool that every thread of a run draws from; a kept
  connection the server has closed meanwhile is replaced once, at once (not a retry).
- Each host's address is looked up once per run. Sixteen availability probes starting together
  used to look deb.debian.org up sixteen times, and a resolver that drops a burst of queries
  (this project's CI machines': more than 16 at once) stalled them for its 5 s timeout.
- `http_proxy`, `https_proxy` and `no_proxy` (or their upper-case forms) are honoured as curl
  and apt's http method read them: an `http://[user:password@]host:port` proxy, https through
  a CONNECT tunnel.
- Redirects are followed (at most five), as they were with requests.
- Bodies are never compressed in transit (`Accept-Encoding: identity`): sizes and hashes are
  those of the files the signed indexes list.

Failures to connect, time-outs and connections cut mid-answer raise ConnectionFailed (a reason
for another try); an HTTP status is an answer, left to the caller.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import ssl
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Errors of a kept-alive connection the server closed while it was idle.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class ConnectionFailed(Exception):
    """No (whole) answer: connecting failed, timed out, or the connection was cut."""


@dataclass(frozen=True)
class _Route:
    """Where a request's connection goes: the server, or a proxy on the way to it."""

    scheme: str  # of the URL
    host: str
    port: int
    proxy: tuple[str, int] | None
    proxy_authorization: str | None

    def absolute_form(self) -> bool:
        """A plain-http request through a proxy names the whole URL."""
        return self.proxy is not None and self.scheme == "http"


class Response:
    """One answer: status and headers at once, the body read in blocks; close() when done."""

    def __init__(self, raw: http.client.HTTPResponse, release):
        self._raw = raw
        self._release = release
        self.status = raw.status
        self.reason = raw.reason

    def header(self, name: str) -> str | None:
        return self._raw.getheader(name)

    def read(self, size: int) -> bytes:
        try:
            return self._raw.read(size)
        except (OSError, http.client.HTTPException) as error:
            raise ConnectionFailed(_describe(error)) from None

    def close(self) -> None:
        """Give the connection back for the next request when the body was read to its end;
        otherwise close it (an unread body is never downloaded)."""
        reusable = self._raw.isclosed() and not self._raw.will_close
        self._raw.close()
        self._release(reusable)


class Transport:
    def __init__(self, timeout: float, user_agent: str):
        self.timeout = timeout
        self._headers = {"User-Agent": user_agent}
        self._context: ssl.SSLContext | None = None
        self._idle: dict[_Route, list[http.client.HTTPConnection]] = {}
        self._addresses: dict[tuple[str, int], Future] = {}
        self._lock = threading.Lock()

    def request(self, method: str, url: str, headers: dict[str, str]) -> Response:
        """Send the request, following redirects; the final answer, whatever its status."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send(method, url, headers)
            location = response.header("Location")
            if response.status not in REDIRECTS or not location:
                return response
            response.close()
            url = urljoin(url, location)
            if response.status == 303 and method != "HEAD":
                method = "GET"
        raise ConnectionFailed(f"more than {MAX_REDIRECTS} redirects")

    def _send(self, method: str, url: str, headers: dict[str, str]) -> Response:
        route, target = _route(url)
        all_headers = {**self._headers, **headers}
        if route.absolute_form() and route.proxy_authorization:
            all_headers["Proxy-Authorization"] = route.proxy_authorization
        while True:
            connection, kept = self._connection(route)
            try:
                connection.request(method, target, headers=all_headers)
                raw = connection.getresponse()
            except _STALE as error:
                connection.close()
                if kept:
                    continue  # closed by the server while idle: a new connection, once per kept one
                raise ConnectionFailed(_describe(error)) from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                raise ConnectionFailed(_describe(error)) from None

            def release(reusable: bool, connection=connection) -> None:
                if reusable:
                    with self._lock:
                        self._idle.setdefault(route, []).append(connection)
                else:
                    connection.close()

            return Response(raw, release)

    def _connection(self, route: _Route) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            idle = self._idle.get(route)
            if idle:
                return idle.pop(), True
        host, port = route.proxy or (route.host, route.port)
        if route.scheme == "https":
            if self._context is None:
                self._context = ssl.create_default_context()
            connection = http.client.HTTPSConnection(
                host, port, timeout=self.timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.timeout)
        if route.scheme == "https" and route.proxy is not None:
            tunnel = {"Proxy-Authorization": route.proxy_authorization}
            connection.set_tunnel(
                route.host, route.port, headers=tunnel if route.proxy_authorization else None
            )
        # http.client's hook for opening the socket: ours reuses the host's looked-up address.
        connection._create_connection = self._open_socket  # noqa: SLF001
        return connection, False

    def _open_socket(self, address: tuple[str, int], timeout: float, source_address=None):
        error: OSError | None = None
        for family, kind, protocol, _, socket_address in self._lookup(*address):
            sock = socket.socket(family, kind, protocol)
            try:
                sock.settimeout(timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.connect(socket_address)
                return sock
            except OSError as failed:
                sock.close()
                error = failed
        raise error or OSError(f"no address for {address[0]}")

    def _lookup(self, host: str, port: int) -> list:
        """getaddrinfo() once per host and port for the run; threads asking meanwhile wait."""
        with self._lock:
            future = self._addresses.get((host, port))
            owner = future is None
            if owner:
                future = self._addresses[(host, port)] = Future()
        if owner:
            try:
                future.set_result(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
            except OSError as error:
                with self._lock:
                    del self._addresses[(host, port)]  # the next try looks it up again
                future.set_exception(error)
        return future.result()


def _route(url: str) -> tuple[_Route, str]:
    """The route of a URL and the request target to send on it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    proxy, authorization = _proxy(parts.scheme, parts.hostname)
    route = _Route(parts.scheme, parts.hostname, port, proxy, authorization)
    if route.absolute_form():
        return route, url
    return route, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _proxy(scheme: str, host: str) -> tuple[tuple[str, int] | None, str | None]:
    """The proxy (host, port) and its Proxy-Authorization for a URL's scheme and host."""
    if _bypassed(host):
        return None, None
    value = os.environ.get(f"{scheme}_proxy") or os.environ.get(f"{scheme.upper()}_PROXY")
    if not value:
        return None, None
    parts = urlsplit(value if "://" in value else f"http://{value}")
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"{scheme}_proxy={value}: only http://host:port proxies are supported")
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = "Basic " + base64.b64encode(credentials.encode()).decode()
    return (parts.hostname, parts.port or 80), authorization


def _bypassed(host: str) -> bool:
    """no_proxy: a comma-separated list of host names (a name covers its subdomains; a leading
    dot is allowed) or "*"."""
    value = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    host = host.lower()
    for entry in value.split(","):
        entry = entry.strip().lower().lstrip(".").split(":")[0]
        if entry == "*" or (entry and (host == entry or host.endswith("." + entry))):
            return True
    return False


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror})"
    if isinstance(error, http.client.IncompleteRead):
        return f"connection closed after {len(error.partial)} bytes of the body"
    text = getattr(error, "strerror", None) or str(error)
    return text or type(error).__name__

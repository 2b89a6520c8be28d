"""Reading a few FHIR pages from the EHR's server for one CDS Hooks call, without becoming a way in.

A CDS Hooks request may carry ``fhirServer`` (and ``fhirAuthorization``) so that the service
can fetch what the prefetch left out. That URL comes from the caller, so a careless fetch
would let anyone make Lantern send requests (and a bearer token) wherever they like
(server-side request forgery). The rules here:

- fetch only from a base URL on the allow-list (``LANTERN_FHIR_SERVERS``; empty: never fetch),
  over https, except on loopback (127.0.0.1, ::1, localhost) for tests;
- every URL read, ``next`` links included, must be on that base: same scheme, host and
  port, and a path under the base path; anything else is refused, not followed;
- redirects are never followed (``http.client`` does not follow them), so the access token
  goes only to the allow-listed origin;
- one ``FhirFetcher`` serves one hook call and caps the pages, the bytes and the seconds of
  everything it reads; a timer shuts the socket at the deadline, so a server that answers
  slowly, or not at all, cannot hold the call longer. It blocks, so the service runs it in
  a worker thread, off the event loop.

Each refusal is a ``FetchRefusedError`` whose message is a plain reason for the card; neither the
token nor any resource is logged.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
DEFAULT_PORTS: Mapping[str, int] = MappingProxyType({"http": 80, "https": 443})
_CHUNK = 65_536


class FetchRefusedError(Exception):
    """A fetch Lantern will not make or could not finish; the message is the reason, in plain words."""


@dataclass(frozen=True)
class FetchLimits:
    """Caps for everything one hook call reads from the FHIR server."""

    pages: int = 20
    bytes: int = 5_000_000
    seconds: float = 5.0


@dataclass(frozen=True)
class Base:
    """A FHIR base URL taken apart: its origin (scheme, host, port) and its path without the final slash."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"

    def holds(self, url: str) -> bool:
        """Is ``url`` on this server: same origin and a path under the base path?"""
        try:
            other = parse_base(url, query_allowed=True)
        except FetchRefusedError:
            return False
        same_origin = (other.scheme, other.host, other.port) == (self.scheme, self.host, self.port)
        return same_origin and (other.path == self.path or other.path.startswith(self.path + "/"))


def parse_base(url: str, *, query_allowed: bool = False) -> Base:
    """``url`` as a ``Base``; refused when it is not an absolute http(s) URL without user name or password."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchRefusedError("the FHIR server address is not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise FetchRefusedError("the FHIR server address is not an http(s) URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise FetchRefusedError("the FHIR server address holds a user name, password or fragment")
    if parts.query and not query_allowed:
        raise FetchRefusedError("the FHIR server address holds a query")
    return Base(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme], parts.path.rstrip("/"))


def allowed_server(fhir_server: str, allow_list: Sequence[str]) -> Base:
    """The request's ``fhirServer`` if Lantern may fetch from it, else ``FetchRefusedError`` saying why."""
    if not allow_list:
        raise FetchRefusedError("fetching is off (no FHIR server is listed in LANTERN_FHIR_SERVERS)")
    base = parse_base(fhir_server)
    allowed: set[Base] = set()
    for entry in allow_list:
        try:
            allowed.add(parse_base(entry))
        except FetchRefusedError:
            continue  # a malformed entry allows nothing
    if base not in allowed:
        raise FetchRefusedError("the request's FHIR server is not listed in LANTERN_FHIR_SERVERS")
    if base.scheme != "https" and base.host not in LOOPBACK_HOSTS:
        raise FetchRefusedError("the FHIR server does not use https")
    return base


def next_link(bundle: Any) -> str | None:
    """The ``next`` link of a searchset Bundle, if it has one."""
    links = bundle.get("link") if isinstance(bundle, dict) else None
    for link in links if isinstance(links, list) else ():
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            return link["url"]
    return None


def _shut(sock: socket.socket) -> None:
    """Unblock a read stuck on ``sock`` (called by the deadline timer); the plain-socket shutdown also works for TLS."""
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@dataclass(frozen=True)
class SearchPages:
    """The rest of a paginated search: the entries of the pages read, how many pages, and why it stopped early."""

    entries: list[dict[str, Any]]
    pages: int
    stopped: str | None


class FhirFetcher:
    """Reads JSON from one allow-listed FHIR server for one hook call, within one budget of pages, bytes and time."""

    def __init__(self, base: Base, access_token: str | None, limits: FetchLimits | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base = base
        self._token = access_token
        self.limits = limits or FetchLimits()
        self._clock = clock
        self._deadline = clock() + self.limits.seconds
        self.pages = 0
        self.bytes = 0

    def read(self, relative: str) -> dict[str, Any]:
        """GET ``relative`` (e.g. ``Patient/123``, ``Condition?patient=123``) on the base URL."""
        return self.get(f"{self.base.url}/{relative.lstrip('/')}")

    def get(self, url: str) -> dict[str, Any]:
        """GET one absolute URL on the base; the JSON object it answers, or ``FetchRefusedError``."""
        if not self.base.holds(url):
            raise FetchRefusedError("a link pointed outside the EHR's FHIR server and was not followed")
        if self.pages >= self.limits.pages:
            raise FetchRefusedError(f"the limit of {self.limits.pages} pages per request was reached")
        remaining = self._deadline - self._clock()
        if remaining <= 0:
            raise FetchRefusedError(f"the time limit of {self.limits.seconds:g} seconds was reached")
        self.pages += 1
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = self._exchange(target, remaining)
        try:
            found = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise FetchRefusedError("the FHIR server's answer was not JSON") from exc
        if not isinstance(found, dict):
            raise FetchRefusedError("the FHIR server's answer was not a FHIR resource")
        return found

    def _connection(self, remaining: float) -> http.client.HTTPConnection:
        if self.base.scheme == "https":
            return http.client.HTTPSConnection(self.base.host, self.base.port, timeout=remaining,
                                               context=ssl.create_default_context())
        return http.client.HTTPConnection(self.base.host, self.base.port, timeout=remaining)

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/fhir+json", "User-Agent": "Lantern"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def _exchange(self, target: str, remaining: float) -> bytes:
        """One GET with a hard deadline: the socket is shut when the time is up, whatever the server does."""
        conn = self._connection(remaining)
        timer: threading.Timer | None = None
        try:
            conn.connect()
            assert conn.sock is not None
            timer = threading.Timer(max(self._deadline - self._clock(), 0.0), _shut, args=(conn.sock,))
            timer.daemon = True
            timer.start()
            conn.request("GET", target, headers=self._headers())
            body = self._body(conn.getresponse())
            if self._clock() >= self._deadline:  # the timer may have cut the answer short
                raise self._late()
            return body
        except FetchRefusedError:
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if self._clock() >= self._deadline or isinstance(exc, TimeoutError):
                raise self._late() from exc
            raise FetchRefusedError("the FHIR server could not be reached or its answer was cut off") from exc
        finally:
            if timer is not None:
                timer.cancel()
            conn.close()

    def _body(self, response: http.client.HTTPResponse) -> bytes:
        """The answer's body, refused when it is not a 200 or goes over the byte budget or the deadline."""
        if 300 <= response.status < 400:
            raise FetchRefusedError("the FHIR server answered with a redirect, which Lantern does not follow")
        if response.status != 200:
            raise FetchRefusedError(f"the FHIR server answered HTTP {response.status}")
        left = self.limits.bytes - self.bytes
        declared = response.getheader("Content-Length", "")
        if declared.isdigit() and int(declared) > left:
            raise FetchRefusedError(f"the answers were larger than the limit of {self.limits.bytes:,} bytes")
        body = bytearray()
        while chunk := response.read(_CHUNK):
            body += chunk
            self.bytes += len(chunk)
            if self.bytes > self.limits.bytes:
                raise FetchRefusedError(f"the answers were larger than the limit of {self.limits.bytes:,} bytes")
            if self._clock() >= self._deadline:
                raise self._late()
        return bytes(body)

    def _late(self) -> FetchRefusedError:
        return FetchRefusedError(f"the FHIR server did not answer within the time limit of "
                                 f"{self.limits.seconds:g} seconds")

    def rest_of_search(self, first_page: dict[str, Any]) -> SearchPages:
        """Follow ``next`` links from ``first_page`` until the last page or a cap; the entries of the pages read."""
        entries: list[dict[str, Any]] = []
        pages, link = 0, next_link(first_page)
        while link is not None:
            try:
                page = self.get(link)
            except FetchRefusedError as exc:
                return SearchPages(entries, pages, str(exc))
            found = page.get("entry", [])
            if page.get("resourceType") != "Bundle" or not isinstance(found, list):
                return SearchPages(entries, pages, "a page of results was not a FHIR Bundle")
            entries.extend(e for e in found if isinstance(e, dict))
            pages += 1
            link = next_link(page)
        return SearchPages(entries, pages, None)

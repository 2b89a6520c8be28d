"""A tiny FHIR server on 127.0.0.1 for the fetch tests: searchset pages with next links, reads, and misbehaviour.

``FakeFhir`` serves ``/fhir/<Type>?...`` searches from the pages it was given (page N links to
page N+1 with ``&page=N+1``) and ``/fhir/<Type>/<id>`` reads. ``mode`` makes it misbehave:
``redirect`` (302 to ``redirect_to``), ``hang`` (never answers until the test ends), ``trickle``
(a header sent one byte at a time, for ever), ``endless``
(every page links to one more), ``foreign-next`` (the next link points to ``redirect_to``).
Every request is recorded (path and Authorization header) so tests can count and inspect them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeFhir:
    """What the server answers, and what it was asked."""

    searches: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)
    reads: dict[str, dict[str, Any]] = field(default_factory=dict)
    mode: str = "normal"
    redirect_to: str = ""
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    base: str = ""

    def page(self, kind: str, query: str, number: int) -> dict[str, Any]:
        pages = self.searches.get(kind, [[]])
        resources = pages[number - 1] if number <= len(pages) else []
        bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                                  "entry": [{"resource": r} for r in resources]}
        more = self.mode == "endless" or number < len(pages)
        if more:
            target = self.redirect_to if self.mode == "foreign-next" else self.base
            rest = "&".join(p for p in query.split("&") if not p.startswith("page="))
            bundle["link"] = [{"relation": "self", "url": f"{self.base}/{kind}?{query}"},
                              {"relation": "next", "url": f"{target}/{kind}?{rest}&page={number + 1}"}]
        return bundle


def _handler(fake: FakeFhir) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_GET(self) -> None:
            fake.requests.append((self.path, self.headers.get("Authorization")))
            if fake.mode == "hang":
                fake.release.wait(30)
                return
            if fake.mode == "trickle":  # a header line that never ends, one byte at a time
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not fake.release.wait(0.05):
                    self.wfile.write(b"x")
                return
            if fake.mode == "redirect":
                self.send_response(302)
                self.send_header("Location", f"{fake.redirect_to}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._answer()

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            relative = parts.path.removeprefix("/fhir/")
            if "/" in relative:
                body = fake.reads.get(relative)
            else:
                number = int(parse_qs(parts.query).get("page", ["1"])[0])
                body = fake.page(relative, parts.query, number)
            data = json.dumps(body or {"resourceType": "OperationOutcome"}).encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve(fake: FakeFhir, host: str = "127.0.0.1") -> Iterator[FakeFhir]:
    """Run ``fake`` on a free port of ``host`` for the duration of the block; ``fake.base`` is its FHIR base URL."""
    server = ThreadingHTTPServer((host, 0), _handler(fake))
    server.daemon_threads = True
    fake.base = f"http://{host}:{server.server_address[1]}/fhir"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""The outer ASGI layer: the bearer-token check and one shape-only log line per request.

It sits outside routing so that no endpoint, and no unknown path, can be reached without
the token, and so that the log line is written for every answer, errors included. The
line holds the method, the endpoint (unknown paths are not echoed: they may hold an
identifier), the status, the time and the declared body size; never a value.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_response

log = logging.getLogger("lantern.service")


class Guard:
    """Bearer-token check (constant-time) and the per-request log line."""

    def __init__(self, app: ASGIApp, token: str | None, known_paths: Collection[str],
                 public_paths: Collection[str]) -> None:
        self.app = app
        self.token = token
        self.known_paths = frozenset(known_paths)
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        path = scope.get("path", "")
        if self.token and path not in self.public_paths and not self._authorised(scope):
            response = error_response(401, "This service needs 'Authorization: Bearer <token>' with the service's "
                                           "token.", {"WWW-Authenticate": 'Bearer realm="lantern"'})
            await response(scope, receive, sending)
        else:
            await self.app(scope, receive, sending)
        headers = dict(scope.get("headers") or [])
        size = headers.get(b"content-length", b"0").decode("latin-1")
        log.info("%s %s -> %d in %.0f ms (%s bytes in)", scope.get("method"),
                 path if path in self.known_paths else "(unknown path)", status[0],
                 (time.perf_counter() - start) * 1000, size if size.isdigit() else "?")

    def _authorised(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope.get("headers") or []:
            if name == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())
        return False

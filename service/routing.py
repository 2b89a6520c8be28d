"""How every endpoint reads its body and answers its failures (a FastAPI route class).

FastAPI would read the whole body before checking its size and would accept NaN, so the
route reads the body itself first: it stops at the size limit while the body streams in
(413), refuses text that is not UTF-8 JSON with one sentence (400), and only then hands
the parsed JSON to FastAPI, which validates it against the endpoint's pydantic model.
Validation errors become the model's plain sentence (``problem``); any other failure
becomes a 500 that logs only the exception's type, never a value from the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Protocol

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from service.errors import RequestError, error_response

log = logging.getLogger("lantern.service")

Endpoint = Callable[[Request], Coroutine[Any, Any, Response]]


class RequestModel(Protocol):
    """A request body model that can say, in one sentence, what is wrong with a body that fails it."""

    @classmethod
    def problem(cls, errors: Sequence[Mapping[str, Any]]) -> RequestError: ...


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def _too_large(limit: int) -> RequestError:
    return RequestError(413, f"The request body is larger than the limit of {limit:,} bytes.")


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused as soon as it is over ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return bytes(body)


def parse_json(body: bytes) -> Any:
    """Strict JSON (no NaN/Infinity) from UTF-8 bytes, or a RequestError saying what is wrong with it."""
    if not body.strip():
        raise RequestError(400, "The request body is empty; send a JSON object.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(400, "The request body is not UTF-8 text; send JSON encoded as UTF-8.") from exc
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise RequestError(
            400, f"The request body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from exc
    except ValueError as exc:
        raise RequestError(400, f"The request body is not valid JSON ({exc}).") from exc
    except RecursionError as exc:
        raise RequestError(400, "The request body is not usable JSON: it is nested too deeply.") from exc


class ParsedJsonRequest(Request):
    """A request whose body was already read and parsed; FastAPI gets the parsed JSON from it."""

    def __init__(self, scope: Scope, body: bytes, payload: Any) -> None:
        super().__init__(scope)
        self._raw = body
        self._payload = payload

    async def body(self) -> bytes:
        return self._raw

    async def json(self) -> Any:
        return self._payload


async def parsed_json_request(request: Request, limit: int) -> ParsedJsonRequest:
    """The request with its body read under the limit and parsed, labelled JSON whatever type it declared
    (the service has always read every body as JSON, and FastAPI parses only bodies labelled so)."""
    body = await read_body(request, limit)
    payload = parse_json(body)
    headers = [(k, v) for k, v in request.scope.get("headers", []) if k != b"content-type"]
    scope = {**request.scope, "headers": [*headers, (b"content-type", b"application/json")]}
    return ParsedJsonRequest(scope, body, payload)


class LanternRoute(APIRoute):
    """An endpoint that reads its own body, answers every failure as ``{"error": ...}`` and also answers HEAD
    where it answers GET (as the service always has)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return super().matches(self._head_as_get(scope))

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().handle(self._head_as_get(scope), receive, send)

    def _head_as_get(self, scope: Scope) -> Scope:
        """HEAD is answered as GET (the server sends no body), without a second operation in the OpenAPI."""
        if scope.get("type") == "http" and scope.get("method") == "HEAD" and "GET" in self.methods:
            return {**scope, "method": "GET"}
        return scope

    def get_route_handler(self) -> Endpoint:
        handle = super().get_route_handler()
        model: RequestModel | None = self.body_field.field_info.annotation if self.body_field else None

        async def run(request: Request) -> Response:
            try:
                if model is not None:
                    request = await parsed_json_request(request, request.app.state.settings.max_bytes)
                return await handle(request)
            except RequestValidationError as exc:
                refusal = model.problem(exc.errors()) if model else RequestError(400, "The request is not valid.")
                return error_response(refusal.status, refusal.message)
            except RequestError as exc:
                return error_response(exc.status, exc.message)
            except Exception as exc:
                log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
                return error_response(500, "Lantern could not process the request "
                                           f"(internal error {type(exc).__name__}).")

        return run

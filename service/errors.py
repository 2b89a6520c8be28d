"""Every refusal as ``{"error": "<one plain sentence>"}``, including pydantic's validation errors.

FastAPI would answer an invalid body with 422 and a list of pydantic errors. Lantern's
contract is one sentence that names the field and the fix, with the status the service has
always used (400 for a body of the wrong shape, 412 for a request without prefetch), so the
validation errors of each request model are turned into that sentence here. When a body
has several problems, the sentence is about the one the service has always checked first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from core.interop.cds_hooks import HOOKS, SERVICES
from core.interop.cds_prefetch import no_prefetch

ENDPOINTS = (
    "GET /health, GET /cds-services, "
    + "".join(f"POST /cds-services/{service_id}, " for service_id in SERVICES.values())
    + "POST /score, GET /openapi.json and GET /docs"
)

#: One pydantic error (``ValidationError.errors()`` item) -> (check order, status, sentence), or None.
Reading = Callable[[Mapping[str, Any]], "tuple[tuple[int, ...], int, str] | None"]


class RequestError(Exception):
    """A request Lantern will not process, with the HTTP status and one plain sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The one error shape every endpoint answers with."""
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers) if headers else None)


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 from the router, in the JSON error shape."""
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    if code == 404:
        return error_response(404, f"No such endpoint. Lantern answers {ENDPOINTS}.")
    if code == 405:
        return error_response(405, f"{request.method} is not allowed on this endpoint.")
    return error_response(code, "The request could not be handled.")


# ---- validation errors -> one sentence ----------------------------------------------------------------

def _location(error: Mapping[str, Any]) -> tuple[Any, ...]:
    """The error's place in the body (FastAPI prefixes it with 'body')."""
    loc = tuple(error.get("loc", ()))
    return loc[1:] if loc[:1] == ("body",) else loc


def _dotted(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def _generic(loc: Sequence[Any], error: Mapping[str, Any]) -> str:
    reason = str(error.get("msg", "not valid")).rstrip(".")
    return f"The request's '{_dotted(loc)[:80]}' is not valid: {reason[:1].lower()}{reason[1:]}."


def _first(errors: Iterable[Mapping[str, Any]], read: Reading, fallback: str) -> RequestError:
    readings = [r for r in (read(e) for e in errors) if r is not None]
    if not readings:
        return RequestError(400, fallback)
    _, status, message = min(readings, key=lambda r: r[0])
    return RequestError(status, message)


# ---- POST /cds-services/{id} ----------------------------------------------------------------------------

_HOOK_FIELDS = ("hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch")
_HOOK_OBJECT = "The request body must be a JSON object (a CDS Hooks request)."
_CONTEXT = "The request's 'context' must be an object with a 'patientId'."


def _which_hook(error: Mapping[str, Any]) -> str:
    """'missing' or 'another one', for a request whose 'hook' names no hook this service answers."""
    given = error.get("input")
    absent = error.get("type") == "union_tag_not_found" or (isinstance(given, Mapping) and given.get("hook") is None)
    return "missing" if absent else "another one"


def _context_reading(hook: str, rest: tuple[Any, ...], error: Mapping[str, Any]) -> tuple[int, int, str]:
    if rest[:1] == ("encounterId",):
        if hook == "encounter-discharge":
            return 1, 400, "The encounter-discharge hook needs 'context.encounterId'."
        return 1, 400, "The request's 'context.encounterId' must be text (the id of the Encounter)."
    if not rest or rest[:1] == ("patientId",):
        return 0, 400, _CONTEXT
    return 2, 400, _generic(("context", *rest), error)


def _hook_reading(error: Mapping[str, Any]) -> tuple[tuple[int, ...], int, str] | None:
    loc = _location(error)
    if not loc:
        if error.get("type") in ("union_tag_not_found", "union_tag_invalid"):
            return (1,), 400, (f"This service answers the {' and '.join(HOOKS)} hooks; the request's 'hook' is "
                               f"{_which_hook(error)}.")
        return (0,), 400, _HOOK_OBJECT
    hook, field, rest = str(loc[0]), str(loc[1]) if len(loc) > 1 else "", tuple(loc[2:])
    order = _HOOK_FIELDS.index(field) + 2 if field in _HOOK_FIELDS else len(_HOOK_FIELDS) + 2
    if field == "hookInstance":
        if error.get("type") == "missing":
            return (order,), 400, "The request has no 'hookInstance'; CDS Hooks 2.0 requires a UUID naming each call."
        return (order,), 400, "The request's 'hookInstance' must be text: the UUID naming this call."
    if field == "context":
        sub, status, message = _context_reading(hook, rest, error)
        return (order, sub), status, message
    if field == "prefetch" and not rest:
        return (order,), 412, str(no_prefetch(hook))
    if field == "prefetch":
        return (order, 1), 400, f"The '{str(rest[0])[:60]}' prefetch must be a FHIR resource (a JSON object) or null."
    return (order,), 400, _generic(loc[1:], error)


def hook_request_error(errors: Iterable[Mapping[str, Any]]) -> RequestError:
    """The sentence for an invalid CDS Hooks request, checked in the order: body, hook, fields, context, prefetch."""
    return _first(errors, _hook_reading, _HOOK_OBJECT)


# ---- POST /score -------------------------------------------------------------------------------------------

_ROWS_OBJECT = 'The request body must be a JSON object like {"rows": [{...}, ...]}.'


def _score_reading(error: Mapping[str, Any]) -> tuple[tuple[int, ...], int, str] | None:
    loc = _location(error)
    if not loc or (loc == ("rows",) and error.get("type") != "too_short"):
        return (0,), 400, _ROWS_OBJECT
    if loc == ("rows",):
        return (1,), 400, "'rows' is empty; send at least one row."
    if loc[0] == "explain":
        return (2,), 400, "'explain' must be true or false."
    if loc[0] == "rows" and isinstance(loc[1], int):
        row = loc[1] + 1
        if len(loc) == 2:
            return (3, row), 400, f"Row {row} is not a JSON object of column: value pairs."
        return (3, row), 400, (f"Row {row}, column '{str(loc[2])[:60]}': a cell must be text, a number, "
                               "true/false or null.")
    return (4,), 400, _generic(loc, error)


def score_request_error(errors: Iterable[Mapping[str, Any]]) -> RequestError:
    """The sentence for an invalid /score body, checked in the order: shape, empty, explain, each row."""
    return _first(errors, _score_reading, _ROWS_OBJECT)

"""The Lantern HTTP service: CDS Hooks cards from FHIR prefetch, and batch scoring of JSON rows.

Endpoints
---------
- ``GET  /health``: ``{"status": "ok", "model_version": ...}``; never needs the token.
- ``GET  /cds-services``: CDS Hooks discovery (one service, ``lantern-readmission``, hook
  ``encounter-discharge``, with the prefetch templates it needs).
- ``POST /cds-services/lantern-readmission``: a CDS Hooks request for ``encounter-discharge``
  or ``patient-view``; answers ``{"cards": [card]}``. The service never queries the FHIR
  server itself: without the ``patient`` prefetch (and, for ``encounter-discharge``, the
  ``encounter`` prefetch) it answers 412 naming what is missing.
- ``POST /score``: ``{"rows": [{column: value, ...}, ...], "explain": false}`` ->
  ``{"rows": [...], "counts": {"read", "scored", "rejected"}}`` with exactly the columns
  ``python -m core.score`` writes (``--explain`` columns when ``explain`` is true).
- ``GET  /openapi.json``: an OpenAPI 3.1 description of the above.

Rules
-----
- Every error is JSON ``{"error": "<one plain sentence>"}``: 400 for a body that is not JSON
  or not the expected shape, 401 for a missing or wrong token, 404/405, 412 for missing
  prefetch, 413 for a body over the size limit, 422 for rows the model cannot use.
- ``LANTERN_SERVICE_TOKEN``: when set, every endpoint except ``/health`` needs
  ``Authorization: Bearer <token>`` (compared in constant time).
- ``LANTERN_SERVICE_MAX_BYTES`` (default 5 MiB) caps the request body.
- CORS is closed unless ``LANTERN_SERVICE_CORS_ORIGINS`` lists origins (comma-separated).
- Logs hold shapes only (method, endpoint, status, time, byte and row counts), never a value
  from a request or a result: no identifiers, no risks, no query strings.
- The engine (the configured bundle) is loaded once, at start-up, and shared read-only.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pandas as pd
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.data.validate import ValidationError
from core.interop.fhir import LABS, FhirError, FhirMapping, bundle_to_patient
from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine, PatientResult

log = logging.getLogger("lantern.service")

SERVICE_ID = "lantern-readmission"
HOOKS = ("encounter-discharge", "patient-view")
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
SUMMARY_LIMIT = 140
INDICATORS = ("info", "warning", "critical")
DISCLAIMER = (
    "Drivers are associations in the model, not causes. This score supports, not replaces, clinical judgement."
)

_LOINC_CODES = ",".join(f"http://loinc.org|{code}" for lab in LABS.values() for code in lab.loinc)
#: Prefetch key -> (FHIR query template, resource type it returns, is it a search).
PREFETCH: Mapping[str, tuple[str, str, bool]] = MappingProxyType({
    "patient": ("Patient/{{context.patientId}}", "Patient", False),
    "encounter": ("Encounter/{{context.encounterId}}", "Encounter", False),
    "conditions": ("Condition?patient={{context.patientId}}", "Condition", True),
    "observations": (f"Observation?patient={{{{context.patientId}}}}&code={_LOINC_CODES}", "Observation", True),
    "procedures": ("Procedure?patient={{context.patientId}}", "Procedure", True),
    "priorEncounters": ("Encounter?patient={{context.patientId}}", "Encounter", True),
})
KNOWN_PATHS = frozenset({"/health", "/cds-services", f"/cds-services/{SERVICE_ID}", "/score", "/openapi.json"})
PUBLIC_PATHS = frozenset({"/health"})


@dataclass(frozen=True)
class Settings:
    """Service options; ``from_env`` reads the ``LANTERN_SERVICE_*`` variables."""

    token: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    cors_origins: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        raw_max = os.environ.get("LANTERN_SERVICE_MAX_BYTES", "").strip()
        origins = os.environ.get("LANTERN_SERVICE_CORS_ORIGINS", "")
        return cls(
            token=os.environ.get("LANTERN_SERVICE_TOKEN") or None,
            max_bytes=int(raw_max) if raw_max.isdigit() else DEFAULT_MAX_BYTES,
            cors_origins=tuple(o.strip() for o in origins.split(",") if o.strip()),
        )


class RequestError(Exception):
    """A request Lantern will not process, with the HTTP status and one plain sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


# ---- request bodies ---------------------------------------------------------------------------

def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


async def read_json(request: Request, limit: int) -> Any:
    """The body as JSON, refusing bodies over ``limit`` bytes, non-UTF-8 text and invalid JSON."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise RequestError(413, f"The request body is larger than the limit of {limit:,} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise RequestError(413, f"The request body is larger than the limit of {limit:,} bytes.")
    if not body.strip():
        raise RequestError(400, "The request body is empty; send a JSON object.")
    try:
        text = bytes(body).decode("utf-8")
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


# ---- CDS Hooks ----------------------------------------------------------------------------------

def discovery(engine: Engine) -> dict[str, Any]:
    """The ``GET /cds-services`` document."""
    return {
        "services": [
            {
                "hook": "encounter-discharge",
                "id": SERVICE_ID,
                "title": "Lantern 30-day readmission risk",
                "description": (
                    "Estimates the risk of unplanned readmission within 30 days of discharge from the patient's "
                    "age, sex, stay, comorbidities, labs and prior visits, and explains the largest drivers. "
                    f"Model: {engine.bundle.name} {engine.bundle.version}. Also answers the patient-view hook."
                ),
                "prefetch": {key: template for key, (template, _, _) in PREFETCH.items()},
                "usageRequirements": "Send the prefetch; this service does not query the FHIR server itself.",
            }
        ]
    }


def prefetch_bundle(hook: str, prefetch: object) -> tuple[dict[str, Any], set[str], list[str]]:
    """Prefetch -> one collection Bundle, the resource types searched completely, and the keys given."""
    required = ["patient", "encounter"] if hook == "encounter-discharge" else ["patient"]
    if not isinstance(prefetch, dict):
        raise RequestError(
            412, f"The request has no prefetch. This service does not query the FHIR server itself; send the "
                 f"prefetch listed at GET /cds-services (at least: {', '.join(required)})."
        )
    entries: list[dict[str, Any]] = []
    complete: set[str] = set()
    given: list[str] = []
    for key, (_, kind, is_search) in PREFETCH.items():
        value = prefetch.get(key)
        if not isinstance(value, dict) or value.get("resourceType") in (None, "OperationOutcome"):
            continue
        found = value.get("resourceType")
        if found == "Bundle":
            if not isinstance(value.get("entry", []), list):
                raise RequestError(400, f"The '{key}' prefetch is a Bundle whose 'entry' is not a list.")
            entries.append({"resource": value})
            if is_search:
                complete.add(kind)
        elif found == kind:
            entries.append({"resource": value})
        else:
            raise RequestError(400, f"The '{key}' prefetch holds a {found}, not a {kind}.")
        given.append(key)
    absent = [k for k in required if k not in given]
    if absent:
        raise RequestError(
            412, f"The request is missing the prefetch for: {', '.join(absent)}. This service does not query the "
                 "FHIR server itself; send the prefetch listed at GET /cds-services."
        )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, complete, given


def _percent(risk: float) -> str:
    pct = risk * 100.0
    if pct < 1:
        return "<1%"
    if pct > 99:
        return ">99%"
    return f"{pct:.0f}%"


def frequency_sentence(risk: float) -> str:
    """'About 18 of 100 patients like this are readmitted within 30 days.'"""
    n = round(risk * 100.0)
    if n < 1:
        return "Fewer than 1 of 100 patients like this are readmitted within 30 days."
    return f"About {min(n, 100)} of 100 patients like this are readmitted within 30 days."


def indicator_for(band: str, bands: Sequence[dict[str, Any]]) -> str:
    """Lowest band -> info, highest -> critical, any band between -> warning."""
    names = [str(b.get("name")) for b in bands]
    if band not in names:
        return "warning"
    i = names.index(band)
    if i == 0:
        return "info"
    return "critical" if i == len(names) - 1 else "warning"


_MD_SPECIAL = MappingProxyType(str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"}))


def _md(text: object) -> str:
    """Text that may quote the request (FHIR warnings, rejection reasons), made inert in markdown."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def build_card(engine: Engine, result: PatientResult, mapping: FhirMapping) -> dict[str, Any]:
    """One CDS Hooks card for a scored (or unscoreable) patient."""
    source = {"label": f"Lantern readmission model {engine.bundle.version}"}
    n_features = len(engine.schema.names)
    n_from_fhir = n_features - len(mapping.missing)
    warnings = [_md(w) for w in mapping.warnings]
    if result.rejected:
        reason, came_from = result.rejected, []
        for name in engine.schema.names:
            if f"{name}:" in reason:
                reason = reason.replace(f"{name}:", f"{engine.schema.feature(name).display_label}:")
                if name in mapping.sources:
                    came_from.append(mapping.sources[name])
        where = f" It came from: {_md('; '.join(came_from))}." if came_from else ""
        detail = "\n\n".join([
            "**Lantern could not score this patient.**",
            f"A value taken from the record is not plausible: {_md(reason)}.{where}",
            "Check the value and its unit in the record; the model is not run on implausible inputs.",
            *(["**Notes on the FHIR data**\n\n" + "\n".join(f"- {w}" for w in warnings)] if warnings else []),
            f"_{DISCLAIMER}_",
        ])
        return {"uuid": str(uuid.uuid4()), "summary": "Lantern could not score this patient: a recorded value is "
                "not plausible", "indicator": "warning", "detail": detail, "source": source}
    pct = _percent(result.risk)
    summary = f"30-day readmission risk {pct} ({result.band})"[: SUMMARY_LIMIT - 1]
    lines = [f"**30-day readmission risk: {pct}** ({result.band} band)", frequency_sentence(result.risk)]
    if result.percentile == result.percentile:  # not NaN
        lines.append(f"Higher than {result.percentile:.0f}% of patients in the model's training data; "
                     f"the average risk there is {_percent(result.baseline)}.")
    top = "\n".join(f"{i}. {r}" for i, r in enumerate(result.reasons[:3], start=1))
    lines.append("**Largest drivers** (in percentage points of risk)\n\n" + top)
    flagged = [
        f"- {title.capitalize()}: {', '.join(names)}"
        for title, names in result.flags.items() if names
    ]
    notes = flagged + [f"- {w}" for w in warnings]
    lines.append(f"**Warnings** ({n_from_fhir} of {n_features} inputs came from the FHIR record)\n\n"
                 + ("\n".join(notes) if notes else "- None."))
    lines.append(f"_{DISCLAIMER}_")
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": indicator_for(result.band, engine.bundle.bands),
        "detail": "\n\n".join(lines),
        "source": source,
    }


# ---- handlers --------------------------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]


def _guarded(handler: Handler) -> Handler:
    """Turn RequestError into its JSON answer and any other failure into a 500 that logs only its type."""

    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except RequestError as exc:
            return _error(exc.status, exc.message)
        except Exception as exc:
            log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            return _error(500, f"Lantern could not process the request (internal error {type(exc).__name__}).")

    return run


def _engine(request: Request) -> Engine:
    return request.app.state.engine


def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "model_version": _engine(request).bundle.version})


async def cds_services(request: Request) -> Response:
    return JSONResponse(discovery(_engine(request)))


async def cds_hook(request: Request) -> Response:
    engine = _engine(request)
    payload = await read_json(request, _settings(request).max_bytes)
    if not isinstance(payload, dict):
        raise RequestError(400, "The request body must be a JSON object (a CDS Hooks request).")
    hook = payload.get("hook")
    if hook not in HOOKS:
        raise RequestError(400, f"This service answers the {' and '.join(HOOKS)} hooks; the request's 'hook' is "
                                f"{'missing' if hook is None else 'another one'}.")
    context = payload.get("context")
    if not isinstance(context, dict) or not isinstance(context.get("patientId"), str):
        raise RequestError(400, "The request's 'context' must be an object with a 'patientId'.")
    encounter_id = context.get("encounterId") if isinstance(context.get("encounterId"), str) else None
    if hook == "encounter-discharge" and not encounter_id:
        raise RequestError(400, "The encounter-discharge hook needs 'context.encounterId'.")
    bundle, complete, given = prefetch_bundle(hook, payload.get("prefetch"))
    patient = payload["prefetch"]["patient"]
    if patient.get("resourceType") == "Patient" and patient.get("id") not in (None, context["patientId"]):
        raise RequestError(400, "The prefetched Patient is not the patient named in 'context.patientId'.")
    try:
        mapping = bundle_to_patient(bundle, engine.schema, encounter_id=encounter_id, complete=complete)
    except FhirError as exc:
        raise RequestError(400, f"The prefetch could not be used: {exc}") from exc
    result = await run_in_threadpool(engine.patient, mapping.values)
    card = build_card(engine, result, mapping)
    log.info("hook %s: prefetch keys %s, %d of %d inputs from FHIR, %d notes, scored=%s",
             hook, ",".join(given), len(engine.schema.names) - len(mapping.missing),
             len(engine.schema.names), len(mapping.warnings), not result.rejected)
    return JSONResponse({"cards": [card]})


def _rows_frame(payload: object) -> tuple[pd.DataFrame, bool]:
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise RequestError(400, 'The request body must be a JSON object like {"rows": [{...}, ...]}.')
    rows = payload["rows"]
    if not rows:
        raise RequestError(400, "'rows' is empty; send at least one row.")
    explain = payload.get("explain", False)
    if not isinstance(explain, bool):
        raise RequestError(400, "'explain' must be true or false.")
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise RequestError(400, f"Row {i} is not a JSON object of column: value pairs.")
        for column, value in row.items():
            if isinstance(value, dict | list):
                raise RequestError(400, f"Row {i}, column '{str(column)[:60]}': a cell must be text, a number, "
                                        "true/false or null.")
    frame = pd.DataFrame.from_records(rows)
    for column in frame.columns:  # true/false cells as the words validation reads for yes/no
        if frame[column].map(lambda v: isinstance(v, bool)).any():
            frame[column] = frame[column].map(lambda v: str(v).lower() if isinstance(v, bool) else v)
    return frame, explain


def _rows_wording(message: str) -> str:
    """A whole-file validation message reworded for JSON rows."""
    for old, new in (("The file has:", "The rows have the columns:"), ("The file has", "The rows have"),
                     ("in the file", "in the rows"),
                     (" Check that this is the right file and that its first row holds the column names.", "")):
        message = message.replace(old, new)
    return message


async def score(request: Request) -> Response:
    engine = _engine(request)
    frame, explain = _rows_frame(await read_json(request, _settings(request).max_bytes))
    try:
        result = await run_in_threadpool(engine.score, frame, explain)
    except ValidationError as exc:
        raise RequestError(422, _rows_wording(str(exc))) from exc
    rows = json.loads(result.output.to_json(orient="records", double_precision=10))
    log.info("score: %d rows x %d columns in, %s, %d columns out", frame.shape[0], frame.shape[1],
             ", ".join(f"{k} {v}" for k, v in result.counts.items()), result.output.shape[1])
    return JSONResponse({"rows": rows, "counts": result.counts})


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document(_engine(request)))


# ---- the app -----------------------------------------------------------------------------------------

class Guard:
    """Outer ASGI layer: bearer-token check and one shape-only log line per request."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

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
        if self.token and path not in PUBLIC_PATHS and not self._authorised(scope):
            response = _error(401, "This service needs 'Authorization: Bearer <token>' with the service's token.",
                              {"WWW-Authenticate": 'Bearer realm="lantern"'})
            await response(scope, receive, sending)
        else:
            await self.app(scope, receive, sending)
        headers = dict(scope.get("headers") or [])
        size = headers.get(b"content-length", b"0").decode("latin-1")
        log.info("%s %s -> %d in %.0f ms (%s bytes in)", scope.get("method"),
                 path if path in KNOWN_PATHS else "(unknown path)", status[0],
                 (time.perf_counter() - start) * 1000, size if size.isdigit() else "?")

    def _authorised(self, scope: Scope) -> bool:
        assert self.token is not None
        for name, value in scope.get("headers") or []:
            if name == b"authorization":
                scheme, _, given = value.decode("latin-1").partition(" ")
                return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode())
        return False


async def _http_error(request: Request, exc: Exception) -> Response:
    code = exc.status_code if isinstance(exc, HTTPException) else 500
    if code == 404:
        return _error(404, "No such endpoint. Lantern answers GET /health, GET /cds-services, "
                           f"POST /cds-services/{SERVICE_ID}, POST /score and GET /openapi.json.")
    if code == 405:
        return _error(405, f"{request.method} is not allowed on this endpoint.")
    return _error(code, "The request could not be handled.")


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> Starlette:
    """The ASGI app. Without ``engine`` the configured bundle is loaded once, at start-up."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if getattr(app.state, "engine", None) is None:
            app.state.engine = await run_in_threadpool(Engine.load, configured_bundle_path())
        log.info("Lantern service ready: model %s, token %s, CORS %s", app.state.engine.bundle.version,
                 "required" if settings.token else "not required",
                 f"{len(settings.cors_origins)} origins" if settings.cors_origins else "closed")
        yield

    middleware = []
    if settings.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]))
    middleware.append(Middleware(Guard, token=settings.token))
    routes = [
        Route("/health", _guarded(health), methods=["GET"]),
        Route("/cds-services", _guarded(cds_services), methods=["GET"]),
        Route(f"/cds-services/{SERVICE_ID}", _guarded(cds_hook), methods=["POST"]),
        Route("/score", _guarded(score), methods=["POST"]),
        Route("/openapi.json", _guarded(openapi), methods=["GET"]),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.state.engine = engine
    app.state.settings = settings
    return app


# ---- OpenAPI -----------------------------------------------------------------------------------------

def _json_body(ref: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def openapi_document(engine: Engine) -> dict[str, Any]:
    """OpenAPI 3.1 for the service (written by hand: the service has no request-model library)."""
    err = "#/components/schemas/Error"
    errors = {
        "400": _json_body(err, "Not JSON, or not the expected shape."),
        "401": _json_body(err, "Token required (LANTERN_SERVICE_TOKEN is set) and missing or wrong."),
        "413": _json_body(err, "Body over the size limit."),
    }
    cell = {"type": ["string", "number", "boolean", "null"]}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lantern readmission service",
            "version": engine.bundle.version,
            "description": "30-day readmission risk as CDS Hooks cards and as batch scores. Risks are "
                           "associations in the model, not causes; they support, not replace, clinical judgement.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                "Card": {
                    "type": "object",
                    "required": ["summary", "indicator", "source"],
                    "properties": {
                        "uuid": {"type": "string"},
                        "summary": {"type": "string", "maxLength": SUMMARY_LIMIT - 1},
                        "indicator": {"type": "string", "enum": list(INDICATORS)},
                        "detail": {"type": "string", "description": "GitHub-flavoured markdown"},
                        "source": {"type": "object", "required": ["label"],
                                   "properties": {"label": {"type": "string"}}},
                    },
                },
                "HookRequest": {
                    "type": "object",
                    "required": ["hook", "hookInstance", "context"],
                    "properties": {
                        "hook": {"type": "string", "enum": list(HOOKS)},
                        "hookInstance": {"type": "string"},
                        "context": {"type": "object", "required": ["patientId"],
                                    "properties": {"patientId": {"type": "string"},
                                                   "encounterId": {"type": "string"},
                                                   "userId": {"type": "string"}}},
                        "prefetch": {"type": "object",
                                     "properties": {k: {"type": ["object", "null"], "description": t}
                                                    for k, (t, _, _) in PREFETCH.items()}},
                    },
                },
                "ScoreRequest": {
                    "type": "object",
                    "required": ["rows"],
                    "properties": {
                        "rows": {"type": "array", "minItems": 1,
                                 "items": {"type": "object", "additionalProperties": cell},
                                 "description": "Columns: " + ", ".join(engine.schema.names)},
                        "explain": {"type": "boolean", "default": False},
                    },
                },
                "ScoreResponse": {
                    "type": "object",
                    "properties": {
                        "rows": {"type": "array", "items": {"type": "object", "additionalProperties": cell},
                                 "description": "The columns python -m core.score writes: ids, status, reason, "
                                                "risk, risk_band, flags, top_reasons (and contributions)."},
                        "counts": {"type": "object", "properties": {k: {"type": "integer"}
                                                                    for k in ("read", "scored", "rejected")}},
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {"summary": "Liveness and model version (no token needed)", "security": [],
                                "responses": {"200": {"description": "Running"}}}},
            "/cds-services": {"get": {"summary": "CDS Hooks discovery",
                                      "responses": {"200": {"description": "The services list"}, **errors}}},
            f"/cds-services/{SERVICE_ID}": {"post": {
                "summary": "Score one patient from CDS Hooks prefetch (encounter-discharge, patient-view)",
                "requestBody": _json_body("#/components/schemas/HookRequest", "A CDS Hooks request"),
                "responses": {
                    "200": {"description": "One card", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"cards": {"type": "array", "minItems": 1, "maxItems": 1,
                                                                   "items": {"$ref": "#/components/schemas/Card"}}}}}}},
                    **errors,
                    "412": _json_body(err, "Required prefetch missing; the service does not query FHIR itself."),
                },
            }},
            "/score": {"post": {
                "summary": "Score rows of the model's columns",
                "requestBody": _json_body("#/components/schemas/ScoreRequest", "Rows to score"),
                "responses": {"200": _json_body("#/components/schemas/ScoreResponse", "One output row per input row"),
                              **errors, "422": _json_body(err, "Rows lack required columns")},
            }},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
        },
    }

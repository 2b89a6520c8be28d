"""The Lantern HTTP service: CDS Hooks cards from FHIR prefetch, and batch scoring of JSON rows.

Endpoints
---------
- ``GET  /health``: ``{"status": "ok", "model_version": ...}``; never needs the token.
- ``GET  /cds-services``: CDS Hooks discovery: one service per hook answered, ``lantern-readmission``
  (``encounter-discharge``) and ``lantern-readmission-patient-view`` (``patient-view``), each
  with the prefetch templates it needs.
- ``POST /cds-services/{id}``: a CDS Hooks 2.0 request for ``encounter-discharge`` or
  ``patient-view`` (either id answers both); answers ``{"cards": [card]}``. Without the
  ``patient`` prefetch (and, for ``encounter-discharge``, the ``encounter`` prefetch) it
  answers 412 naming what is missing, unless it can fetch it (below).
- Fetching (``core/interop/fhir_client.py``): when the request's ``fhirServer`` is listed in
  ``LANTERN_FHIR_SERVERS`` (comma-separated base URLs; empty by default, so it never fetches),
  the service reads the remaining pages of a paginated prefetch and the prefetch not sent,
  with ``fhirAuthorization``'s token, within caps of pages, bytes and seconds, in a worker
  thread; the card says what was fetched. A search still incomplete gives no risk.
- ``POST /score``: ``{"rows": [{column: value, ...}, ...], "explain": false}`` ->
  ``{"rows": [...], "counts": {"read", "scored", "rejected"}}`` with exactly the columns
  ``python -m core.score`` writes (``--explain`` columns when ``explain`` is true).
- ``GET  /openapi.json``: OpenAPI 3.1, generated from the pydantic models in ``service/models.py``
  that validate the requests; ``GET /docs``: the same as a self-contained HTML page.

Rules
-----
- Every error is an HTTP status with a JSON body ``{"error": "<one plain sentence>"}`` (CDS Hooks 2.0
  names 412 for data the service cannot obtain and allows other 4xx/5xx): 400 for a body
  that is not JSON or not the expected shape, 401 for a missing or wrong token, 404/405,
  412 for missing prefetch, 413 for a body over the size limit, 422 for rows the model
  cannot use.
- ``LANTERN_SERVICE_TOKEN``: when set, every endpoint except ``/health`` needs
  ``Authorization: Bearer <token>`` (compared in constant time).
- ``LANTERN_SERVICE_MAX_BYTES`` (default 5 MiB) caps the request body, checked while it streams in.
- CORS is closed unless ``LANTERN_SERVICE_CORS_ORIGINS`` lists origins (comma-separated).
- Logs hold shapes only (method, endpoint, status, time, byte and row counts), never a value
  from a request or a result: no identifiers, no risks, no query strings.
- The engine (the configured bundle) is loaded once, at start-up, and shared read-only.

The CDS Hooks content (discovery, prefetch, cards) is ``core/interop/cds_hooks.py``; here is HTTP only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from core.data.validate import ValidationError
from core.interop import cds_hooks, cds_prefetch
from core.interop.fhir import FhirError, bundle_to_patient
from core.interop.fhir_client import FetchLimits, FetchRefusedError, FhirFetcher, allowed_server
from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine
from core.settings import DEFAULT_SERVICE_MAX_BYTES, load_settings
from service.docs import CONTENT_SECURITY_POLICY, render_docs
from service.errors import RequestError, http_error
from service.guard import Guard
from service.models import (
    Cards,
    Discovery,
    ErrorMessage,
    Health,
    HookCall,
    HookRequest,
    ScoreRequest,
    ScoreResponse,
)
from service.routing import LanternRoute

log = logging.getLogger("lantern.service")

HOOK_PATH = f"/cds-services/{cds_hooks.SERVICE_ID}"
#: One path per service in the discovery document; each answers both hooks.
HOOK_PATHS = tuple(f"/cds-services/{service_id}" for service_id in cds_hooks.SERVICES.values())
KNOWN_PATHS = frozenset({"/health", "/cds-services", *HOOK_PATHS, "/score", "/openapi.json", "/docs"})
PUBLIC_PATHS = frozenset({"/health"})
TITLE = "Lantern readmission service"
DESCRIPTION = ("30-day readmission risk as CDS Hooks cards and as batch scores. Risks are associations in the "
               "model, not causes; they support, not replace, clinical judgement.")


@dataclass(frozen=True)
class Settings:
    """Service options; ``from_env`` reads the ``LANTERN_SERVICE_*`` variables."""

    token: str | None = None
    max_bytes: int = DEFAULT_SERVICE_MAX_BYTES
    cors_origins: tuple[str, ...] = ()
    #: FHIR base URLs the service may fetch missing or paginated prefetch from (empty: it never fetches).
    fhir_servers: tuple[str, ...] = ()
    fetch_limits: FetchLimits = field(default_factory=FetchLimits)

    @classmethod
    def from_env(cls) -> Settings:
        """The service's part of core.settings: one reader for every LANTERN_* variable, bad values refused."""
        read = load_settings()
        return cls(token=read.service_token, max_bytes=read.service_max_bytes,
                   cors_origins=read.service_cors_origins, fhir_servers=read.fhir_servers)


def _errors(*, token: bool = True, body: bool = False, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses in the error shape, status -> meaning ('default' also stops FastAPI's 422 entry)."""
    meanings = {
        **({"400": "Not JSON, or not the expected shape."} if body else {}),
        **({"401": "Token required (LANTERN_SERVICE_TOKEN is set) and missing or wrong."} if token else {}),
        **({"413": "Body over the size limit."} if body else {}),
        **described,
        "default": "Any other error (404, 405, 500), in the same shape.",
    }
    return {int(code) if code.isdigit() else code: {"model": ErrorMessage, "description": text}
            for code, text in meanings.items()}


# ---- handlers --------------------------------------------------------------------------------------

def _engine(request: Request) -> Engine:
    return request.app.state.engine


async def health(request: Request) -> dict[str, Any]:
    return {"status": "ok", "model_version": _engine(request).bundle.version}


async def cds_services(request: Request) -> dict[str, Any]:
    return cds_hooks.discovery(_engine(request))


async def _fetch_missing(call: HookCall, prefetched: cds_prefetch.Prefetched, context: dict[str, str | None],
                         settings: Settings) -> None:
    """Fetch partial or absent prefetch from the request's fhirServer, if it is allow-listed (off the event loop)."""
    if not cds_prefetch.needs_fetching(prefetched, context):
        return
    if not call.fhir_server:
        prefetched.not_fetched = "the request names no fhirServer"
        return
    try:
        base = allowed_server(call.fhir_server, settings.fhir_servers)
    except FetchRefusedError as exc:
        prefetched.not_fetched = str(exc)
        return
    token = call.fhir_authorization.access_token if call.fhir_authorization else None
    fetcher = FhirFetcher(base, token, settings.fetch_limits)
    await run_in_threadpool(cds_prefetch.fill_prefetch, prefetched, fetcher, context)
    log.info("hook fetch: %d pages, %d bytes", fetcher.pages, fetcher.bytes)


def _encounter_to_score(call: HookCall, prefetched: cds_prefetch.Prefetched) -> str | None:
    """The context's encounterId; for patient-view (where it is optional) only if the record holds it."""
    wanted = call.context.encounter_id
    if wanted and call.hook == "patient-view" and not prefetched.has_encounter(wanted):
        prefetched.notes.append("The context names an encounter that the record sent does not hold; Lantern "
                                "looked for the most recent inpatient stay instead.")
        return None
    return wanted


async def cds_hook(request: Request, body: HookRequest) -> dict[str, Any]:
    engine, call = _engine(request), body.root
    context = {"patientId": call.context.patient_id, "encounterId": call.context.encounter_id}
    try:
        prefetched = cds_prefetch.read_prefetch(call.prefetched(), call.context.patient_id)
        await _fetch_missing(call, prefetched, context, request.app.state.settings)
        cds_prefetch.require(call.hook, prefetched, sent=call.prefetch is not None)
        bundle, complete = prefetched.bundle()
        encounter_id = _encounter_to_score(call, prefetched)
        mapping = bundle_to_patient(bundle, engine.schema, encounter_id=encounter_id, complete=complete)
    except cds_prefetch.MissingPrefetchError as exc:
        raise RequestError(412, str(exc)) from exc
    except cds_prefetch.PrefetchError as exc:
        raise RequestError(400, str(exc)) from exc
    except FhirError as exc:
        raise RequestError(400, f"The prefetch could not be used: {exc}") from exc
    result = await run_in_threadpool(engine.patient, mapping.values, None, cds_hooks.patient_facts(mapping))
    card = cds_hooks.build_card(engine, result, mapping, prefetched)
    log.info("hook %s: prefetch keys %s, %d partial, %d of %d inputs from FHIR, %d notes, scored=%s",
             call.hook, ",".join(prefetched.resources), len(prefetched.partial),
             len(engine.schema.names) - len(mapping.missing), len(engine.schema.names), len(mapping.warnings),
             result.estimated)
    return {"cards": [card]}


def _rows_wording(message: str) -> str:
    """A whole-file validation message reworded for JSON rows."""
    for old, new in (("The file has:", "The rows have the columns:"), ("The file has", "The rows have"),
                     ("in the file", "in the rows"),
                     (" Check that this is the right file and that its first row holds the column names.", "")):
        message = message.replace(old, new)
    return message


async def score(request: Request, body: ScoreRequest) -> dict[str, Any]:
    engine, frame = _engine(request), body.frame()
    try:
        result = await run_in_threadpool(engine.score, frame, body.explain)
    except ValidationError as exc:
        raise RequestError(422, _rows_wording(str(exc))) from exc
    rows = json.loads(result.output.to_json(orient="records", double_precision=10))
    log.info("score: %d rows x %d columns in, %s, %d columns out", frame.shape[0], frame.shape[1],
             ", ".join(f"{k} {v}" for k, v in result.counts.items()), result.output.shape[1])
    return {"rows": rows, "counts": result.counts}


def openapi_document(app: FastAPI, engine: Engine) -> dict[str, Any]:
    """OpenAPI 3.1 generated from the routes and their models, plus the bearer scheme and the model's columns."""
    doc = get_openapi(title=TITLE, version=engine.bundle.version, description=DESCRIPTION, routes=app.routes)
    doc.setdefault("components", {})["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    doc["security"] = [{"bearer": []}]
    doc["paths"]["/health"]["get"]["security"] = []
    rows = doc["components"]["schemas"]["ScoreRequest"]["properties"]["rows"]
    rows["description"] += ". Columns: " + ", ".join(engine.schema.names)
    return doc


async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document(request.app, _engine(request)))


async def docs(request: Request) -> HTMLResponse:
    page = render_docs(openapi_document(request.app, _engine(request)))
    return HTMLResponse(page, headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY})


# ---- the app -----------------------------------------------------------------------------------------

def _routes(app: FastAPI) -> None:
    app.get("/health", summary="Liveness and model version (no token needed)", response_model=Health,
            response_description="Running", responses=_errors(token=False))(health)
    app.get("/cds-services", summary="CDS Hooks discovery", response_model=Discovery,
            response_description="The services list", responses=_errors())(cds_services)
    for hook, service_id in cds_hooks.SERVICES.items():
        app.post(f"/cds-services/{service_id}", summary=f"Score one patient from CDS Hooks prefetch (the {hook} "
                 "service; answers encounter-discharge and patient-view)", response_model=Cards,
                 response_description="One card", responses=_errors(body=True, **{"412": (
                     "Required prefetch missing, and not fetchable from an allow-listed fhirServer.")}))(cds_hook)
    app.post("/score", summary="Score rows of the model's columns", response_model=ScoreResponse,
             response_description="One output row per input row",
             responses=_errors(body=True, **{"422": "Rows lack required columns, or no row can be used."}))(score)
    app.get("/openapi.json", summary="This document", response_description="OpenAPI 3.1",
            responses=_errors())(openapi)
    app.get("/docs", include_in_schema=False)(docs)


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """The ASGI app. Without ``engine`` the configured bundle is loaded once, at start-up."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
    middleware.append(Middleware(Guard, token=settings.token, known_paths=KNOWN_PATHS, public_paths=PUBLIC_PATHS))
    app = FastAPI(title=TITLE, description=DESCRIPTION, lifespan=lifespan, middleware=middleware,
                  openapi_url=None, docs_url=None, redoc_url=None, exception_handlers={HTTPException: http_error})
    app.router.route_class = LanternRoute
    _routes(app)
    app.state.engine = engine
    app.state.settings = settings
    return app

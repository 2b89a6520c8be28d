"""The OpenAPI document is generated from the models that validate requests, so what it marks required is
exactly what the service enforces; /docs shows it offline. In-process, through httpx's ASGI transport."""

from __future__ import annotations

import copy
import re
from typing import Any

import httpx
import pytest

from core.interop.cds_hooks import SERVICE_ID
from core.scoring.engine import Engine
from service.app import Settings, create_app
from tests import fhir_fixtures as fx
from tests.service.asgi import run_async

HOOK_URL = f"/cds-services/{SERVICE_ID}"


class Api:
    """A synchronous client for an app built with its engine (so it needs no lifespan)."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.app = create_app(engine, settings)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                return await client.request(method, url, **kwargs)

        return run_async(send)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str) -> httpx.Response:
        return self.request("HEAD", url)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)


@pytest.fixture(scope="module")
def api(engine: Engine) -> Api:
    return Api(engine, Settings())


@pytest.fixture(scope="module")
def doc(api: Api) -> dict[str, Any]:
    return api.get("/openapi.json").json()


def _schema(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _request_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_request_schemas_for_score_and_the_hook_are_generated(doc: dict[str, Any]) -> None:
    score = _schema(doc, _request_schema(doc, "/score")["$ref"])
    assert score["required"] == ["rows"] and score["properties"]["rows"]["minItems"] == 1
    assert "hemoglobin_g_dl" in score["properties"]["rows"]["description"]  # the bundle's columns
    hook = _schema(doc, _request_schema(doc, HOOK_URL)["$ref"])
    assert hook["discriminator"]["propertyName"] == "hook"
    assert set(hook["discriminator"]["mapping"]) == {"encounter-discharge", "patient-view"}
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # no FastAPI 422 shape: errors are {"error"}
    assert doc["paths"]["/health"]["get"]["security"] == [] and doc["security"] == [{"bearer": []}]


def test_the_hook_model_follows_cds_hooks_2(doc: dict[str, Any]) -> None:
    for name, context_required in (("EncounterDischargeRequest", {"patientId", "encounterId"}),
                                   ("PatientViewRequest", {"patientId"})):
        request = doc["components"]["schemas"][name]
        assert set(request["properties"]) == {"hook", "hookInstance", "fhirServer", "fhirAuthorization",
                                              "context", "prefetch"}
        assert set(request["required"]) == {"hook", "hookInstance", "context"}  # prefetch is OPTIONAL in 2.0
        assert set(_schema(doc, request["properties"]["context"]["$ref"])["required"]) == context_required
    auth = doc["components"]["schemas"]["FhirAuthorization"]
    assert set(auth["required"]) == {"access_token", "token_type", "expires_in", "scope", "subject"}


@pytest.mark.parametrize("hook", ["encounter-discharge", "patient-view"])
def test_what_the_document_marks_required_is_exactly_what_the_service_enforces(
    api: Api, doc: dict[str, Any], hook: str
) -> None:
    """Drop each field in turn: a required one is refused, an optional one is not (no drift either way)."""
    request = doc["components"]["schemas"]["EncounterDischargeRequest" if hook == "encounter-discharge"
                                           else "PatientViewRequest"]
    context = _schema(doc, request["properties"]["context"]["$ref"])
    full = fx.hook_request(hook)
    full["fhirAuthorization"] = {"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "lantern"}
    if hook == "patient-view":
        full["context"]["encounterId"] = fx.ENCOUNTER_ID
    assert api.post(HOOK_URL, json=full).status_code == 200
    for where, schema in ((full, request), (full["context"], context)):
        for field in schema["properties"]:
            if field == "hook":
                continue  # the discriminator: without it no model applies (tested below)
            body = copy.deepcopy(full)
            target = body if where is full else body["context"]
            del target[field]
            r = api.post(HOOK_URL, json=body)
            if field == "prefetch":  # optional, but without it (and no allow-listed fhirServer) no data: 412
                assert r.status_code == 412 and "no prefetch" in r.json()["error"], r.text
                continue
            assert (r.status_code != 200) == (field in schema.get("required", ())), (field, r.text)


@pytest.mark.parametrize(("change", "status", "words"), [
    ({"hookInstance": None}, 400, ("hookInstance", "CDS Hooks 2.0")),
    ({"fhirServer": 5}, 400, ("fhirServer",)),
    ({"fhirAuthorization": {"access_token": "secret-9f2"}}, 400, ("fhirAuthorization",)),
    ({"prefetch": "all of it"}, 412, ("no prefetch",)),
    ({"hook": None}, 400, ("'hook' is missing",)),
])
def test_model_refusals_are_one_sentence(api: Api, change: dict[str, Any], status: int,
                                         words: tuple[str, ...]) -> None:
    body = fx.hook_request()
    body.update(change)
    if change.get("hookInstance", "") is None:
        del body["hookInstance"]
    r = api.post(HOOK_URL, json=body)
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert message.endswith(".") and all(w in message for w in words), message
    assert "secret-9f2" not in message  # never echoes a value from the request


def test_the_first_problem_is_the_one_reported(api: Api) -> None:
    """Several problems: the sentence is about the one the service has always checked first."""
    r = api.post("/score", json={"rows": [1, {"age": [1]}], "explain": "yes"})
    assert r.json()["error"] == "'explain' must be true or false."
    r = api.post("/score", json={"rows": [{"age": 1}, 2, {"sex": {}}]})
    assert r.json()["error"] == "Row 2 is not a JSON object of column: value pairs."
    r = api.post(HOOK_URL, json={"hook": "encounter-discharge", "context": {}})
    assert r.json()["error"].startswith("The request has no 'hookInstance'")


def test_head_answers_where_get_does(api: Api, doc: dict[str, Any]) -> None:
    assert api.head("/health").status_code == 200
    assert api.head("/score").status_code == 405
    assert all("head" not in operations for operations in doc["paths"].values())


# ---- /docs ---------------------------------------------------------------------------------------------------

_OUTSIDE = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//(?!127\.0\.0\.1[:/"'])""", re.IGNORECASE)


def test_docs_is_one_page_that_loads_nothing_from_outside(api: Api, doc: dict[str, Any]) -> None:
    r = api.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert not _OUTSIDE.search(page), _OUTSIDE.search(page)
    assert "<script" not in page.lower() and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in r.headers["content-security-policy"]
    for path in doc["paths"]:
        assert f'<span class="path">{path}</span>' in page
    for name in ("HookRequest", "EncounterDischargeContext", "ScoreRequest", "Card"):
        assert f'id="schema-{name}"' in page
    assert api.get("/redoc").status_code == 404


def test_the_outside_reference_check_catches_cdn_assets() -> None:
    from fastapi.openapi.docs import get_swagger_ui_html

    swagger = get_swagger_ui_html(openapi_url="/openapi.json", title="x").body.decode()
    assert _OUTSIDE.search(swagger)  # FastAPI's default page loads from a CDN: the check sees it
    assert not _OUTSIDE.search('<a href="http://127.0.0.1:8000/openapi.json">')


def test_docs_needs_the_token_like_the_document_it_shows(engine: Engine) -> None:
    locked = Api(engine, Settings(token="tok"))
    assert locked.get("/docs").status_code == 401
    assert locked.get("/docs", headers={"Authorization": "Bearer tok"}).status_code == 200

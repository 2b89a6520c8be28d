"""Paginated and missing prefetch: the card says what is incomplete, and fetching cannot become a way in.

A local FHIR server (``tests/service/fhir_server.py``) runs on 127.0.0.1 inside each test;
the attacks (a redirect to another host, a next link to another origin, a server that never
answers, one with endless pages, an oversized answer, a patient id that climbs out of the
path) each have a test that shows the request is refused and the token goes nowhere else.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.interop.cds_hooks import SERVICE_ID
from core.interop.fhir_client import Base, FetchLimits, FetchRefusedError, allowed_server, parse_base
from core.scoring.engine import Engine
from service.app import Settings, create_app
from tests import fhir_fixtures as fx
from tests.service.asgi import run_async
from tests.service.fhir_server import FakeFhir, serve

HOOK_URL = f"/cds-services/{SERVICE_ID}"
TOKEN = "fhir-token-7d41c0"
LIMITS = FetchLimits(pages=20, bytes=200_000, seconds=1.0)


def _post(engine: Engine, settings: Settings, body: dict[str, Any]) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(engine, settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=30) as client:
            return await client.post(HOOK_URL, json=body)

    return run_async(send)


def _card(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()["cards"][0]


def _prior_pages() -> list[list[dict[str, Any]]]:
    """The prefetch's priorEncounters split into three pages (the index stay and one visit on the first)."""
    everything = [fx.index_encounter(), *fx.prior_encounters()]
    return [everything[:2], everything[2:4], everything[4:]]


def _paginated_request(base: str, **auth: Any) -> dict[str, Any]:
    """The full hook request, but priorEncounters holds only its first page, with a next link to ``base``."""
    req = fx.hook_request()
    req["fhirServer"] = base
    first = fx.searchset(_prior_pages()[0])
    first["link"] = [{"relation": "next", "url": f"{base}/Encounter?patient={fx.PATIENT_ID}&page=2"}]
    req["prefetch"]["priorEncounters"] = first
    if auth:
        req["fhirAuthorization"] = {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 300,
                                    "scope": "patient/*.read", "subject": "lantern"}
    return req


@pytest.fixture
def fhir() -> Iterator[FakeFhir]:
    with serve(FakeFhir(searches={"Encounter": _prior_pages()})) as fake:
        yield fake


@pytest.fixture
def elsewhere() -> Iterator[FakeFhir]:
    """Another host (127.0.0.2 is loopback too): it must never be asked anything."""
    with serve(FakeFhir(searches={"Encounter": _prior_pages()}), host="127.0.0.2") as fake:
        yield fake


def _allowing(fake: FakeFhir, limits: FetchLimits = LIMITS) -> Settings:
    return Settings(fhir_servers=(fake.base,), fetch_limits=limits)


def _assert_incomplete_card(card: dict[str, Any], *words: str) -> None:
    """No risk from a partial record: an info card without a percentage that names the incomplete input."""
    assert card["indicator"] == "info"
    assert "%" not in card["summary"] and "Incomplete record" in card["summary"]
    assert "30-day readmission risk:" not in card["detail"]
    assert "Admissions in the last 12 months and ED visits in the last 6 months: only the first" in card["detail"]
    for word in words:
        assert word in card["detail"], card["detail"]


# ---- incomplete prefetch, no fetching ------------------------------------------------------------------------

def test_a_next_link_makes_the_input_incomplete_and_the_card_says_so(engine: Engine, fhir: FakeFhir) -> None:
    card = _card(_post(engine, Settings(), _paginated_request(fhir.base, auth=True)))
    _assert_incomplete_card(card, "only the first page of results was sent", "LANTERN_FHIR_SERVERS")
    assert fhir.requests == []  # fetching is off by default: the server is never asked


@pytest.mark.parametrize(("key", "label"), [
    ("conditions", "Diagnoses (comorbidities and the Charlson index)"),
    ("observations", "Lab results (hemoglobin and sodium at discharge)"),
    ("procedures", "Procedures during the stay"),
    ("priorEncounters", "Admissions in the last 12 months and ED visits in the last 6 months"),
])
@pytest.mark.parametrize("hook", ["encounter-discharge", "patient-view"])
def test_every_paginated_search_gives_no_confident_risk(engine: Engine, hook: str, key: str, label: str) -> None:
    req = fx.hook_request(hook)
    del req["fhirServer"]
    req["prefetch"][key]["link"] = [{"relation": "next", "url": "https://ehr.example/fhir/x?page=2"}]
    card = _card(_post(engine, Settings(), req))
    assert card["indicator"] == "info" and "%" not in card["summary"], card
    assert f"{label}: only the first page of results was sent." in card["detail"]
    assert "the request names no fhirServer" in card["detail"]


def test_the_complete_prefetch_still_gives_a_risk(engine: Engine) -> None:
    card = _card(_post(engine, Settings(), fx.hook_request()))
    assert card["summary"].startswith("30-day readmission risk ") and "%" in card["summary"]


def test_patient_only_prefetch_gives_no_risk(engine: Engine) -> None:
    req = fx.hook_request("patient-view")
    req["prefetch"] = {"patient": fx.patient()}
    card = _card(_post(engine, Settings(), req))
    assert card["indicator"] == "info" and "%" not in card["summary"]
    assert card["summary"].startswith("No inpatient stay found")


# ---- fetching from an allow-listed server ------------------------------------------------------------------------

def test_the_remaining_pages_are_fetched_and_the_card_says_so(engine: Engine, fhir: FakeFhir,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    card = _card(_post(engine, _allowing(fhir), _paginated_request(fhir.base, auth=True)))
    full = _card(_post(engine, Settings(), fx.hook_request()))
    assert card["summary"] == full["summary"] and card["indicator"] == full["indicator"]
    assert "the other 2 pages were fetched from the EHR's FHIR server" in card["detail"]
    assert [path for path, _ in fhir.requests] == [f"/fhir/Encounter?patient={fx.PATIENT_ID}&page=2",
                                                   f"/fhir/Encounter?patient={fx.PATIENT_ID}&page=3"]
    assert all(header == f"Bearer {TOKEN}" for _, header in fhir.requests)
    assert TOKEN not in caplog.text


def test_missing_prefetch_is_fetched_with_the_templates(engine: Engine, fhir: FakeFhir) -> None:
    fhir.reads["Patient/pat-1"] = fx.patient()
    fhir.searches["Condition"] = [fx.conditions()]
    req = fx.hook_request(patient=True, conditions=True)
    req["fhirServer"] = fhir.base
    card = _card(_post(engine, _allowing(fhir), req))
    full = _card(_post(engine, Settings(), fx.hook_request()))
    assert card["summary"] == full["summary"]
    assert "Patient (age and sex): not in the prefetch; fetched from the EHR's FHIR server." in card["detail"]
    assert "Diagnoses (comorbidities and the Charlson index): not in the prefetch; fetched" in card["detail"]
    assert {path for path, _ in fhir.requests} == {"/fhir/Patient/pat-1", "/fhir/Condition?patient=pat-1"}
    assert all(header is None for _, header in fhir.requests)  # no fhirAuthorization: no token sent


def test_without_prefetch_and_without_a_fetchable_server_the_answer_is_412(engine: Engine, fhir: FakeFhir) -> None:
    req = fx.hook_request()
    del req["prefetch"]
    req["fhirServer"] = fhir.base
    r = _post(engine, Settings(), req)
    assert r.status_code == 412 and "LANTERN_FHIR_SERVERS" in r.json()["error"]
    fhir.reads.update({"Patient/pat-1": fx.patient(), f"Encounter/{fx.ENCOUNTER_ID}": fx.index_encounter()})
    assert _post(engine, _allowing(fhir), req).status_code == 200  # allow-listed: everything is fetched


# ---- attacks -------------------------------------------------------------------------------------------------------

def test_a_redirect_to_another_host_is_not_followed_and_gets_no_token(engine: Engine, fhir: FakeFhir,
                                                                      elsewhere: FakeFhir) -> None:
    fhir.mode, fhir.redirect_to = "redirect", elsewhere.base.removesuffix("/fhir")
    card = _card(_post(engine, _allowing(fhir), _paginated_request(fhir.base, auth=True)))
    _assert_incomplete_card(card, "redirect")
    assert len(fhir.requests) == 1 and elsewhere.requests == []


def test_a_next_link_to_another_origin_is_refused(engine: Engine, fhir: FakeFhir, elsewhere: FakeFhir) -> None:
    req = _paginated_request(fhir.base, auth=True)
    req["prefetch"]["priorEncounters"]["link"][0]["url"] = f"{elsewhere.base}/Encounter?patient=pat-1&page=2"
    _assert_incomplete_card(_card(_post(engine, _allowing(fhir), req)), "outside the EHR")
    fhir.mode, fhir.redirect_to = "foreign-next", elsewhere.base  # page 2 is fine, its next link is not
    card = _card(_post(engine, _allowing(fhir), _paginated_request(fhir.base, auth=True)))
    _assert_incomplete_card(card, "only the first 2 pages of results could be read", "outside the EHR")
    assert len(fhir.requests) == 1 and elsewhere.requests == []


def test_a_server_that_never_answers_cannot_hold_the_call_or_the_event_loop(engine: Engine, fhir: FakeFhir) -> None:
    fhir.mode = "hang"
    app = create_app(engine, _allowing(fhir))

    async def both() -> tuple[httpx.Response, float, float]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", timeout=30) as client:
            start = time.monotonic()
            hook = asyncio.create_task(client.post(HOOK_URL, json=_paginated_request(fhir.base, auth=True)))
            await asyncio.sleep(0.3)
            before = time.monotonic()
            assert (await client.get("/health")).status_code == 200
            health = time.monotonic() - before
            response = await hook
            return response, health, time.monotonic() - start

    response, health_seconds, hook_seconds = run_async(both)
    assert health_seconds < 0.5  # answered while the fetch waits: the loop was not blocked
    assert LIMITS.seconds <= hook_seconds < LIMITS.seconds + 2.0
    _assert_incomplete_card(_card(response), "time limit of 1 seconds")


def test_a_server_that_trickles_bytes_is_cut_off_at_the_deadline(engine: Engine, fhir: FakeFhir) -> None:
    """Each byte arrives well within the socket timeout; only the deadline timer stops the read."""
    fhir.mode = "trickle"
    start = time.monotonic()
    card = _card(_post(engine, _allowing(fhir), _paginated_request(fhir.base)))
    assert time.monotonic() - start < LIMITS.seconds + 2.0
    _assert_incomplete_card(card, "time limit of 1 seconds")


def test_endless_pages_stop_at_the_page_cap(engine: Engine, fhir: FakeFhir) -> None:
    fhir.mode = "endless"
    card = _card(_post(engine, _allowing(fhir), _paginated_request(fhir.base)))
    _assert_incomplete_card(card, "limit of 20 pages")
    assert len(fhir.requests) == 20


def test_answers_over_the_byte_cap_are_refused(engine: Engine, fhir: FakeFhir) -> None:
    fhir.searches["Encounter"] = [_prior_pages()[0], [fx.encounter(f"e{i}", "2023-01-01T00:00:00Z",
                                                                   "2023-01-02T00:00:00Z", "AMB")
                                                      for i in range(200)]]
    card = _card(_post(engine, _allowing(fhir, FetchLimits(bytes=5_000)), _paginated_request(fhir.base)))
    _assert_incomplete_card(card, "limit of 5,000 bytes")


def test_a_patient_id_cannot_climb_out_of_the_query(engine: Engine, fhir: FakeFhir) -> None:
    req = fx.hook_request(patient=True)
    req["fhirServer"] = fhir.base
    req["context"]["patientId"] = "../../admin?x=1#"
    r = _post(engine, _allowing(fhir), req)
    assert r.status_code == 412  # nothing usable came back, and nothing left the base path
    assert fhir.requests and all(path.startswith("/fhir/") and "/admin" not in path and "?x=1" not in path
                                 for path, _ in fhir.requests)


def test_a_server_not_on_the_allow_list_is_never_asked(engine: Engine, fhir: FakeFhir, elsewhere: FakeFhir) -> None:
    req = _paginated_request(elsewhere.base, auth=True)
    card = _card(_post(engine, _allowing(fhir), req))
    _assert_incomplete_card(card, "FHIR server is not listed in LANTERN_FHIR_SERVERS")
    assert elsewhere.requests == [] and fhir.requests == []


# ---- the allow-list and origin rules, unit by unit -------------------------------------------------------------------

@pytest.mark.parametrize(("server", "allow", "reason"), [
    ("https://ehr.example/fhir", (), "fetching is off"),
    ("https://evil.example/fhir", ("https://ehr.example/fhir",), "not listed"),
    ("https://ehr.example@evil.example/fhir", ("https://ehr.example/fhir",), "user name"),
    ("https://ehr.example.evil.example/fhir", ("https://ehr.example/fhir",), "not listed"),
    ("https://ehr.example:8443/fhir", ("https://ehr.example/fhir",), "not listed"),
    ("http://ehr.example/fhir", ("https://ehr.example/fhir",), "not listed"),
    ("https://ehr.example/fhir/../admin", ("https://ehr.example/fhir",), "not listed"),
    ("http://ehr.example/fhir", ("http://ehr.example/fhir",), "https"),
    ("file:///etc/passwd", ("file:///etc/passwd",), "not an http(s) URL"),
    ("https://ehr.example/fhir?x=1", ("https://ehr.example/fhir",), "query"),
])
def test_the_allow_list_refuses(server: str, allow: tuple[str, ...], reason: str) -> None:
    with pytest.raises(FetchRefusedError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        allowed_server(server, allow)


@pytest.mark.parametrize(("server", "allow"), [
    ("https://EHR.example/fhir/", ("https://ehr.example/fhir",)),
    ("https://ehr.example:443/fhir", (" https://ehr.example/fhir ", "not a url")),
    ("http://127.0.0.1:8080/fhir", ("http://127.0.0.1:8080/fhir",)),
    ("http://[::1]:8080/fhir", ("http://[::1]:8080/fhir",)),
    ("http://localhost:8080/fhir", ("http://localhost:8080/fhir",)),
])
def test_the_allow_list_accepts(server: str, allow: tuple[str, ...]) -> None:
    assert isinstance(allowed_server(server, allow), Base)


@pytest.mark.parametrize(("url", "held"), [
    ("https://ehr.example/fhir/Encounter?page=2", True),
    ("https://ehr.example:443/fhir?_getpages=abc", True),
    ("http://ehr.example/fhir/Encounter?page=2", False),
    ("https://ehr.example:8443/fhir/Encounter", False),
    ("https://evil.example/fhir/Encounter", False),
    ("https://ehr.example/fhirx/Encounter", False),
    ("https://ehr.example/admin", False),
    ("https://user:pw@ehr.example/fhir/Encounter", False),
    ("//evil.example/fhir/Encounter", False),
    ("/fhir/Encounter", False),
])
def test_only_links_on_the_base_are_followed(url: str, held: bool) -> None:
    assert parse_base("https://ehr.example/fhir").holds(url) is held


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANTERN_FHIR_SERVERS", raising=False)
    assert Settings.from_env().fhir_servers == ()
    monkeypatch.setenv("LANTERN_FHIR_SERVERS", " https://a.example/fhir, ,https://b.example/r4 ")
    assert Settings.from_env().fhir_servers == ("https://a.example/fhir", "https://b.example/r4")


def test_the_request_is_not_changed_by_reading_it(engine: Engine, fhir: FakeFhir) -> None:
    req = _paginated_request(fhir.base, auth=True)
    before = copy.deepcopy(req)
    _post(engine, _allowing(fhir), req)
    assert req == before

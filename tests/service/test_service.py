"""The HTTP service, exercised over real HTTP on 127.0.0.1: CDS Hooks discovery and cards, /score, errors, token.

Servers run uvicorn in a thread on a socket bound to a free loopback port; one test starts
``python -m service`` as a subprocess to check the command line.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
import uvicorn

from core.interop.cds_hooks import INDICATORS, SERVICE_ID, SERVICES, build_card, indicator_for
from core.interop.fhir import FhirMapping
from core.presentation.wording import format_risk, natural_frequency
from core.scoring.engine import Engine
from service.app import Settings, create_app
from tests import fhir_fixtures as fx
from tests.conftest import DEMO_UNLABELLED, ROOT

HOOK_URL = f"/cds-services/{SERVICE_ID}"
TOKEN = "test-token-5f1c9a"
ORIGIN = "https://ehr.example"
MAX_BYTES = 300_000


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _serve(engine: Engine, settings: Settings) -> Iterator[httpx.Client]:
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine, settings), log_config=None, access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        yield client
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[httpx.Client]:
    yield from _serve(engine, Settings(max_bytes=MAX_BYTES))


@pytest.fixture(scope="module")
def locked(engine: Engine) -> Iterator[httpx.Client]:
    yield from _serve(engine, Settings(token=TOKEN, cors_origins=(ORIGIN,)))


def _card(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["cards"] and len(body["cards"]) == 1
    return body["cards"][0]


def _assert_cds_card(card: dict[str, Any]) -> None:
    """The CDS Hooks rules for a card: summary under 140 characters, indicator info|warning|critical, source."""
    assert isinstance(card["summary"], str) and 0 < len(card["summary"]) < 140
    assert card["indicator"] in {"info", "warning", "critical"}
    assert isinstance(card["source"], dict) and card["source"]["label"].strip()
    assert isinstance(card.get("detail", ""), str)


def _assert_json_error(response: httpx.Response, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    assert isinstance(message, str) and message.endswith(".") and "Traceback" not in message
    for word in words:
        assert word.lower() in message.lower(), message
    return message


# ---- discovery, health, OpenAPI -------------------------------------------------------------------------

def test_health(client: httpx.Client, engine: Engine) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "model_version": engine.bundle.version}


def test_discovery_lists_every_hook_answered_with_its_prefetch(client: httpx.Client, engine: Engine) -> None:
    r = client.get("/cds-services")
    assert r.status_code == 200
    services = r.json()["services"]
    assert [(s["hook"], s["id"]) for s in services] == list(SERVICES.items())
    assert SERVICES["encounter-discharge"] == SERVICE_ID
    for svc in services:
        assert svc["title"] and svc["description"]
        assert f"{engine.bundle.name} {engine.bundle.version}" in svc["description"]
        other = "patient-view" if svc["hook"] == "encounter-discharge" else "encounter-discharge"
        assert other not in svc["description"]  # each describes its own hook, and claims no other
        assert client.post(f"/cds-services/{svc['id']}", json=fx.hook_request(svc["hook"])).status_code == 200
    discharge, view = (s["prefetch"] for s in services)
    assert set(discharge) == {"patient", "encounter", "conditions", "observations", "procedures", "priorEncounters"}
    assert set(view) == set(discharge) - {"encounter"}  # patient-view's encounterId is optional: no template
    assert discharge["patient"] == "Patient/{{context.patientId}}"
    assert discharge["encounter"] == "Encounter/{{context.encounterId}}"
    assert "http://loinc.org|718-7" in discharge["observations"]
    assert "http://loinc.org|2951-2" in discharge["observations"]
    assert all("{{context.patientId}}" in t for k, t in discharge.items() if k != "encounter")
    assert all(view[k] == discharge[k] for k in view)


def test_openapi_document(client: httpx.Client) -> None:
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    hooks = {f"/cds-services/{service_id}" for service_id in SERVICES.values()}
    assert set(doc["paths"]) == {"/health", "/cds-services", *hooks, "/score", "/openapi.json"}
    assert doc["components"]["schemas"]["Card"]["properties"]["indicator"]["enum"] == list(INDICATORS)


# ---- the hook -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hook", ["encounter-discharge", "patient-view"])
def test_hook_answers_one_card_that_follows_the_cds_hooks_rules(
    client: httpx.Client, engine: Engine, hook: str
) -> None:
    card = _card(client.post(HOOK_URL, json=fx.hook_request(hook)))
    _assert_cds_card(card)
    expected = engine.patient(fx.COMPLETE_EXPECTED)
    pct = round(expected.risk * 100)
    assert card["summary"] == f"30-day readmission risk {pct}% ({expected.band})"
    assert card["indicator"] == indicator_for(expected.band, engine.bundle.bands)
    assert card["source"]["label"] == f"Lantern readmission model {engine.bundle.version}"
    detail = card["detail"]
    assert f"About {pct} of 100 patients like this are readmitted within 30 days." in detail
    for i, reason in enumerate(expected.reasons[:3], start=1):
        assert f"{i}. {reason}" in detail
    assert "4. " not in detail
    assert "Not recorded: Insurance" in detail
    assert "associations in the model, not causes" in detail
    assert "supports, not replaces, clinical judgement" in detail
    assert "29 of 33 inputs came from the FHIR record" in detail


def test_band_sets_the_indicator(client: httpx.Client, engine: Engine) -> None:
    """A young patient after a short planned stay is low risk: indicator info."""
    req = fx.hook_request()
    pre = req["prefetch"]
    pre["patient"] = fx.patient(birth="1992-01-15", gender="male")
    pre["encounter"] = fx.index_encounter(start="2024-03-06T08:00:00Z", priority="EL", admit_source=None,
                                          service=("394801008", "Trauma and orthopaedics"), diagnosis=None)
    pre["conditions"] = fx.searchset([])
    pre["priorEncounters"] = fx.searchset([pre["encounter"]])
    card = _card(client.post(HOOK_URL, json=req))
    _assert_cds_card(card)
    low = engine.bundle.bands[0]["name"]
    assert card["summary"].endswith(f"({low})")
    assert card["indicator"] == "info"
    assert [indicator_for(b["name"], engine.bundle.bands) for b in engine.bundle.bands] == \
        ["info", "warning", "critical"]


def test_parallel_hook_calls_give_the_same_card(client: httpx.Client) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def call(_: int) -> tuple[str, str]:
        card = _card(client.post(HOOK_URL, json=fx.hook_request()))
        return card["summary"], card["detail"]

    with ThreadPoolExecutor(8) as pool:
        answers = set(pool.map(call, range(16)))
    assert len(answers) == 1


def test_the_card_words_a_risk_as_the_app_does() -> None:
    """The card's percentage and natural-frequency sentence come from the one wording module the app uses."""
    engine = Engine.load()
    result = dataclasses.replace(engine.patient(engine.typical_patient()), risk=0.007)
    mapping = FhirMapping(values={}, sources={"length_of_stay_days": "Encounter.period"}, missing=[], warnings=[],
                          index_stay_found=True)
    detail = build_card(engine, result, mapping)["detail"]
    assert "risk: <1%**" in detail  # the app said 1% and the card <1% for the same 0.7%: now both say <1%
    assert format_risk(0.007) == "<1%"
    assert natural_frequency(0.007) in detail
    assert "Fewer than 1 of 100 patients like this are readmitted within 30 days." in detail


def test_text_from_the_request_is_inert_in_the_card() -> None:
    """A FHIR warning quoting the request reaches the card as literal text: no link, no HTML, no emphasis."""
    engine = Engine.load()
    result = engine.patient(engine.typical_patient())
    mapping = FhirMapping(values={}, sources={"length_of_stay_days": "Encounter.period"}, missing=[],
                          warnings=["Unknown code [click](javascript:alert(1)) <img src=x> **now**"],
                          index_stay_found=True)
    detail = build_card(engine, result, mapping)["detail"]
    assert "\\[click\\](javascript:alert(1)) &lt;img src=x&gt; \\*\\*now\\*\\*" in detail
    assert "<img" not in detail and "[click](" not in detail


def test_missing_prefetch_is_a_412_naming_what_is_missing(client: httpx.Client) -> None:
    req = fx.hook_request()
    del req["prefetch"]
    _assert_json_error(client.post(HOOK_URL, json=req), 412, "no prefetch", "patient", "encounter")
    _assert_json_error(client.post(HOOK_URL, json=fx.hook_request(encounter=True)), 412, "missing", "encounter")
    _assert_json_error(client.post(HOOK_URL, json=fx.hook_request("patient-view", patient=True)), 412, "patient")
    nulled = fx.hook_request()
    nulled["prefetch"]["patient"] = None  # the EHR could not fetch it
    _assert_json_error(client.post(HOOK_URL, json=nulled), 412, "patient")


def test_optional_prefetch_missing_still_scores_with_warnings(client: httpx.Client) -> None:
    card = _card(client.post(HOOK_URL, json=fx.hook_request(observations=True, priorEncounters=True)))
    _assert_cds_card(card)
    assert "Hemoglobin" in card["detail"] and "no earlier Encounters" in card["detail"]


@pytest.mark.parametrize(("change", "words"), [
    ({"hook": "order-sign"}, ("encounter-discharge", "patient-view")),
    ({"context": {"patientId": fx.PATIENT_ID}}, ("encounterId",)),
    ({"context": "pat-1"}, ("context",)),
    ({"context": {"patientId": "someone-else", "encounterId": fx.ENCOUNTER_ID}}, ("not the patient",)),
])
def test_bad_hook_requests_are_400(client: httpx.Client, change: dict[str, Any], words: tuple[str, ...]) -> None:
    req = fx.hook_request()
    req.update(change)
    _assert_json_error(client.post(HOOK_URL, json=req), 400, *words)


def test_unusable_prefetch_is_400(client: httpx.Client) -> None:
    req = fx.hook_request()
    req["prefetch"]["encounter"] = fx.patient()
    _assert_json_error(client.post(HOOK_URL, json=req), 400, "'encounter' prefetch holds a Patient")
    mixed = fx.hook_request()
    other = fx.condition("c-x", "I21.4", "MI", subject="someone-else")
    mixed["prefetch"]["conditions"] = fx.searchset([*fx.conditions(), other])
    _assert_json_error(client.post(HOOK_URL, json=mixed), 400, "mixes patients")


def test_implausible_value_gives_a_warning_card_not_an_error(client: httpx.Client) -> None:
    req = fx.hook_request()
    req["prefetch"]["observations"] = fx.searchset(
        [fx.observation("hb", "718-7", 112.0, "g/dL", "2024-03-06T06:00:00Z")])  # g/L mislabelled as g/dL
    card = _card(client.post(HOOK_URL, json=req))
    _assert_cds_card(card)
    assert card["indicator"] == "warning"
    assert "could not score" in card["summary"]
    detail = card["detail"]
    assert "Hemoglobin at discharge: '112' is impossible" in detail and "Observation LOINC 718-7" in detail
    assert "supports, not replaces, clinical judgement" in detail


# ---- malformed bodies, limits ------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "words"), [
    (b'{"hook": "encounter-discharge",', ("not valid JSON", "line 1")),
    (b"", ("empty",)),
    (b"\xff\xfe{}", ("UTF-8",)),
    (b'{"a": NaN}', ("not valid JSON",)),
    (b"[1, 2]", ("JSON object",)),
])
def test_malformed_json_is_400_with_a_plain_message(client: httpx.Client, body: bytes, words: tuple[str, ...]) -> None:
    r = client.post(HOOK_URL, content=body, headers={"content-type": "application/json"})
    _assert_json_error(r, 400, *words)
    _assert_json_error(client.post("/score", content=body), 400)


def test_body_over_the_limit_is_413(client: httpx.Client) -> None:
    big = b'{"rows": [' + b",".join([b'{"age": 70}'] * 40_000) + b"]}"
    assert len(big) > MAX_BYTES
    _assert_json_error(client.post("/score", content=big), 413, "limit")

    def chunks() -> Iterator[bytes]:  # no content-length: the limit still holds while reading
        for i in range(0, len(big), 65_536):
            yield big[i : i + 65_536]

    _assert_json_error(client.post("/score", content=chunks()), 413, "limit")


def test_unknown_path_and_method_are_plain_json(client: httpx.Client) -> None:
    _assert_json_error(client.get("/nowhere?patient=pat-1"), 404, "No such endpoint")
    _assert_json_error(client.get("/score"), 405, "GET")


# ---- /score --------------------------------------------------------------------------------------------

def _demo_rows(n: int) -> list[dict[str, Any]]:
    return pd.read_csv(DEMO_UNLABELLED, dtype=str, keep_default_na=False, nrows=n).to_dict("records")


@pytest.mark.parametrize("explain", [False, True])
def test_score_returns_the_columns_core_score_writes(client: httpx.Client, engine: Engine, explain: bool) -> None:
    rows = _demo_rows(25)
    rows[3]["age"] = "two hundred"
    rows[7]["age"] = 230
    r = client.post("/score", json={"rows": rows, "explain": explain})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = engine.score(pd.DataFrame(rows), explain_columns=explain)
    assert body["counts"] == expected.counts == {"read": 25, "scored": 23, "rejected": 2, "not_eligible": 0,
                                                 "insufficient_data": 0}
    assert [list(row) for row in body["rows"]] == [list(expected.output.columns)] * 25
    out = pd.DataFrame(body["rows"])
    assert out["status"].tolist() == expected.output["status"].tolist()
    assert out["risk"].isna().tolist() == expected.output["risk"].isna().tolist()
    assert out["risk"].fillna(-1).to_numpy() == pytest.approx(expected.output["risk"].fillna(-1).to_numpy())
    assert out["top_reasons"].tolist() == expected.output["top_reasons"].tolist()
    assert "age" in body["rows"][3]["reason"] and body["rows"][3]["risk"] is None


def test_score_gives_a_child_and_an_empty_row_a_status_and_reason_but_no_risk(client: httpx.Client) -> None:
    rows = _demo_rows(6)
    rows[1]["age"] = 10
    rows[4] = {name: None for name in rows[4]}
    r = client.post("/score", json={"rows": rows})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["counts"] == {"read": 6, "scored": 4, "rejected": 0, "not_eligible": 1, "insufficient_data": 1}
    child, empty = body["rows"][1], body["rows"][4]
    assert child["status"] == "not eligible" and "Age 10" in child["reason"] and child["risk"] is None
    assert empty["status"] == "insufficient data" and "needs Age" in empty["reason"] and empty["risk"] is None
    assert child["risk_band"] == empty["risk_band"] == ""


def test_score_accepts_json_numbers_booleans_and_nulls(client: httpx.Client) -> None:
    row: dict[str, Any] = dict(fx.COMPLETE_EXPECTED)
    row.update({"insurance": "medicare", "n_medications": 9, "followup_within_7d": True, "med_reconciliation": False,
                "hemoglobin_g_dl": None})
    r = client.post("/score", json={"rows": [row]})
    assert r.status_code == 200, r.text
    out = r.json()["rows"][0]
    assert out["status"] == "scored"
    assert out["flags"] == "not recorded: hemoglobin_g_dl"


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"rows": []}, 400, ("empty",)),
    ({"records": []}, 400, ("rows",)),
    ({"rows": [1, 2]}, 400, ("Row 1",)),
    ({"rows": [{"age": {"value": 70}}]}, 400, ("Row 1", "age")),
    ({"rows": [{"age": 70}], "explain": "yes"}, 400, ("explain",)),
    ({"rows": [{"colour": "red"}]}, 422, ("None of the model's", "rows have the columns: colour")),
])
def test_score_rejects_bad_bodies(client: httpx.Client, body: dict[str, Any], status: int,
                                  words: tuple[str, ...]) -> None:
    _assert_json_error(client.post("/score", json=body), status, *words)


# ---- token, CORS, logs --------------------------------------------------------------------------------------

def test_token_required_on_every_endpoint_but_health(locked: httpx.Client) -> None:
    assert locked.get("/health").status_code == 200
    calls = [("GET", "/cds-services", None), ("POST", HOOK_URL, fx.hook_request()),
             ("POST", "/score", {"rows": _demo_rows(2)}), ("GET", "/openapi.json", None)]
    for method, path, body in calls:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            r = locked.request(method, path, json=body, headers=headers)
            _assert_json_error(r, 401, "Bearer")
            assert r.headers["www-authenticate"].startswith("Bearer")
        ok = locked.request(method, path, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200, (path, ok.text)


def test_cors_closed_by_default_and_open_only_to_listed_origins(client: httpx.Client, locked: httpx.Client) -> None:
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    closed = client.options("/score", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    assert "access-control-allow-origin" not in client.get("/cds-services", headers={"Origin": ORIGIN}).headers
    opened = locked.options("/score", headers=preflight)
    assert opened.status_code == 200
    assert opened.headers["access-control-allow-origin"] == ORIGIN
    other = locked.options("/score", headers={**preflight, "Origin": "https://evil.example"})
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"


def test_logs_hold_shapes_never_values(client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lantern.service")
    card = _card(client.post(HOOK_URL, json=fx.hook_request()))
    rows = _demo_rows(3)
    client.post("/score", json={"rows": rows})
    client.post(HOOK_URL, content=b'{"patientId": "pat-1", oops')
    client.get("/nowhere/pat-1?birthDate=1948-05-20")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "lantern.service")
    assert "hook encounter-discharge" in text and "score: 3 rows" in text
    risk = re.search(r"\d+%", card["summary"]).group(0)
    secrets = [fx.PATIENT_ID, fx.ENCOUNTER_ID, "1948-05-20", "Cardiology", "cardiology", "I50", risk,
               "female", "11.2", "Practitioner/dr-1", rows[0]["encounter_id"], rows[0]["patient_id"], "nowhere"]
    for secret in secrets:
        assert secret not in text, secret


# ---- the command line ------------------------------------------------------------------------------------------

def test_python_m_service_starts_on_the_given_port_with_the_token_from_the_environment() -> None:
    sock = _free_socket()
    port = sock.getsockname()[1]
    sock.close()
    env = {**os.environ, "LANTERN_SERVICE_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    output = proc.stdout.read() if proc.stdout else ""
                    raise AssertionError(f"service did not start: {output}") from None
                time.sleep(0.2)
        assert r.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/cds-services", timeout=5).status_code == 401
        ok = httpx.get(f"http://127.0.0.1:{port}/cds-services", headers={"Authorization": f"Bearer {TOKEN}"},
                       timeout=5)
        assert ok.json()["services"][0]["id"] == SERVICE_ID
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    log = proc.stdout.read() if proc.stdout else ""
    assert TOKEN not in log


def test_python_m_service_reports_a_bad_bundle_in_one_line(tmp_path: Any) -> None:
    done = subprocess.run([sys.executable, "-m", "service", "--bundle", str(tmp_path / "none")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().startswith("error: No model bundle at")
    assert len(done.stderr.strip().splitlines()) == 1

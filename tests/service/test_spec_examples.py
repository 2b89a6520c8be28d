"""The CDS Hooks specification's own example requests (tests/service/spec_examples, cited in its README).

None may get a 5xx. patient-view needs only a Patient (its encounterId is optional), so each
patient-view example is answered 200, also when its context names an encounter it did not
send; without a stay, the card says so and gives no risk. encounter-discharge needs the
Encounter being closed: without it, 412 (the spec's status for data the service cannot obtain).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from core.interop.cds_hooks import SERVICES
from core.scoring.engine import Engine
from service.app import Settings, create_app
from tests.conftest import ROOT
from tests.service.asgi import run_async

EXAMPLES = ROOT / "tests" / "service" / "spec_examples"
#: The spec's fhirServer: plain http, so even when listed it is never fetched from (and no test goes online).
SPEC_SERVER = "http://hooks.smarthealthit.org:9080"


def _example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def _post(engine: Engine, settings: Settings, path: str, body: dict[str, Any]) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(engine, settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(path, json=body)

    return run_async(send)


@pytest.mark.parametrize("settings", [Settings(), Settings(fhir_servers=(SPEC_SERVER,))], ids=["no-fetch", "listed"])
@pytest.mark.parametrize("service_id", list(SERVICES.values()))
@pytest.mark.parametrize("name", ["patient-view", "patient-view-context-only", "patient-view-prefetch-data"])
def test_spec_patient_view_examples_are_answered_200(engine: Engine, settings: Settings, service_id: str,
                                                     name: str) -> None:
    r = _post(engine, settings, f"/cds-services/{service_id}", _example(name))
    assert r.status_code == 200, r.text
    (card,) = r.json()["cards"]
    assert card["indicator"] == "info" and "%" not in card["summary"]
    assert card["summary"] == "No inpatient stay found: Lantern gives no readmission risk"
    if name != "patient-view-context-only":  # the context names encounter 89284, which was not sent
        assert "names an encounter that the record sent does not hold" in card["detail"]


@pytest.mark.parametrize("settings", [Settings(), Settings(fhir_servers=(SPEC_SERVER,))], ids=["no-fetch", "listed"])
@pytest.mark.parametrize(("name", "words"), [
    ("encounter-discharge", ("missing the prefetch for: encounter",)),
    ("encounter-discharge-no-prefetch", ("no prefetch", "patient, encounter")),
])
def test_spec_encounter_discharge_examples_are_a_412_naming_what_is_missing(
    engine: Engine, settings: Settings, name: str, words: tuple[str, ...]
) -> None:
    r = _post(engine, settings, f"/cds-services/{SERVICES['encounter-discharge']}", _example(name))
    assert r.status_code == 412, r.text
    assert r.headers["content-type"].startswith("application/json")
    message = r.json()["error"]
    assert list(r.json()) == ["error"] and message.endswith(".")
    for word in words:
        assert word in message, message
    reason = "does not use https" if settings.fhir_servers else "fetching is off (no FHIR server is listed"
    assert reason in message, message

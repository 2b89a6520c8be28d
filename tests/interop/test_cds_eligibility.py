"""Issue 16 on the FHIR and CDS Hooks paths: no risk for the deceased, children and the never-admitted.

The real Synthea bundles (tests/fixtures/fhir-synthea): Tony_Beer and Michele_Wolf are
deceased, Trent_Jaskolski and Lemuel_Hodkiewicz are children, Alexia_Senger and Osvaldo_Graham
were never admitted; the adults with stays (Suzan_Sanford, Bradly_Douglas) get a risk. A
Patient-only CDS request (birth date and sex) never gets one.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import pytest

from core.interop import cds_hooks
from core.interop.fhir import bundle_to_patient
from core.scoring.engine import Engine, PatientResult
from service.app import Settings, create_app
from tests.service.asgi import run_async

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir-synthea"
SEARCHED = frozenset({"Condition", "Procedure", "Encounter"})
NO_RISK = {"Tony_Beer": "deceased", "Michele_Wolf": "deceased", "Trent_Jaskolski": "Age 1 ",
           "Lemuel_Hodkiewicz": "Age 11 ", "Alexia_Senger": "No inpatient stay", "Osvaldo_Graham": "No inpatient stay"}
RISK = ("Suzan_Sanford", "Bradly_Douglas")


def _card(engine: Engine, prefix: str) -> tuple[PatientResult, dict[str, object]]:
    bundle = json.loads(next(FIXTURES.glob(f"{prefix}_*.json")).read_text(encoding="utf-8"))
    mapping = bundle_to_patient(bundle, engine.schema, complete=SEARCHED)
    result = engine.patient(mapping.values, facts=cds_hooks.patient_facts(mapping))
    return result, cds_hooks.build_card(engine, result, mapping)


@pytest.mark.parametrize("prefix", sorted(NO_RISK))
def test_the_deceased_children_and_never_admitted_get_an_info_card_without_a_risk(engine: Engine,
                                                                                 prefix: str) -> None:
    result, card = _card(engine, prefix)
    assert math.isnan(result.risk) and not result.estimated
    assert card["indicator"] == "info" and "%" not in str(card["summary"]) + str(card["detail"]).split("_")[0]
    assert NO_RISK[prefix] in str(card["summary"]) + str(card["detail"])


@pytest.mark.parametrize("prefix", RISK)
def test_adults_with_an_ended_stay_get_a_risk(engine: Engine, prefix: str) -> None:
    result, card = _card(engine, prefix)
    assert result.estimated and 0 < result.risk < 1
    assert "30-day readmission risk" in str(card["summary"]) and "%" in str(card["summary"])


def test_a_patient_only_cds_request_gets_no_risk(engine: Engine) -> None:
    body = {"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "context": {"userId": "Practitioner/1", "patientId": "p1"},
            "prefetch": {"patient": {"resourceType": "Patient", "id": "p1", "gender": "female",
                                     "birthDate": "1950-01-01"}}}

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(engine, Settings()))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post(f"/cds-services/{cds_hooks.SERVICE_ID}", json=body)

    response = run_async(send)
    assert response.status_code == 200, response.text
    (card,) = response.json()["cards"]
    assert card["indicator"] == "info" and "%" not in card["summary"]
    assert "no readmission risk" in card["summary"]

"""Ten real Synthea R4 bundles (tests/fixtures/fhir-synthea, Apache-2.0): every mapped value, per patient.

Synthea codes every Condition in SNOMED CT only, sends NUBC dispositions, no priority or
admitSource (the emergency admission is in the encounter chain), and labs spread over years.
Each bundle is a ``transaction``, so the caller must say the searches were complete for
absence to mean "no"; without that, only what is present is recorded.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from core.clinical.charlson import COMORBIDITIES
from core.data.schema import Schema
from core.interop.fhir import FhirMapping, bundle_to_patient
from core.scoring.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir-synthea"
SEARCHED = frozenset({"Condition", "Procedure", "Encounter"})
STAY = ("age", "sex", "length_of_stay_days", "admission_type", "service", "discharge_disposition",
        "primary_diagnosis", "procedure_during_stay", "hemoglobin_g_dl", "sodium_mmol_l", "admissions_12m",
        "ed_visits_6m", "charlson_index")

#: file prefix -> (stay values with complete searches, the comorbidities that are 1).
EXPECTED: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "Bradly_Douglas": ({"age": 26, "sex": "male", "length_of_stay_days": 1, "procedure_during_stay": 0,
                        "admissions_12m": 0, "ed_visits_6m": 0, "charlson_index": 0}, frozenset()),
    "Suzan_Sanford": ({"age": 44, "sex": "female", "length_of_stay_days": 1, "procedure_during_stay": 0,
                       "admissions_12m": 0, "ed_visits_6m": 0, "charlson_index": 0}, frozenset()),
    "Librada_Tromp": ({"age": 55, "sex": "female", "length_of_stay_days": 1, "procedure_during_stay": 1,
                       "admissions_12m": 0, "ed_visits_6m": 0, "charlson_index": 2}, frozenset({"cm_cancer"})),
    "Luis_Miguel_Delarosa": ({"age": 72, "sex": "male", "length_of_stay_days": 1, "procedure_during_stay": 1,
                              "admissions_12m": 0, "ed_visits_6m": 0, "charlson_index": 3},
                             frozenset({"cm_cancer", "cm_copd"})),
    "Tony_Beer": ({"age": 42, "sex": "male", "length_of_stay_days": 1, "procedure_during_stay": 1,
                   "admissions_12m": 0, "ed_visits_6m": 0, "charlson_index": 1}, frozenset({"cm_copd"})),
    "Michele_Wolf": ({"age": 74, "sex": "female", "length_of_stay_days": 1, "admission_type": "emergency",
                      "procedure_during_stay": 1, "sodium_mmol_l": 140.63, "admissions_12m": 0, "ed_visits_6m": 0,
                      "charlson_index": 1}, frozenset({"cm_chf"})),
    "Trent_Jaskolski": ({"age": 1, "sex": "male", "length_of_stay_days": 3, "admission_type": "emergency",
                         "discharge_disposition": "home", "procedure_during_stay": 0, "admissions_12m": 0,
                         "ed_visits_6m": 0, "charlson_index": 0}, frozenset()),
    "Lemuel_Hodkiewicz": ({"age": 11, "sex": "male", "length_of_stay_days": 4, "admission_type": "emergency",
                           "discharge_disposition": "home", "procedure_during_stay": 0, "admissions_12m": 0,
                           "ed_visits_6m": 0, "charlson_index": 0}, frozenset()),
}
NEVER_ADMITTED = {"Alexia_Senger": ("female", 15), "Osvaldo_Graham": ("male", 9)}


@cache
def _bundle_text(prefix: str) -> str:
    path = next(FIXTURES.glob(f"{prefix}_*.json"))
    return path.read_text(encoding="utf-8")


def _map(prefix: str, schema: Schema, complete: frozenset[str] = SEARCHED) -> FhirMapping:
    return bundle_to_patient(json.loads(_bundle_text(prefix)), schema, complete=complete)


@pytest.fixture(scope="module")
def schema(engine: Engine) -> Schema:
    return engine.schema


def test_the_fixtures_carry_their_licence_notice() -> None:
    notice = (FIXTURES / "NOTICE.md").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice and "25ac8089f0464b8673c7669509dc0bb8f4883773" in notice
    assert len(list(FIXTURES.glob("*.json"))) == len(EXPECTED) + len(NEVER_ADMITTED)


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_every_mapped_value_of_an_admitted_patient(schema: Schema, prefix: str) -> None:
    stay, present = EXPECTED[prefix]
    m = _map(prefix, schema)
    assert m.index_stay_found
    assert {n: m.values[n] for n in STAY} == {n: stay.get(n) for n in STAY}
    assert {c for c in COMORBIDITIES if m.values[c] == 1} == present
    assert all(m.values[c] == 0 for c in COMORBIDITIES if c not in present)  # searched and every code known
    assert not any("no code Lantern knows" in w for w in m.warnings)
    if "admission_type" in stay:  # Synthea has no priority: the emergency visit leads into the stay
        assert m.status["admission_type"] == "inferred"
        assert m.sources["admission_type"].startswith("inferred from the emergency Encounter")


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_without_complete_searches_only_what_is_present_is_recorded(schema: Schema, prefix: str) -> None:
    stay, present = EXPECTED[prefix]
    m = _map(prefix, schema, complete=frozenset())
    assert {c for c in COMORBIDITIES if m.values[c] is not None} == present
    assert all(m.values[c] == 1 for c in present)
    assert m.values["charlson_index"] is None and m.values["admissions_12m"] is None
    assert m.values["procedure_during_stay"] == (1 if stay["procedure_during_stay"] else None)
    assert "complete search" in m.reasons["cm_mi"]
    assert m.searched["Condition"] == "not known to be complete"


def test_the_colon_cancer_patient_has_cancer_not_no(schema: Schema) -> None:
    for complete in (SEARCHED, frozenset()):
        m = _map("Librada_Tromp", schema, complete)
        assert m.values["cm_cancer"] == 1
        assert "SNOMED CT" in m.sources["cm_cancer"]


@pytest.mark.parametrize("prefix", sorted(NEVER_ADMITTED))
def test_never_admitted_patients_have_no_inpatient_stay(schema: Schema, prefix: str) -> None:
    sex, n_encounters = NEVER_ADMITTED[prefix]
    m = _map(prefix, schema)
    assert not m.index_stay_found
    assert m.values["sex"] == sex
    stay_features = [n for n in STAY if n not in ("sex", "charlson_index")]
    assert all(m.values[n] is None for n in stay_features)  # no years-old labs "at discharge"
    assert m.reasons["hemoglobin_g_dl"].startswith("no inpatient stay")
    assert m.reasons["length_of_stay_days"] == "no inpatient stay found"
    text = " ".join(m.warnings)
    assert f"No inpatient stay found: the Bundle holds {n_encounters} Encounters" in text
    assert "has no Encounter" not in text and "there is no Encounter" not in text


def test_deceased_patients_are_noted(schema: Schema) -> None:
    for prefix in ("Tony_Beer", "Michele_Wolf"):
        assert any("deceased" in w for w in _map(prefix, schema).warnings)


def test_nubc_disposition_is_read_with_its_code(schema: Schema) -> None:
    m = _map("Lemuel_Hodkiewicz", schema)
    assert m.sources["discharge_disposition"] == "Encounter.hospitalization.dischargeDisposition (NUBC 01)"

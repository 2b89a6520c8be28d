"""Hand-built FHIR cases for the terminology and encounter rules: ICD-10-GM, ICD-9-CM, NUBC, partOf, pages."""

from __future__ import annotations

from typing import Any

import pytest

from core.clinical.charlson import COMORBIDITIES
from core.data.schema import Schema
from core.interop.fhir import FhirMapping, bundle_to_patient
from core.scoring.engine import Engine
from tests import fhir_fixtures as fx

GM = "http://fhir.de/CodeSystem/bfarm/icd-10-gm"
ICD9 = "http://hl7.org/fhir/sid/icd-9-cm"
NUBC = "http://www.nubc.org/patient-discharge"
SEARCHED = {"Condition", "Procedure", "Encounter"}


@pytest.fixture(scope="module")
def schema(engine: Engine) -> Schema:
    return engine.schema


def _map(resources: list[dict[str, Any]], schema: Schema, **kw: Any) -> FhirMapping:
    return bundle_to_patient(fx.bundle(resources), schema, **kw)


def _present(m: FhirMapping) -> set[str]:
    return {c for c in COMORBIDITIES if m.values[c] == 1}


def _with_conditions(*conditions: dict[str, Any]) -> list[dict[str, Any]]:
    return [fx.patient(), fx.index_encounter(diagnosis=conditions[0]["id"]), *conditions]


def test_icd10_gm_codes_with_their_marks(schema: Schema) -> None:
    m = _map(_with_conditions(fx.condition("dm", "E11.9G", "Diabetes", GM), fx.condition("hf", "I50.0+", "HF", GM),
                              fx.condition("ulcer", "K25.9 Z", "Ulcer, status after", GM)), schema, complete=SEARCHED)
    assert _present(m) == {"cm_diabetes", "cm_chf", "cm_peptic_ulcer"}
    assert m.values["charlson_index"] == 3 and m.values["cm_mi"] == 0
    assert m.values["primary_diagnosis"] in ("E11", "other")
    assert "ICD-10-GM" in m.sources["cm_chf"]


def test_a_suspected_gm_diagnosis_leaves_the_picture_incomplete(schema: Schema) -> None:
    m = _map(_with_conditions(fx.condition("hf", "I50.0", "HF", GM), fx.condition("mi", "I21.9V", "MI?", GM)),
             schema, complete=SEARCHED)
    assert m.values["cm_chf"] == 1
    assert m.values["cm_mi"] is None and m.values["charlson_index"] is None
    assert "no code Lantern knows" in m.reasons["cm_mi"]


def test_icd9_cm_codes(schema: Schema) -> None:
    m = _map(_with_conditions(fx.condition("hf", "428.0", "CHF", ICD9), fx.condition("dm", "250.00", "DM", ICD9)),
             schema, complete=SEARCHED)
    assert _present(m) == {"cm_chf", "cm_diabetes"} and m.values["charlson_index"] == 2
    assert m.values["primary_diagnosis"] is None and "ICD-10" in m.reasons["primary_diagnosis"]


def test_any_coding_of_a_condition_may_carry_the_known_code(schema: Schema) -> None:
    both = fx.condition("hf", "999999999999", "Local heart failure concept", fx.SNOMED)
    both["code"]["coding"].append({"system": fx.ICD10, "code": "I50.9"})
    m = _map(_with_conditions(both), schema, complete=SEARCHED)
    assert m.values["cm_chf"] == 1 and m.values["cm_mi"] == 0 and m.values["charlson_index"] == 1


def test_a_condition_no_coding_of_which_is_known_is_never_read_as_no(schema: Schema) -> None:
    unknown = fx.condition("x", "999999999999", "Concept not in the curated sets", fx.SNOMED)
    m = _map(_with_conditions(fx.condition("hf", "I50.9", "HF"), unknown), schema, complete=SEARCHED)
    assert m.values["cm_chf"] == 1
    assert all(m.values[c] is None for c in COMORBIDITIES if c != "cm_chf")
    assert m.values["charlson_index"] is None
    assert any("1 Condition with no code Lantern knows" in w for w in m.warnings)


def test_snomed_only_conditions_are_read(schema: Schema) -> None:
    m = _map(_with_conditions(fx.condition("hf", "84114007", "Heart failure", fx.SNOMED)), schema,
             complete=SEARCHED)
    assert m.values["cm_chf"] == 1 and m.values["charlson_index"] == 1 and m.status["cm_mi"].startswith("absent")


@pytest.mark.parametrize(("code", "expected", "reason"), [
    ("01", "home", None), ("1", "home", None), ("03", "skilled nursing facility", None),
    ("02", None, "has no level"), ("20", None, "has no level"), ("77", None, "not a code Lantern knows"),
])
def test_nubc_dispositions(schema: Schema, code: str, expected: str | None, reason: str | None) -> None:
    enc = fx.index_encounter(disposition=None)
    enc["hospitalization"]["dischargeDisposition"] = {"coding": [{"system": NUBC, "code": code}]}
    m = _map([fx.patient(), enc], schema)
    assert m.values["discharge_disposition"] == expected
    assert reason is None or reason in m.reasons["discharge_disposition"]


def _german_stay() -> list[dict[str, Any]]:
    """A facility contact (IMP, no service) with a department contact partOf it carrying service and diagnosis."""
    facility = fx.index_encounter(service=None, diagnosis=None, priority=None, admit_source=None)
    department = fx.encounter("dept-1", "2024-03-01T15:00:00Z", "2024-03-07T10:00:00Z", "IMP",
                              service=("394579002", "Kardiologie"), diagnosis="hf")
    department["partOf"] = {"reference": f"Encounter/{fx.ENCOUNTER_ID}"}
    return [fx.patient(), facility, department, fx.condition("hf", "I50.01", "Herzinsuffizienz", GM)]


def test_german_department_sub_encounter_gives_service_and_diagnosis(schema: Schema) -> None:
    m = _map(_german_stay(), schema, complete=SEARCHED)
    assert m.index_stay_found and m.values["length_of_stay_days"] == 6  # the facility contact is the stay
    assert m.values["service"] == "cardiology" and "sub-encounter" in m.sources["service"]
    assert m.values["primary_diagnosis"] == "I50" and "sub-encounter" in m.sources["primary_diagnosis"]
    assert m.values["admissions_12m"] == 0  # the department contact is not an earlier admission
    assert any("1 sub-encounter of the stay" in w for w in m.warnings)


def test_open_stays_and_emergency_visits_are_not_an_index_stay(schema: Schema) -> None:
    ed = fx.encounter("ed", "2024-03-01T08:00:00Z", "2024-03-01T12:00:00Z", "EMER")
    m = _map([fx.patient(), ed, fx.index_encounter(end=None)], schema)
    assert not m.index_stay_found and m.values["length_of_stay_days"] is None
    assert any("No inpatient stay found: the Bundle holds 2 Encounters" in w and "1 inpatient stay not ended" in w
               for w in m.warnings)
    named = _map([fx.patient(), ed, fx.index_encounter(end=None)], schema, encounter_id=fx.ENCOUNTER_ID)
    assert named.index_stay_found and named.values["length_of_stay_days"] is not None
    not_inpatient = _map([fx.patient(), ed, fx.index_encounter()], schema, encounter_id="ed")
    assert not not_inpatient.index_stay_found and not_inpatient.values["length_of_stay_days"] is None


@pytest.mark.parametrize(("ed_end", "expected"), [("2024-03-01T11:00:00Z", "emergency"),  # 3 h before admission
                                                  ("2024-03-01T15:00:00Z", "emergency"),  # runs into it
                                                  ("2024-03-01T06:00:00Z", None)])  # 8 h before: not the lead-in
def test_emergency_admission_inferred_from_the_encounter_chain(schema: Schema, ed_end: str,
                                                               expected: str | None) -> None:
    ed = fx.encounter("ed", "2024-03-01T05:00:00Z", ed_end, "EMER")
    m = _map([fx.patient(), ed, fx.index_encounter(priority=None, admit_source=None)], schema)
    assert m.values["admission_type"] == expected
    assert (m.status["admission_type"] == "inferred") == (expected is not None)


def test_emergency_admission_inferred_from_part_of(schema: Schema) -> None:
    ed = fx.encounter("ed", "2024-02-20T05:00:00Z", "2024-02-20T06:00:00Z", "EMER")
    index = fx.index_encounter(priority=None, admit_source=None)
    index["partOf"] = {"reference": "Encounter/ed"}
    m = _map([fx.patient(), ed, index], schema)
    assert m.values["admission_type"] == "emergency" and "partOf" in m.sources["admission_type"]


def test_a_paginated_searchset_is_never_a_complete_search(schema: Schema) -> None:
    page = fx.searchset([fx.encounter("amb", "2024-01-10T09:00:00Z", "2024-01-10T09:30:00Z", "AMB")])
    page["link"] = [{"relation": "next", "url": "https://ehr.example/fhir/Encounter?page=2"}]
    outer = fx.bundle([fx.patient(), fx.index_encounter()])
    outer["entry"].append({"resource": page})
    m = bundle_to_patient(outer, schema, complete=SEARCHED)
    assert m.values["admissions_12m"] is None and m.values["ed_visits_6m"] is None
    assert m.searched["Encounter"].startswith("incomplete")
    assert any("'next' link" in w for w in m.warnings)
    del page["link"]
    whole = bundle_to_patient(outer, schema)  # an unpaginated searchset is a complete search by itself
    assert whole.values["admissions_12m"] == 0 and whole.status["admissions_12m"] == "absent (complete search)"


def test_the_provenance_table_says_how_each_input_was_read(schema: Schema) -> None:
    m = bundle_to_patient(fx.complete_bundle(), schema)
    rows = {r["feature"]: r for r in m.provenance()}
    assert set(rows) == set(schema.names)
    assert rows["cm_chf"]["status"] == "recorded" and rows["cm_mi"]["status"] == "not recorded"
    assert "complete search" in rows["cm_mi"]["detail"]
    assert rows["insurance"]["detail"] == "not taken from FHIR by Lantern"
    assert all(r["detail"] for r in rows.values())

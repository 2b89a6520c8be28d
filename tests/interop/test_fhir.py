"""FHIR R4 Bundle -> schema row: expected features for realistic bundles, plain errors for unusable input."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.clinical.charlson import COMORBIDITIES
from core.data.schema import FeatureSpec, Schema
from core.interop import fhir
from core.interop.fhir import FhirError, bundle_to_patient
from core.scoring.engine import Engine
from tests import fhir_fixtures as fx

NOT_FROM_FHIR = ["insurance", "n_medications", "followup_within_7d", "med_reconciliation"]
#: The searches a whole-record export or a full CDS Hooks prefetch stands for: absence there is data.
SEARCHED = {"Condition", "Procedure", "Encounter"}


@pytest.fixture(scope="module")
def schema(engine: Engine) -> Schema:
    return engine.schema


def _map(bundle: dict[str, Any], schema: Schema, **kw: Any) -> fhir.FhirMapping:
    return bundle_to_patient(bundle, schema, **kw)


# ---- the fixture bundles -----------------------------------------------------------------------------

def test_complete_bundle_maps_to_expected_row(schema: Schema) -> None:
    m = _map(fx.complete_bundle(), schema, complete=SEARCHED)
    assert set(m.values) == set(schema.names)
    assert m.values == {n: fx.COMPLETE_EXPECTED[n] for n in schema.names}
    assert m.missing == [n for n in schema.names if n in NOT_FROM_FHIR]
    assert set(m.sources) == {n for n, v in m.values.items() if v is not None}
    assert m.sources["hemoglobin_g_dl"].startswith("Observation LOINC 718-7")
    assert m.sources["admission_type"] == "Encounter.priority"
    assert "converted" not in m.sources["hemoglobin_g_dl"]
    assert m.status["cm_chf"] == "recorded" and m.status["cm_mi"] == "absent (complete search)"
    assert m.index_stay_found and m.searched["Condition"] == "complete search supplied by the caller"
    assert not any("no code Lantern knows" in w for w in m.warnings)  # the SNOMED-only Condition is known


def test_complete_bundle_scores_without_rejection_or_unseen_categories(engine: Engine) -> None:
    m = _map(fx.complete_bundle(), engine.schema, complete=SEARCHED)
    result = engine.patient(m.values)
    assert result.rejected == ""
    assert 0 < result.risk < 1
    assert result.flags["unseen category"] == []
    assert result.flags["outside training range"] == []
    labels = {engine.schema.feature(n).display_label for n in NOT_FROM_FHIR}
    assert set(result.flags["not recorded"]) == labels


def test_missing_labs_are_not_recorded(schema: Schema) -> None:
    m = _map(fx.missing_labs_bundle(), schema, complete=SEARCHED)
    assert m.values["hemoglobin_g_dl"] is None
    assert m.values["sodium_mmol_l"] is None
    assert {"hemoglobin_g_dl", "sodium_mmol_l"} <= set(m.missing)
    assert "hemoglobin_g_dl" not in m.sources
    rest = {n: v for n, v in m.values.items() if n not in ("hemoglobin_g_dl", "sodium_mmol_l")}
    assert rest == {n: fx.COMPLETE_EXPECTED[n] for n in rest}


@pytest.mark.parametrize(("unit", "value", "expected"), [("g/L", 112.0, 11.2), ("g/dL", 11.2, 11.2),
                                                           ("mmol/L", 6.95, 11.2)])
def test_hemoglobin_units_are_converted_to_g_dl(schema: Schema, unit: str, value: float, expected: float) -> None:
    m = _map(fx.hemoglobin_g_l_bundle(unit, value), schema)
    assert m.values["hemoglobin_g_dl"] == pytest.approx(expected, abs=0.01)
    assert ("converted from" in m.sources["hemoglobin_g_dl"]) == (unit != "g/dL")


def test_sodium_in_meq_per_litre_equals_mmol(schema: Schema) -> None:
    b = fx.bundle([fx.patient(), fx.index_encounter(),
                  fx.observation("na", "2951-2", 131, "meq/L", "2024-03-06T06:00:00Z")])
    assert _map(b, schema).values["sodium_mmol_l"] == 131.0


def test_no_prior_encounters_is_not_recorded_unless_the_search_was_complete(schema: Schema) -> None:
    m = _map(fx.no_prior_encounters_bundle(), schema)
    assert m.values["admissions_12m"] is None and m.values["ed_visits_6m"] is None
    assert any("no earlier Encounters" in w for w in m.warnings)
    searched = _map(fx.no_prior_encounters_bundle(), schema, complete={"Encounter"})
    assert searched.values["admissions_12m"] == 0 and searched.values["ed_visits_6m"] == 0
    assert "ed_visits_6m" not in searched.missing


@pytest.mark.parametrize("name", list(fx.wrong_inputs()))
def test_unusable_input_raises_a_plain_fhir_error(schema: Schema, name: str) -> None:
    data, word = fx.wrong_inputs()[name]
    with pytest.raises(FhirError) as info:
        _map(data, schema)
    message = str(info.value)
    assert word.lower() in message.lower()
    assert "Traceback" not in message and len(message) < 300


def test_unknown_resource_types_are_ignored_with_a_warning(schema: Schema) -> None:
    b = fx.complete_bundle()
    b["entry"] += [{"resource": {"resourceType": "Coverage", "id": "cov"}},
                   {"resource": {"resourceType": "Practitioner", "id": "pr"}}]
    m = _map(b, schema)
    assert m.values == _map(fx.complete_bundle(), schema).values
    assert any("1 Coverage" in w and "1 Practitioner" in w for w in m.warnings)


def test_nested_searchsets_are_read_and_duplicates_counted_once(schema: Schema) -> None:
    pre = fx.prefetch()
    b = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": v} for v in pre.values()]}
    m = _map(b, schema, encounter_id=fx.ENCOUNTER_ID)
    assert m.values == {n: fx.COMPLETE_EXPECTED[n] for n in schema.names}


def test_a_bundle_with_only_the_patient_is_mostly_not_recorded(schema: Schema) -> None:
    m = _map(fx.bundle([fx.patient()]), schema)
    assert m.values["sex"] == "female"
    assert m.values["age"] is None  # no discharge date to age at
    assert set(m.missing) == set(schema.names) - {"sex"}
    assert any("no Encounter" in w for w in m.warnings)


# ---- single rules ---------------------------------------------------------------------------------------

def test_open_encounter_uses_now_as_discharge(schema: Schema) -> None:
    now = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(end=None)]), schema, now=now, encounter_id=fx.ENCOUNTER_ID)
    assert m.values["length_of_stay_days"] == 4
    assert m.values["age"] == 75
    assert any("no end yet" in w and "2024-03-05" in w for w in m.warnings)


def test_length_of_stay_counts_calendar_days_in_the_encounters_own_time_zone(schema: Schema) -> None:
    enc = fx.index_encounter(start="2024-03-01T23:30:00+01:00", end="2024-03-02T00:30:00+01:00")
    assert _map(fx.bundle([fx.patient(), enc]), schema).values["length_of_stay_days"] == 1
    same_day = fx.index_encounter(start="2024-03-01T08:00:00-05:00", end="2024-03-01T20:00:00-05:00")
    assert _map(fx.bundle([fx.patient(), same_day]), schema).values["length_of_stay_days"] == 0


@pytest.mark.parametrize(("birth", "age"), [("1948-03-07", 76), ("1948-03-08", 75), ("1948", 76)])
def test_age_in_whole_years_at_discharge(schema: Schema, birth: str, age: int) -> None:
    m = _map(fx.bundle([fx.patient(birth=birth), fx.index_encounter()]), schema)
    assert m.values["age"] == age
    assert any("no full date" in w for w in m.warnings) == (len(birth) == 4)


def test_gender_outside_the_models_categories_is_not_recorded(schema: Schema) -> None:
    m = _map(fx.bundle([fx.patient(gender="unknown"), fx.index_encounter()]), schema)
    assert m.values["sex"] is None
    assert any("Patient.gender" in w for w in m.warnings)


@pytest.mark.parametrize(("priority", "source", "expected"), [
    ("EM", None, "emergency"), ("UR", None, "urgent"), ("EL", None, "elective"), ("R", None, "elective"),
    (None, "emd", "emergency"), (None, "gp", None), (None, None, None),
])
def test_admission_type_from_priority_then_admit_source(
    schema: Schema, priority: str | None, source: str | None, expected: str | None
) -> None:
    enc = fx.index_encounter(priority=priority, admit_source=source)
    assert _map(fx.bundle([fx.patient(), enc]), schema).values["admission_type"] == expected


@pytest.mark.parametrize(("code", "text", "expected"), [
    ("394579002", "Cardiology", "cardiology"),
    ("394802001", "General medicine", "general medicine"),
    ("x", "Trauma and Orthopaedic Surgery", "orthopaedics"),
    ("x", "Internal Medicine", "general medicine"),
    ("x", "Respiratory medicine", "respiratory"),
    ("x", "Cardiac surgery", "surgery"),
    ("x", "Medical Oncology", "oncology"),
    ("x", "Stroke unit", "neurology"),
    ("x", "Podiatry", None),
])
def test_service_from_service_type(schema: Schema, code: str, text: str, expected: str | None) -> None:
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(service=(code, text))]), schema)
    assert m.values["service"] == expected
    assert any("serviceType" in w for w in m.warnings) == (expected is None)


@pytest.mark.parametrize(("code", "expected"), [("snf", "skilled nursing facility"), ("rehab", "rehabilitation"),
                                                ("aadvice", "against medical advice"), ("exp", None)])
def test_discharge_disposition(schema: Schema, code: str, expected: str | None) -> None:
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(disposition=code)]), schema)
    assert m.values["discharge_disposition"] == expected


def test_primary_diagnosis_outside_the_models_groups_is_other(schema: Schema) -> None:
    b = fx.bundle([fx.patient(), fx.index_encounter(diagnosis="c"), fx.condition("c", "Z99.89", "Dependence")])
    assert _map(b, schema).values["primary_diagnosis"] == "other"


def test_prior_visit_windows_and_exclusions(schema: Schema) -> None:
    prior = [
        fx.encounter("a1", "2023-03-03T00:00:00Z", None, "IMP"),  # 364 days before admission: counted
        fx.encounter("a2", "2023-03-01T00:00:00Z", None, "IMP"),  # 366 days: not counted
        fx.encounter("a3", "2023-09-01T00:00:00Z", None, "ACUTE"),  # inpatient subtype: counted
        fx.encounter("a4", "2023-09-05T00:00:00Z", None, "IMP", status="entered-in-error"),
        fx.encounter("e1", "2024-02-28T10:00:00Z", None, "EMER"),  # 2 days before: counted
        fx.encounter("e2", "2024-03-01T02:00:00Z", None, "EMER"),  # 12 h before: led to the stay
        fx.encounter("e3", "2024-04-01T02:00:00Z", None, "EMER"),  # after admission
    ]
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(), *prior]), schema, complete=SEARCHED)
    assert m.values["admissions_12m"] == 2
    assert m.values["ed_visits_6m"] == 1


def test_index_encounter_is_the_latest_inpatient_stay_without_an_id(schema: Schema) -> None:
    older = fx.encounter("old", "2023-06-10T08:00:00Z", "2023-06-12T08:00:00Z", "IMP")
    m = _map(fx.bundle([fx.patient(), older, fx.index_encounter()]), schema, complete=SEARCHED)
    assert m.values["length_of_stay_days"] == 6
    assert m.values["admissions_12m"] == 1
    with pytest.raises(FhirError, match="no Encounter with id 'nope'"):
        _map(fx.bundle([fx.patient(), fx.index_encounter()]), schema, encounter_id="nope")


def test_procedures_during_the_stay_only(schema: Schema) -> None:
    old = fx.procedure("p", "80146002", "Appendectomy", "2015-06-01T10:00:00Z")
    base = [fx.patient(), fx.index_encounter()]
    assert _map(fx.bundle([*base, old]), schema).values["procedure_during_stay"] is None  # not searched
    assert _map(fx.bundle([*base, old]), schema, complete=SEARCHED).values["procedure_during_stay"] == 0
    assert _map(fx.bundle(base), schema).values["procedure_during_stay"] is None
    assert _map(fx.bundle(base), schema, complete={"Procedure"}).values["procedure_during_stay"] == 0
    linked = fx.procedure("q", "1", "Line insertion", "not a date")
    linked["encounter"] = {"reference": f"Encounter/{fx.ENCOUNTER_ID}"}
    assert _map(fx.bundle([*base, linked]), schema).values["procedure_during_stay"] == 1
    void = fx.procedure("v", "1", "Echo", "2024-03-02T10:00:00Z", status="not-done")
    assert _map(fx.bundle([*base, void]), schema, complete=SEARCHED).values["procedure_during_stay"] == 0


def test_conditions_absent_unless_searched(schema: Schema) -> None:
    base = [fx.patient(), fx.index_encounter(diagnosis=None)]
    m = _map(fx.bundle(base), schema)
    assert all(m.values[c] is None for c in COMORBIDITIES) and m.values["charlson_index"] is None
    searched = _map(fx.bundle(base), schema, complete={"Condition"})
    assert all(searched.values[c] == 0 for c in COMORBIDITIES) and searched.values["charlson_index"] == 0


def test_lab_results_that_cannot_be_used_are_skipped_with_warnings(schema: Schema) -> None:
    when = "2024-03-06T06:00:00Z"
    less = fx.observation("hb-lt", "718-7", 5.0, "g/dL", when, comparator="<")
    odd_unit = fx.observation("hb-u", "718-7", 11.0, "furlongs", when)
    no_time = fx.observation("hb-t", "718-7", 11.0, "g/dL", when)
    del no_time["effectiveDateTime"]
    panel = {"resourceType": "Observation", "id": "panel", "status": "final",
             "code": {"coding": [{"system": fx.LOINC, "code": "58410-2"}]}, "effectiveDateTime": "2024-03-03T06:00:00Z",
             "component": [{"code": {"coding": [{"system": fx.LOINC, "code": "718-7"}]},
                            "valueQuantity": {"value": 10.4, "unit": "g/dL"}}]}
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(), less, odd_unit, no_time, panel]), schema)
    assert m.values["hemoglobin_g_dl"] == 10.4  # from the panel component: the only usable result
    text = " ".join(m.warnings)
    assert "'<5.0'" in text and "furlongs" in text and "without a time" in text


def test_labs_only_from_this_stay(schema: Schema) -> None:
    old = fx.observation("hb-old", "718-7", 13.9, "g/dL", "2023-09-01T09:00:00Z")
    ed = fx.observation("hb-ed", "718-7", 9.9, "g/dL", "2024-03-01T09:00:00Z")  # ED bloods 5 h before admission
    m = _map(fx.bundle([fx.patient(), fx.index_encounter(), old]), schema)
    assert m.values["hemoglobin_g_dl"] is None
    assert any("no result during this stay" in w for w in m.warnings)
    assert _map(fx.bundle([fx.patient(), fx.index_encounter(), old, ed]), schema).values["hemoglobin_g_dl"] == 9.9


def test_a_schema_without_these_features_gets_only_its_own_names(engine: Engine) -> None:
    other = Schema(features=(FeatureSpec("age", "numeric"), FeatureSpec("bmi", "numeric")), target="y")
    m = bundle_to_patient(fx.complete_bundle(), other)
    assert m.values == {"age": 75, "bmi": None}
    assert m.missing == ["bmi"]


# ---- never a crash -------------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


_BASE = fx.complete_bundle()
_ALL_PATHS = [p for p in _paths(_BASE) if len(p) >= 3]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_ALL_PATHS), _json), min_size=1, max_size=4))
def test_damaged_bundles_never_crash(schema: Schema, damage: list[tuple[tuple, Any]]) -> None:
    bundle = copy.deepcopy(_BASE)
    for path, value in damage:
        node = bundle
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    try:
        m = bundle_to_patient(bundle, schema)
    except FhirError:
        return
    assert set(m.values) == set(schema.names)
    assert set(m.missing) == {n for n, v in m.values.items() if v is None}


def test_public_entry_points_stay_importable_from_core_interop_fhir() -> None:
    """Views, the service and users import these from core.interop.fhir, whatever module implements them."""
    for name in fhir.__all__:
        assert getattr(fhir, name) is not None, name
    assert {"bundle_to_patient", "FhirMapping", "FhirError", "parse_time", "LABS"} <= set(fhir.__all__)

"""Identifier scan: flags by name and by value pattern, never the schema's own columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.csvio import read_csv_path
from core.data.phi_scan import drop_identifier_columns, find_identifier_columns, keep_columns
from core.data.schema import Schema
from tests.conftest import DEMO_COHORT


def _frame(n: int = 40, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = ["Alice", "Bob", "Carla", "Dev", "Ewa", "Femi", "Gus", "Hana", "Ivo", "June"]
    last = ["Smith", "Okafor", "Novak", "Patel", "Garcia", "Larsen", "Moreau", "Kim", "Rossi", "Tanaka"]
    return pd.DataFrame({
        "age": rng.integers(20, 90, n).astype(str),
        "sodium": np.round(rng.normal(139, 3, n), 1).astype(str),
        "ward": rng.choice(["North Wing", "South Wing", "Cardiac Unit"], n),
        "total_charge": np.round(rng.uniform(1000, 90000, n), 2).astype(str),
        "los": rng.integers(0, 20, n).astype(str),
        "person": [f"{first[i % 10]} {last[(i * 3 + 1) % 10]}{'' if i < 10 else chr(97 + i % 26)}" for i in range(n)],
        "contact": [f"user{i}@example.org" for i in range(n)],
        "ref_a": [f"{rng.integers(100, 999)}-{rng.integers(10, 99)}-{rng.integers(1000, 9999)}" for _ in range(n)],
        "tel_x": [f"(555) {rng.integers(200, 999)}-{rng.integers(1000, 9999)}" for _ in range(n)],
        "where": [f"{rng.integers(1, 999)} {rng.choice(['Oak', 'Elm', 'High'])} Street" for _ in range(n)],
        "visit_day": [f"19{rng.integers(30, 99)}-0{rng.integers(1, 9)}-1{rng.integers(0, 9)}" for _ in range(n)],
        "geo": [f"{rng.integers(10000, 99999)}" for _ in range(n)],
        "code": [f"MRN{rng.integers(10**6, 10**7)}" for _ in range(n)],
        "site_web": [f"https://example.org/p/{i}" for i in range(n)],
    })


def _by_column(found: list[dict[str, str]]) -> dict[str, str]:
    return {f["column"]: f["kind"] for f in found}


def test_value_patterns_flag_identifiers_with_innocent_names() -> None:
    found = _by_column(find_identifier_columns(_frame(), keep=set()))
    assert found == {
        "person": "name",
        "contact": "email",
        "ref_a": "social security number",
        "tel_x": "phone or fax",
        "where": "address",
        "visit_day": "full date",
        "geo": "ZIP or postcode",
        "code": "unique code",
        "site_web": "web or IP address",
    }


def test_clinical_columns_are_not_flagged() -> None:
    found = _by_column(find_identifier_columns(_frame(), keep=set()))
    for column in ("age", "sodium", "ward", "total_charge", "los"):
        assert column not in found


@pytest.mark.parametrize("name, kind", [
    ("Patient Name", "name"), ("first_name", "name"), ("Surname", "name"), ("MRN", "medical record number"),
    ("medical_record_number", "medical record number"), ("SSN", "social security number"),
    ("PhoneNumber", "phone or fax"), ("fax", "phone or fax"), ("E-mail", "email"), ("DOB", "date of birth"),
    ("date_of_birth", "date of birth"), ("zip_code", "ZIP or postcode"), ("Postcode", "ZIP or postcode"),
    ("street_address", "address"), ("member_id", "health plan or account number"),
    ("account_number", "health plan or account number"), ("ip_address", "web or IP address"),
    ("device_serial", "device identifier"), ("photo", "photo or biometric"),
])
def test_names_flag_identifiers_whatever_the_values(name: str, kind: str) -> None:
    frame = pd.DataFrame({name: ["x", "", "y"], "age": ["50", "60", "70"]})
    assert _by_column(find_identifier_columns(frame, keep=set())) == {name: kind}


@pytest.mark.parametrize("name", ["hospital_name", "drug_name", "cell_count", "ip_visits", "face_to_face_visits",
                                  "service", "admission_type", "platelets"])
def test_clinical_names_that_contain_identifier_words_are_not_flagged(name: str) -> None:
    frame = pd.DataFrame({name: ["a", "b", "a", "c"]})
    assert find_identifier_columns(frame, keep=set()) == []


def test_keep_protects_schema_columns_ignoring_case_and_spaces() -> None:
    frame = _frame()
    frame["Patient_ID "] = [f"P{i:07d}" for i in range(len(frame))]
    frame["admission_date"] = "2024-01-05"
    keep = {"patient_id", "ADMISSION_DATE", "person", "contact"}
    found = _by_column(find_identifier_columns(frame, keep=keep))
    assert not {"Patient_ID ", "admission_date", "person", "contact"} & set(found)
    assert "ref_a" in found


def test_missing_markers_are_ignored_when_matching_values() -> None:
    values = ["a@b.org", "NA", "", "?", "c@d.com", "null", "e@f.net"]
    found = find_identifier_columns(pd.DataFrame({"notes": values}), keep=set())
    assert _by_column(found) == {"notes": "email"}


def test_a_few_matching_values_are_not_enough() -> None:
    values = ["a@b.org"] + [f"free text {i}" for i in range(19)]
    assert find_identifier_columns(pd.DataFrame({"comment": values}), keep=set()) == []


def test_result_has_a_reason_and_drop_removes_exactly_those_columns() -> None:
    frame = _frame()
    found = find_identifier_columns(frame, keep=set())
    assert all(f["why"] for f in found)
    dropped = drop_identifier_columns(frame, found)
    assert list(dropped.columns) == ["age", "sodium", "ward", "total_charge", "los"]
    assert "person" in frame.columns  # the input is not changed


def test_demo_cohort_with_its_schema_keeps_everything(tmp_path) -> None:  # type: ignore[no-untyped-def]
    raw, _ = read_csv_path(DEMO_COHORT)
    schema_columns = [c for c in raw.columns if c not in {"encounter_id", "patient_id", "admission_date",
                                                          "discharge_date"}]
    keep = keep_columns(("encounter_id", "patient_id"), schema_columns, ("admission_date", "discharge_date"),
                        "readmitted_30d")
    assert find_identifier_columns(raw, keep) == []
    # without the schema's protection the same columns are recognised by their values
    flagged = _by_column(find_identifier_columns(raw, keep=set(schema_columns)))
    assert flagged == {"encounter_id": "unique code", "patient_id": "unique code", "admission_date": "full date",
                       "discharge_date": "full date"}


def test_keep_columns_collects_every_schema_column() -> None:
    schema = Schema(features=(), target="y", id_columns=("enc",), context_columns=("when",))
    assert keep_columns(schema.id_columns, ["a", "b"], schema.context_columns, schema.target) == {
        "enc", "a", "b", "when", "y"}

"""LACE and HOSPITAL points against hand-worked rows at every band edge."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.clinical import scores


def _lace_frame(**overrides: list) -> pd.DataFrame:
    """Rows scoring 0 on every LACE item except those overridden."""
    n = len(next(iter(overrides.values())))
    base = {
        "length_of_stay_days": [0] * n,
        "admission_type": ["elective"] * n,
        "charlson_index": [0] * n,
        "ed_visits_6m": [0] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base)


def _hospital_frame(**overrides: list) -> pd.DataFrame:
    """Rows scoring 0 on every HOSPITAL item except those overridden."""
    n = len(next(iter(overrides.values())))
    base = {
        "hemoglobin_g_dl": [13.5] * n,
        "service": ["general medicine"] * n,
        "sodium_mmol_l": [140.0] * n,
        "procedure_during_stay": [0] * n,
        "admission_type": ["elective"] * n,
        "admissions_12m": [0] * n,
        "length_of_stay_days": [2] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base)


# ---------------------------------------------------------------------------- LACE


def test_lace_length_of_stay_every_band_edge() -> None:
    los = [0, 1, 2, 3, 4, 6, 7, 13, 14, 30]
    expected = [0, 1, 2, 3, 4, 4, 5, 5, 7, 7]  # original LACE: >= 14 days scores 7, not 6
    pts = scores.lace_points(_lace_frame(length_of_stay_days=los))
    assert pts["L"].tolist() == expected
    assert pts["total"].tolist() == expected


def test_lace_charlson_and_ed_visits() -> None:
    pts = scores.lace_points(_lace_frame(charlson_index=[0, 1, 2, 3, 4, 7], ed_visits_6m=[0, 1, 2, 3, 4, 12]))
    assert pts["C"].tolist() == [0, 1, 2, 3, 5, 5]
    assert pts["E"].tolist() == [0, 1, 2, 3, 4, 4]
    assert pts["total"].tolist() == [0, 2, 4, 6, 9, 9]


def test_lace_acute_admission_is_case_insensitive_and_counts_urgent() -> None:
    kinds = ["Emergency", " URGENT ", "elective", None, "", "emergent"]
    pts = scores.lace_points(_lace_frame(admission_type=kinds))
    assert pts["A"].tolist() == [3, 3, 0, 0, 0, 3]


def test_lace_full_row_and_maximum() -> None:
    df = _lace_frame(
        length_of_stay_days=[5, 20],
        admission_type=["emergency", "emergency"],
        charlson_index=[2, 6],
        ed_visits_6m=[1, 9],
    )
    pts = scores.lace_points(df)
    assert pts.loc[0, ["L", "A", "C", "E", "total"]].tolist() == [4, 3, 2, 1, 10]
    assert pts.loc[1, "total"] == scores.LACE_MAX == 19


def test_lace_missing_values_score_zero() -> None:
    df = _lace_frame(
        length_of_stay_days=[np.nan, "not a number"],
        admission_type=[np.nan, None],
        charlson_index=[np.nan, None],
        ed_visits_6m=[np.nan, None],
    )
    pts = scores.lace_points(df)
    assert pts["total"].tolist() == [0, 0]


def test_lace_output_is_integer_and_keeps_index() -> None:
    df = _lace_frame(length_of_stay_days=[3, 8]).set_index(pd.Index([10, 20]))
    pts = scores.lace_points(df)
    assert list(pts.columns) == ["L", "A", "C", "E", "total"]
    assert list(pts.index) == [10, 20]
    assert all(pd.api.types.is_integer_dtype(pts[c]) for c in pts.columns)
    json.dumps(pts.to_dict(orient="records"))


def test_lace_missing_column_raises_with_its_name() -> None:
    df = _lace_frame(length_of_stay_days=[1]).drop(columns="ed_visits_6m")
    with pytest.raises(KeyError, match="ed_visits_6m"):
        scores.lace_points(df)


def test_column_names_matched_ignoring_case() -> None:
    df = _lace_frame(length_of_stay_days=[7]).rename(columns={"length_of_stay_days": "Length_Of_Stay_Days "})
    assert scores.lace_points(df)["L"].tolist() == [5]


# ---------------------------------------------------------------------------- HOSPITAL


def test_hospital_length_of_stay_4_vs_5() -> None:
    pts = scores.hospital_points(_hospital_frame(length_of_stay_days=[4, 5, 12, np.nan]))
    assert pts["L"].tolist() == [0, 2, 2, 0]


def test_hospital_labs_at_cut_offs_and_missing() -> None:
    df = _hospital_frame(
        hemoglobin_g_dl=[11.9, 12.0, np.nan, 8.0],
        sodium_mmol_l=[134.9, 135.0, np.nan, 150.0],
    )
    pts = scores.hospital_points(df)
    assert pts["H"].tolist() == [1, 0, 0, 1]
    assert pts["S"].tolist() == [1, 0, 0, 0]
    assert pts["total"].tolist() == [2, 0, 0, 1]


def test_hospital_previous_admissions() -> None:
    pts = scores.hospital_points(_hospital_frame(admissions_12m=[0, 1, 2, 5, 6, 15, np.nan]))
    assert pts["A"].tolist() == [0, 0, 2, 2, 5, 5, 0]


def test_hospital_oncology_procedure_and_admission_type() -> None:
    df = _hospital_frame(
        service=["Oncology", "Hematology/Oncology", "cardiology", None],
        procedure_during_stay=[1, "yes", 0, np.nan],
        admission_type=["URGENT", "emergency", "Elective", None],
    )
    pts = scores.hospital_points(df)
    assert pts["O"].tolist() == [2, 2, 0, 0]
    assert pts["P"].tolist() == [1, 1, 0, 0]
    assert pts["IT"].tolist() == [1, 1, 0, 0]
    assert pts["total"].tolist() == [4, 4, 0, 0]


def test_hospital_maximum_and_columns() -> None:
    df = _hospital_frame(
        hemoglobin_g_dl=[9.0],
        service=["oncology"],
        sodium_mmol_l=[128.0],
        procedure_during_stay=[1],
        admission_type=["emergency"],
        admissions_12m=[8],
        length_of_stay_days=[9],
    )
    pts = scores.hospital_points(df)
    assert list(pts.columns) == ["H", "O", "S", "P", "IT", "A", "L", "total"]
    assert pts.loc[0, "total"] == scores.HOSPITAL_MAX == 13


# ---------------------------------------------------------------------------- bands, inputs, text


@pytest.mark.parametrize(
    ("total", "lace", "hospital"),
    [(0, "low", "low"), (4, "low", "low"), (5, "moderate", "intermediate"), (6, "moderate", "intermediate"),
     (7, "moderate", "high"), (9, "moderate", "high"), (10, "high", "high"), (19, "high", "high")],
)
def test_band_edges(total: int, lace: str, hospital: str) -> None:
    assert scores.lace_band(total) == lace
    assert scores.hospital_band(total) == hospital
    assert scores.band(total, "LACE") == lace
    assert scores.bands([total], "lace").tolist() == [lace]
    assert scores.bands(pd.Series([total]), "hospital").tolist() == [hospital]


def test_band_of_missing_total() -> None:
    assert scores.lace_band(float("nan")) == "not recorded"
    assert scores.bands([np.nan, 3], "hospital").tolist() == ["not recorded", "low"]


def test_has_inputs() -> None:
    assert scores.has_inputs(scores.LACE_COLUMNS, "lace")
    assert not scores.has_inputs(scores.LACE_COLUMNS, "hospital")
    assert scores.has_inputs([c.upper() for c in scores.HOSPITAL_COLUMNS], "hospital")
    assert not scores.has_inputs(scores.LACE_COLUMNS[:-1], "lace")
    with pytest.raises(ValueError):
        scores.has_inputs(scores.LACE_COLUMNS, "qrisk")


def test_breakdown_lace_matches_points() -> None:
    row = {"length_of_stay_days": 5, "admission_type": "Emergency", "charlson_index": 2, "ed_visits_6m": 1}
    items = scores.breakdown(row, "lace")
    assert [i["item"] for i in items] == [
        "Length of stay",
        "Acute (emergency) admission",
        "Charlson comorbidity index",
        "ED visits in past 6 months",
    ]
    assert [i["points"] for i in items] == [4, 3, 2, 1]
    assert items[0]["value"] == "5 days"
    assert all(isinstance(i["points"], int) for i in items)
    json.dumps(items)


def test_breakdown_hospital_missing_lab_and_missing_key() -> None:
    row = pd.Series(
        {
            "hemoglobin_g_dl": 11.9,
            "service": "Oncology",
            "sodium_mmol_l": np.nan,
            "procedure_during_stay": 1,
            "admission_type": "urgent",
            "admissions_12m": 2,
        }
    )
    items = {i["item"]: i for i in scores.breakdown(row, "hospital")}
    assert items["Hemoglobin at discharge"] == {"item": "Hemoglobin at discharge", "value": "11.9 g/dL", "points": 1}
    assert items["Sodium at discharge"]["value"] == "not recorded"
    assert items["Sodium at discharge"]["points"] == 0
    assert items["Length of stay"]["value"] == "not recorded"
    assert sum(i["points"] for i in items.values()) == 1 + 2 + 0 + 1 + 1 + 2 + 0


def test_what_each_score_predicts_and_cites() -> None:
    assert "van Walraven" in scores.predicts("lace") and "30 days" in scores.predicts("lace")
    assert "Donzé" in scores.predicts("hospital") and "avoidable" in scores.predicts("hospital")
    assert "10.1503/cmaj.091117" in scores.citation("lace")
    assert "2013" in scores.citation("hospital")

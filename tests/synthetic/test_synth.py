"""Synthetic cohort generator: determinism, schema and the realism targets in data/README.md."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.synthetic import generator as synth
from core.synthetic import tables
from core.synthetic.cli import main

REQUIRED = {
    "encounter_id",
    "patient_id",
    "hospital",
    "service",
    "admission_date",
    "length_of_stay_days",
    "age",
    "sex",
    "insurance",
    "admission_type",
    "cm_mi",
    "cm_chf",
    "cm_pvd",
    "cm_cvd",
    "cm_dementia",
    "cm_copd",
    "cm_connective_tissue",
    "cm_peptic_ulcer",
    "cm_liver_mild",
    "cm_liver_severe",
    "cm_diabetes",
    "cm_diabetes_complicated",
    "cm_hemiplegia",
    "cm_renal",
    "cm_cancer",
    "cm_metastatic",
    "charlson_index",
    "ed_visits_6m",
    "admissions_12m",
    "procedure_during_stay",
    "hemoglobin_g_dl",
    "sodium_mmol_l",
    "n_medications",
    "discharge_disposition",
    "followup_within_7d",
    "med_reconciliation",
    "total_cost",
    "satisfaction_score",
    "readmitted_30d",
}
EXTRA = {"discharge_date", "primary_diagnosis"}


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return synth.generate(6000, seed=11)


def _cli(tmp_path: Path, name: str, *args: str) -> bytes:
    out = tmp_path / name
    assert main(["--rows", "800", "--out", str(out), *args]) == 0
    return out.read_bytes()


def test_cli_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    first = _cli(tmp_path, "a.csv", "--seed", "3")
    assert first == _cli(tmp_path, "b.csv", "--seed", "3")
    assert first != _cli(tmp_path, "c.csv", "--seed", "4")
    assert b"\r\n" not in first


def test_cli_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _cli(tmp_path, "a.csv", "--seed", "3")
    line = capsys.readouterr().out.strip()
    assert "800 rows" in line and "prevalence" in line


def test_exact_column_set(cohort: pd.DataFrame) -> None:
    assert set(cohort.columns) == REQUIRED | EXTRA
    assert tuple(cohort.columns) == tables.COLUMNS
    assert len(cohort) == 6000
    assert cohort["encounter_id"].is_unique


def test_unlabelled_has_no_outcome_and_same_cohort() -> None:
    unlabelled = synth.generate(500, seed=8, labelled=False)
    labelled = synth.generate(500, seed=8)
    assert "readmitted_30d" not in unlabelled.columns
    pd.testing.assert_frame_equal(unlabelled, labelled.drop(columns=["readmitted_30d"]))


def test_prevalence_in_realistic_range(cohort: pd.DataFrame) -> None:
    assert 0.12 <= cohort["readmitted_30d"].mean() <= 0.18


def test_length_of_stay_is_right_skewed(cohort: pd.DataFrame) -> None:
    los = cohort["length_of_stay_days"]
    assert 3 <= los.median() <= 4
    assert los.mean() > los.median()
    assert los.min() >= 0 and los.max() <= 60


def test_repeated_patients_at_different_dates(cohort: pd.DataFrame) -> None:
    per_patient = cohort["patient_id"].value_counts()
    assert 0.15 <= (per_patient > 1).mean() <= 0.35
    assert not cohort.duplicated(["patient_id", "admission_date"]).any()


def test_sites_and_services(cohort: pd.DataFrame) -> None:
    assert cohort["hospital"].nunique() >= 4
    required = {"general medicine", "cardiology", "oncology", "surgery", "orthopaedics"}
    assert required <= set(cohort["service"])


def test_dates_span_two_years_with_winter_peak(cohort: pd.DataFrame) -> None:
    dates = pd.to_datetime(cohort["admission_date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2023-01-01") and dates.max() <= pd.Timestamp("2024-12-31")
    monthly = dates.dt.to_period("M").value_counts()
    assert len(monthly) >= 24
    by_month = monthly.groupby(monthly.index.month).mean()
    assert by_month[[12, 1, 2]].mean() > by_month[[6, 7, 8]].mean()


def test_missing_labs_present_but_limited(cohort: pd.DataFrame) -> None:
    for col in ("hemoglobin_g_dl", "sodium_mmol_l"):
        share = cohort[col].isna().mean()
        assert 0 < share < 0.20, col


def test_charlson_matches_flags(cohort: pd.DataFrame) -> None:
    weights = {
        "cm_mi": 1, "cm_chf": 1, "cm_pvd": 1, "cm_cvd": 1, "cm_dementia": 1, "cm_copd": 1,
        "cm_connective_tissue": 1, "cm_peptic_ulcer": 1, "cm_hemiplegia": 2, "cm_renal": 2,
    }  # fmt: skip
    expected = sum(cohort[c] * w for c, w in weights.items())
    # Diabetes, liver disease and tumour count once each, at the higher weight.
    for low, high, w_low, w_high in (
        ("cm_diabetes", "cm_diabetes_complicated", 1, 2),
        ("cm_liver_mild", "cm_liver_severe", 1, 3),
        ("cm_cancer", "cm_metastatic", 2, 6),
    ):
        expected = expected + cohort[high] * w_high + (cohort[low] & (1 - cohort[high])) * w_low
    assert (cohort["charlson_index"] == expected).all()


def test_value_domains(cohort: pd.DataFrame) -> None:
    assert cohort["age"].between(18, 100).all()
    assert set(cohort["sex"]) == {"female", "male"}
    assert set(cohort["insurance"]) == {"medicare", "medicaid", "private", "self-pay"}
    assert set(cohort["admission_type"]) == {"emergency", "urgent", "elective"}
    assert set(cohort["discharge_disposition"]) == set(tables.DISPOSITIONS)
    flags = [c for c in cohort.columns if c.startswith("cm_")]
    flags += ["procedure_during_stay", "followup_within_7d", "med_reconciliation", "readmitted_30d"]
    assert cohort[flags].isin([0, 1]).all().all()
    assert cohort["hemoglobin_g_dl"].dropna().between(5, 19).all()
    assert cohort["sodium_mmol_l"].dropna().between(110, 165).all()
    assert cohort["satisfaction_score"].between(1, 10).all()
    assert (cohort["total_cost"] > 0).all()
    older = cohort[cohort["age"] >= 65]["insurance"].value_counts(normalize=True)
    assert older.idxmax() == "medicare"
    electives = cohort.loc[cohort["admission_type"] == "elective", "service"]
    assert electives.isin(["surgery", "orthopaedics"]).mean() > 0.5


def test_write_csv_blanks_for_missing(tmp_path: Path, cohort: pd.DataFrame) -> None:
    path = tmp_path / "c.csv"
    synth.write_csv(cohort.head(300), path)
    back = pd.read_csv(path, keep_default_na=False)
    assert (back["hemoglobin_g_dl"].astype(str) == "").sum() == cohort.head(300)["hemoglobin_g_dl"].isna().sum()
    assert "nan" not in path.read_text().lower().split(",")


@pytest.mark.parametrize(("name", "rows", "seed", "labelled"), [
    ("demo_cohort.csv", 2000, 7, True),
    ("demo_unlabelled.csv", 500, 8, False),
])
def test_demo_files_are_reproduced_byte_for_byte(
    tmp_path: Path, name: str, rows: int, seed: int, labelled: bool
) -> None:
    """The commands in data/README.md must still write the shipped demo files: the draws keep their order."""
    out = tmp_path / name
    synth.write_csv(synth.generate(rows, seed, labelled=labelled), out)
    assert out.read_bytes() == (Path(__file__).resolve().parents[2] / "data" / name).read_bytes()


def test_python_m_core_synth_runs_the_cli() -> None:
    """``python -m core.synth`` is kept for the README, CI and users' scripts."""
    import core.synth

    assert core.synth.main is main

"""Drift against the training reference: undrifted samples pass, shifted ones are caught, in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, wasserstein_distance

from core.analytics import drift
from core.data.schema import FeatureSpec, Schema
from core.training.evaluate import reference_stats

SCHEMA = Schema(
    features=(
        FeatureSpec("age_years", "numeric", label="Age", unit="years"),
        FeatureSpec("creatinine", "numeric", label="Creatinine", unit="umol/L"),
        FeatureSpec("ward", "categorical", label="Ward", categories=("A", "B", "C", "D")),
        FeatureSpec("smoker", "binary", label="Current smoker"),
    ),
    target="y",
    roles={"age": "age_years"},
)


def _sample(n: int, seed: int, age_shift: float = 0.0, ward_p: tuple[float, ...] = (0.4, 0.3, 0.2, 0.1),
            smoker_p: float = 0.25, creat_missing: float = 0.02) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    creat = rng.lognormal(4.4, 0.35, n)
    creat[rng.random(n) < creat_missing] = np.nan
    return pd.DataFrame({
        "age_years": np.clip(rng.normal(62 + age_shift, 15, n), 18, 100).round(),
        "creatinine": creat,
        "ward": rng.choice(["A", "B", "C", "D"], n, p=list(ward_p)).astype(object),
        "smoker": (rng.random(n) < smoker_p).astype(float),
    })


def _reference(n: int, seed: int = 0) -> dict:
    tr = _sample(n, seed)
    return reference_stats(SCHEMA, tr, np.full(n, 0.15))


@pytest.mark.parametrize("n_ref, numeric, categorical", [
    (800, "KS test", "chi-square test"),
    (5000, "Wasserstein distance / SD", "Jensen-Shannon distance"),
])
def test_method_follows_reference_size(n_ref: int, numeric: str, categorical: str) -> None:
    table = drift.feature_drift(_reference(n_ref), _sample(1500, 7), SCHEMA).set_index("feature")
    assert table.loc["age_years", "method"] == numeric
    assert table.loc["creatinine", "method"] == numeric
    assert table.loc["ward", "method"] == categorical
    assert table.loc["smoker", "method"] == categorical


@pytest.mark.parametrize("n_ref", [800, 5000])
def test_undrifted_sample_is_not_flagged(n_ref: int) -> None:
    table = drift.feature_drift(_reference(n_ref), _sample(1500, 11), SCHEMA)
    assert not table["drifted"].any(), table[["feature", "statistic", "p_value"]]
    assert (table["psi"] < 0.1).all()
    assert (table["psi_level"] == "none").all()
    lines = drift.summary_sentences(table)
    assert lines == ["None of the 4 inputs differs noticeably from the data the model learned from."]


@pytest.mark.parametrize("n_ref", [800, 5000])
def test_drifted_sample_is_flagged_and_explained(n_ref: int) -> None:
    current = _sample(1500, 12, age_shift=12, ward_p=(0.1, 0.2, 0.3, 0.4), smoker_p=0.5)
    table = drift.feature_drift(_reference(n_ref), current, SCHEMA).set_index("feature")
    assert table.loc[["age_years", "ward", "smoker"], "drifted"].all()
    assert not table.loc["creatinine", "drifted"]
    assert table.loc["age_years", "psi_level"] in ("moderate", "major")
    assert "older than those the model learned from" in table.loc["age_years", "sentence"]
    assert "More patients in this file have current smoker" in table.loc["smoker", "sentence"]
    assert "'D'" in table.loc["ward", "sentence"] or "'A'" in table.loc["ward", "sentence"]
    lines = drift.summary_sentences(table.reset_index())
    assert lines[0].startswith("3 of 4 inputs differ")
    assert any("older" in line for line in lines)


def test_younger_patients_and_missing_values_are_described() -> None:
    current = _sample(1500, 13, age_shift=-15, creat_missing=0.4)
    table = drift.feature_drift(_reference(5000), current, SCHEMA).set_index("feature")
    assert "younger" in table.loc["age_years", "sentence"]
    assert table.loc["creatinine", "drifted"]
    assert "more often not recorded" in table.loc["creatinine", "sentence"]


def test_ks_statistic_from_percentiles_matches_scipy_on_raw_samples() -> None:
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(0, 1, 20_000), rng.normal(0.3, 1.2, 3_000)
    q = np.quantile(ref, np.linspace(0, 1, 101))
    assert drift.ks_statistic(q, cur) == pytest.approx(ks_2samp(ref, cur).statistic, abs=0.015)
    a, b = rng.normal(size=800), rng.normal(0.1, 1, 1500)
    res = ks_2samp(a, b, method="asymp")
    assert drift.ks_p_value(res.statistic, 800, 1500) == pytest.approx(res.pvalue, rel=1e-6)


def test_wasserstein_from_percentiles_matches_scipy() -> None:
    rng = np.random.default_rng(4)
    ref, cur = rng.normal(10, 2, 50_000), rng.normal(11, 2, 5_000)
    q = np.quantile(ref, np.linspace(0, 1, 101))
    expected = wasserstein_distance(ref, cur) / ref.std()
    assert drift.wasserstein_normalised(q, cur, float(ref.std())) == pytest.approx(expected, rel=0.05)


def test_psi_known_values() -> None:
    assert drift.psi([0.5, 0.5], [0.5, 0.5]) == pytest.approx(0.0)
    expected = (0.7 - 0.5) * np.log(0.7 / 0.5) + (0.3 - 0.5) * np.log(0.3 / 0.5)
    assert drift.psi([0.5, 0.5], [0.7, 0.3]) == pytest.approx(expected)
    assert drift.psi_level(0.05) == "none" and drift.psi_level(0.15) == "moderate" and drift.psi_level(0.3) == "major"


def test_reference_cdf_is_a_step_over_percentiles() -> None:
    q = np.array([0.0, 1.0, 1.0, 1.0, 2.0])  # levels 0, .25, .5, .75, 1
    assert drift.reference_cdf(q, np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])).tolist() == [
        0.0, 0.0, 0.0, 0.75, 0.75, 1.0, 1.0]


def test_unseen_category_and_inputs_missing_from_either_side() -> None:
    ref = _reference(5000)
    current = _sample(500, 5).drop(columns=["creatinine"])
    current.loc[:200, "ward"] = "Z"  # a ward the model never saw
    table = drift.feature_drift(ref, current, SCHEMA).set_index("feature")
    assert "creatinine" not in table.index
    assert table.loc["ward", "drifted"]
    assert "'Z'" in table.loc["ward", "sentence"]
    assert drift.feature_drift({"n": 10, "features": {}}, current, SCHEMA).empty
    assert "nothing to compare" in drift.summary_sentences(pd.DataFrame(columns=drift.COLUMNS))[0]


def test_method_note_names_the_tests() -> None:
    assert "Kolmogorov-Smirnov" in drift.method_note(500)
    assert "Jensen-Shannon" in drift.method_note(5000)

"""Performance metrics against sklearn, hand-worked values and simulated calibration."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from sklearn.metrics import roc_auc_score

from core.analytics import metrics


def _simulate(n: int, seed: int, spread: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Perfectly calibrated risks: y ~ Bernoulli(p). Returns (y, p, logit p)."""
    rng = np.random.default_rng(seed)
    lp = rng.normal(-1.8, spread, n)
    p = expit(lp)
    y = (rng.random(n) < p).astype(int)
    return y, p, lp


# ---------------------------------------------------------------------------- discrimination


def test_auc_matches_sklearn_with_ties() -> None:
    y, p, _ = _simulate(2000, seed=1)
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    rounded = np.round(p, 2)  # many ties
    assert metrics.auc(y, rounded) == pytest.approx(roc_auc_score(y, rounded), abs=1e-12)


def test_auc_one_class_is_nan_and_missing_pairs_dropped() -> None:
    assert np.isnan(metrics.auc([0, 0, 0], [0.1, 0.2, 0.3]))
    y = [1, 0, 1, 0, 1]
    p = [0.9, 0.2, np.nan, 0.4, 0.3]
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score([1, 0, 0, 1], [0.9, 0.2, 0.4, 0.3]))


def test_outcome_must_be_binary() -> None:
    with pytest.raises(ValueError):
        metrics.auc([0, 1, 2], [0.1, 0.2, 0.3])


def test_auc_ci_contains_estimate_and_narrows_with_n() -> None:
    y_small, p_small, _ = _simulate(500, seed=2)
    y_big, p_big, _ = _simulate(5000, seed=2)
    lo_s, hi_s = metrics.auc_ci(y_small, p_small, n_boot=300)
    lo_b, hi_b = metrics.auc_ci(y_big, p_big, n_boot=300)
    assert lo_s < metrics.auc(y_small, p_small) < hi_s
    assert lo_b < metrics.auc(y_big, p_big) < hi_b
    assert (hi_b - lo_b) < 0.6 * (hi_s - lo_s)


def test_fast_auc_bootstrap_equals_generic_path() -> None:
    y, p, _ = _simulate(800, seed=3)
    fast = metrics.bootstrap_ci(y, np.round(p, 2), metrics.auc, n_boot=150, seed=5)
    slow = metrics.bootstrap_ci(y, np.round(p, 2), lambda a, b: metrics.auc(a, b), n_boot=150, seed=5)
    np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12)


def test_bootstrap_is_deterministic_and_seed_matters() -> None:
    y, p, _ = _simulate(600, seed=4)
    a = metrics.bootstrap_ci(y, p, metrics.brier, n_boot=100, seed=1)
    b = metrics.bootstrap_ci(y, p, metrics.brier, n_boot=100, seed=1)
    c = metrics.bootstrap_ci(y, p, metrics.brier, n_boot=100, seed=2)
    assert a == b
    assert a != c
    assert a[0] < metrics.brier(y, p) < a[1]


def test_bootstrap_one_class_is_nan() -> None:
    lo, hi = metrics.auc_ci([1, 1, 1], [0.2, 0.5, 0.7])
    assert np.isnan(lo) and np.isnan(hi)


def test_auc_bootstrap_is_fast() -> None:
    y, p, _ = _simulate(10_000, seed=5)
    start = time.perf_counter()
    metrics.auc_ci(y, p, n_boot=1000)
    assert time.perf_counter() - start < 3.0


# ---------------------------------------------------------------------------- calibration


def test_brier_scaled_brier_and_oe_by_hand() -> None:
    y, p = [1, 0], [0.8, 0.4]
    assert metrics.brier(y, p) == pytest.approx(0.1)
    assert metrics.scaled_brier(y, p) == pytest.approx(1 - 0.1 / 0.25)
    assert metrics.observed_expected(y, p) == pytest.approx(1 / 1.2)
    assert np.isnan(metrics.scaled_brier([1, 1], [0.5, 0.5]))


def test_calibration_of_perfectly_calibrated_predictions() -> None:
    y, p, _ = _simulate(100_000, seed=6)
    intercept, slope = metrics.calibration_intercept_slope(y, p)
    assert intercept == pytest.approx(0.0, abs=0.03)
    assert slope == pytest.approx(1.0, abs=0.03)
    assert metrics.observed_expected(y, p) == pytest.approx(1.0, abs=0.02)


def test_calibration_slope_of_overconfident_predictions() -> None:
    y, _, lp = _simulate(100_000, seed=7)
    intercept, slope = metrics.calibration_intercept_slope(y, expit(2 * lp))
    assert slope == pytest.approx(0.5, abs=0.03)
    assert intercept > 0.5  # doubling negative logits under-predicts on average


def test_calibration_intercept_detects_systematic_underprediction() -> None:
    y, _, lp = _simulate(100_000, seed=8)
    intercept, slope = metrics.calibration_intercept_slope(y, expit(lp - 0.5))
    assert intercept == pytest.approx(0.5, abs=0.03)
    assert slope == pytest.approx(1.0, abs=0.03)


def test_calibration_undefined_cases() -> None:
    assert all(np.isnan(metrics.calibration_intercept_slope([0, 0], [0.1, 0.2])))
    intercept, slope = metrics.calibration_intercept_slope([0, 1, 0, 0], [0.25] * 4)
    assert intercept == pytest.approx(0.0, abs=1e-8)  # observed 25% == predicted 25%
    assert np.isnan(slope)


def test_calibration_curve_quantile_bins() -> None:
    y, p, _ = _simulate(5000, seed=9)
    curve = metrics.calibration_curve_df(y, p, n_bins=10)
    assert list(curve.columns) == ["bin", "mean_predicted", "observed", "n", "lo", "hi"]
    assert len(curve) == 10
    assert curve["n"].sum() == 5000
    assert curve["n"].min() >= 490
    assert curve["mean_predicted"].is_monotonic_increasing
    assert ((curve["lo"] <= curve["observed"]) & (curve["observed"] <= curve["hi"])).all()


def test_calibration_curve_wilson_interval_and_ties() -> None:
    curve = metrics.calibration_curve_df([1, 0] * 5, [0.3] * 10, n_bins=10)
    assert len(curve) == 1  # tied predictions stay in one bin
    row = curve.iloc[0]
    assert row["observed"] == pytest.approx(0.5)
    assert row["lo"] == pytest.approx(0.2366, abs=1e-4)
    assert row["hi"] == pytest.approx(0.7634, abs=1e-4)


# ---------------------------------------------------------------------------- curves


def test_roc_curve_endpoints_monotone_downsampled() -> None:
    y, p, _ = _simulate(5000, seed=10)
    roc = metrics.roc_curve_df(y, p, max_points=50)
    assert list(roc.columns) == ["fpr", "tpr", "threshold"]
    assert len(roc) <= 50
    assert roc.iloc[0][["fpr", "tpr"]].tolist() == [0.0, 0.0]
    assert roc.iloc[-1][["fpr", "tpr"]].tolist() == [1.0, 1.0]
    assert roc["fpr"].is_monotonic_increasing and roc["tpr"].is_monotonic_increasing
    assert roc["threshold"].is_monotonic_decreasing
    assert np.isfinite(roc["threshold"]).all()
    full = metrics.roc_curve_df(y, p, max_points=100_000)
    assert np.trapezoid(full["tpr"], full["fpr"]) == pytest.approx(metrics.auc(y, p), abs=1e-9)


def test_pr_curve_endpoints_monotone_downsampled() -> None:
    y, p, _ = _simulate(5000, seed=11)
    pr = metrics.pr_curve_df(y, p, max_points=40)
    assert list(pr.columns) == ["recall", "precision", "threshold"]
    assert len(pr) <= 40
    assert pr["recall"].iloc[0] == 0.0 and pr["recall"].iloc[-1] == 1.0
    assert pr["recall"].is_monotonic_increasing
    assert pr["precision"].iloc[-1] == pytest.approx(y.mean(), abs=0.01)


def test_curves_empty_with_one_class() -> None:
    assert metrics.roc_curve_df([0, 0], [0.1, 0.2]).empty
    assert metrics.pr_curve_df([0, 0], [0.1, 0.2]).empty


# ---------------------------------------------------------------------------- decisions


Y_SMALL = [1, 1, 0, 0, 0]
P_SMALL = [0.9, 0.3, 0.6, 0.1, 0.05]


def test_net_benefit_by_hand() -> None:
    # pt = 0.2: flagged 0.9 (TP), 0.3 (TP), 0.6 (FP) -> 2/5 - 1/5 * 0.25
    assert metrics.net_benefit(Y_SMALL, P_SMALL, 0.2) == pytest.approx(0.35)
    # pt = 0.5: flagged 0.9 (TP), 0.6 (FP) -> 1/5 - 1/5 * 1
    np.testing.assert_allclose(metrics.net_benefit(Y_SMALL, P_SMALL, [0.2, 0.5]), [0.35, 0.0], atol=1e-12)


def test_decision_curve_treat_all_formula_and_strategies() -> None:
    lace_risk = [0.2, 0.1, 0.2, 0.1, 0.1]
    dc = metrics.decision_curve_df(Y_SMALL, P_SMALL, thresholds=[0.1, 0.2], comparators={"LACE": lace_risk})
    assert list(dc.columns) == ["threshold", "strategy", "net_benefit"]
    assert set(dc["strategy"]) == {"model", "treat all", "treat none", "LACE"}
    nb = dc.set_index(["strategy", "threshold"])["net_benefit"]
    prevalence = 0.4
    for pt in (0.1, 0.2):
        assert nb[("treat all", pt)] == pytest.approx(prevalence - (1 - prevalence) * pt / (1 - pt))
        assert nb[("treat none", pt)] == 0.0
    assert nb[("model", 0.2)] == pytest.approx(0.35)
    # LACE at 0.2 flags rows 0 (TP) and 2 (FP): 1/5 - 1/5 * 0.25
    assert nb[("LACE", 0.2)] == pytest.approx(0.15)
    assert nb[("LACE", 0.1)] == pytest.approx(nb[("treat all", 0.1)])  # flags everyone


def test_decision_curve_default_thresholds() -> None:
    y, p, _ = _simulate(1000, seed=12)
    dc = metrics.decision_curve_df(y, p)
    t = sorted(dc["threshold"].unique())
    assert len(t) == 36 and t[0] == 0.05 and t[-1] == 0.40
    json.dumps(dc.to_dict(orient="records"))


def test_confusion_by_hand() -> None:
    y = [1, 0, 1, 0, 1, 0]
    p = [0.9, 0.8, 0.4, 0.3, 0.2, 0.1]
    c = metrics.confusion_at(y, p, 0.35)
    assert (c["tp"], c["fp"], c["tn"], c["fn"]) == (2, 1, 2, 1)
    assert c["accuracy"] == pytest.approx(4 / 6)
    assert c["precision"] == pytest.approx(2 / 3)
    assert c["recall"] == pytest.approx(2 / 3)
    assert c["specificity"] == pytest.approx(2 / 3)
    assert c["f1"] == pytest.approx(2 / 3)
    assert c["flagged_per_100"] == pytest.approx(50.0)
    at_value = metrics.confusion_at(y, p, 0.4)  # p >= threshold is flagged
    assert at_value["tp"] == 2 and at_value["fp"] == 1
    none = metrics.confusion_at(y, p, 0.95)
    assert none["tp"] + none["fp"] == 0 and np.isnan(none["precision"])
    assert all(type(v) in (int, float) for v in c.values())


def test_threshold_for_capacity() -> None:
    p = [0.1, 0.5, 0.3, 0.9, np.nan]
    t = metrics.threshold_for_capacity(p, 2)
    assert t == 0.5
    assert metrics.confusion_at([0, 1, 0, 1, 0], p, t)["flagged"] == 2
    assert metrics.threshold_for_capacity(p, 10) == 0.1
    assert metrics.threshold_for_capacity(p, 0) > 0.9


# ---------------------------------------------------------------------------- summaries


def test_summary_keys_and_plain_types() -> None:
    y, p, _ = _simulate(3000, seed=13)
    s = metrics.summary(y, p, n_boot=200)
    assert set(s) == {
        "auc", "auc_ci", "brier", "scaled_brier", "calibration_intercept", "calibration_slope",
        "observed_expected", "n", "events", "prevalence",
    }
    assert s["n"] == 3000 and s["events"] == int(y.sum())
    assert s["auc"] == pytest.approx(roc_auc_score(y, p))
    assert isinstance(s["auc_ci"], list) and s["auc_ci"][0] < s["auc"] < s["auc_ci"][1]
    assert type(s["n"]) is int and type(s["auc"]) is float
    json.dumps(s)


def test_subgroup_table_small_group_and_missing_level() -> None:
    y, p, _ = _simulate(2000, seed=14)
    sex = np.where(np.arange(2000) % 2 == 0, "F", "M").astype(object)
    sex[:20] = None  # 20 patients without sex recorded
    site = np.array(["A"] * 1990 + ["B"] * 10)
    table = metrics.subgroup_table(pd.DataFrame({"sex": sex, "site": site}), y, p, n_boot=50)
    assert list(table.columns) == [
        "variable", "level", "n", "events", "observed_rate", "mean_predicted",
        "auc", "auc_lo", "auc_hi", "observed_expected", "note",
    ]
    rows = table.set_index(["variable", "level"])
    assert rows.loc[("sex", "not recorded"), "n"] == 20
    assert rows.loc[("sex", "not recorded"), "note"] == metrics.TOO_FEW_NOTE
    assert np.isnan(rows.loc[("site", "B"), "auc"])
    assert rows.loc[("site", "B"), "note"] == metrics.TOO_FEW_NOTE
    female = np.asarray(sex == "F", dtype=bool)
    assert rows.loc[("sex", "F"), "n"] == female.sum()
    assert rows.loc[("sex", "F"), "auc"] == pytest.approx(roc_auc_score(y[female], p[female]))
    assert rows.loc[("sex", "F"), "note"] == ""
    assert rows.loc[("sex", "F"), "auc_lo"] < rows.loc[("sex", "F"), "auc"] < rows.loc[("sex", "F"), "auc_hi"]
    assert table.groupby("variable")["n"].sum().tolist() == [2000, 2000]
    json.dumps(table.to_dict(orient="records"))


def test_subgroup_too_few_non_events() -> None:
    y = np.array([1] * 48 + [0] * 2)
    p = np.linspace(0.1, 0.9, 50)
    table = metrics.subgroup_table(pd.DataFrame({"g": ["x"] * 50}), y, p, min_n=30, min_events=5)
    assert table.loc[0, "note"] == metrics.TOO_FEW_NOTE
    assert np.isnan(table.loc[0, "observed_expected"])


# ---------------------------------------------------------------------------- baseline scores as risk


def test_score_to_risk_recovers_simulated_mapping() -> None:
    rng = np.random.default_rng(15)
    score = rng.integers(0, 20, 50_000)
    y = (rng.random(score.size) < expit(-3.5 + 0.15 * score)).astype(int)
    mapping = metrics.score_to_risk(score, y)
    assert mapping.intercept == pytest.approx(-3.5, abs=0.15)
    assert mapping.slope == pytest.approx(0.15, abs=0.015)
    risks = mapping(np.arange(20))
    assert np.all(np.diff(risks) > 0)
    assert np.isnan(mapping(np.array([np.nan]))[0])
    assert isinstance(mapping(5), float)
    assert metrics.ScoreRiskMap.from_dict(json.loads(json.dumps(mapping.to_dict()))) == mapping


def test_score_to_risk_needs_both_outcomes() -> None:
    with pytest.raises(ValueError):
        metrics.score_to_risk([1, 2, 3], [0, 0, 0])


# ---------------------------------------------------------------------------- policy defaults


def test_default_resamples_and_floor_are_the_policy_numbers() -> None:
    """The screen, the report and the model card agree because every default reads core/policy.py."""
    import inspect

    from core import policy

    def default(function: object, name: str) -> object:
        return inspect.signature(function).parameters[name].default  # type: ignore[arg-type]

    for function in (metrics.summary, metrics.auc_ci, metrics.bootstrap_ci):
        assert default(function, "n_boot") == policy.BOOTSTRAP_RESAMPLES == 1000
    assert default(metrics.subgroup_table, "n_boot") == policy.SUBGROUP_BOOTSTRAP_RESAMPLES == 200
    assert default(metrics.subgroup_table, "min_n") == policy.RELIABILITY_MIN_PATIENTS == 30
    assert default(metrics.subgroup_table, "min_events") == policy.RELIABILITY_MIN_EVENTS == 5

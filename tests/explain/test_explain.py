"""Explanations are exact: they add up on every row and agree with shap's log-odds values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.data.csvio import read_csv_path
from core.data.validate import validate
from core.explain.explainer import Explainer, reason_phrase, to_probability_points
from core.model.estimator import logit
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT, other_frame


def _clean(engine: Engine) -> pd.DataFrame:
    raw, _ = read_csv_path(DEMO_COHORT)
    return validate(raw, engine.schema).clean


def test_additivity_on_every_demo_row(engine: Engine) -> None:
    exp = engine.explainer.explain(_clean(engine))
    assert exp.additivity_error() < 1e-6
    risk = engine.bundle.model.predict_risk(_clean(engine))
    np.testing.assert_allclose(exp.risk, risk, atol=1e-12)
    assert abs(exp.baseline_pct / 100 - engine.bundle.reference["baseline_risk"]) < 1e-12


def test_edge_rows_add_up(engine: Engine) -> None:
    schema = engine.schema
    empty = {f.name: None for f in schema.features}
    extreme_hi = {f.name: (f.plausible_max if f.plausible_max is not None else f.train_max) for f in schema.features
                  if f.kind == "numeric"}
    extreme_lo = {f.name: (f.plausible_min if f.plausible_min is not None else f.train_min) for f in schema.features
                  if f.kind == "numeric"}
    raw = pd.DataFrame([empty, {**empty, **extreme_hi}, {**empty, **extreme_lo}])
    result = validate(raw, schema)
    assert result.n_scored == 3
    exp = engine.explainer.explain(result.clean)
    assert exp.additivity_error() < 1e-6
    assert np.all((exp.risk > 0) & (exp.risk < 1))


def test_log_odds_agree_with_shap_for_trees(tree_bundle: Path) -> None:
    """A boosted-tree bundle: our log-odds attributions are shap's exact TreeSHAP values, and the margin
    (the TreeSHAP total) is the model's own prediction to rounding."""
    import shap

    from core.model.bundle import load_bundle

    bundle = load_bundle(tree_bundle)
    clean = validate(other_frame(300, seed=11), bundle.schema).clean
    X = bundle.model.encode(clean)
    explainer = Explainer(bundle.model, bundle.reference["baseline_risk"])
    phi, margin = explainer.log_odds(X)
    ref = shap.TreeExplainer(bundle.model.estimator).shap_values(X)
    np.testing.assert_allclose(phi, ref, atol=1e-10)
    exp = explainer.explain(clean)
    assert exp.additivity_error() < 1e-6
    expected = shap.TreeExplainer(bundle.model.estimator).expected_value
    np.testing.assert_allclose(phi.sum(axis=1) + float(np.ravel(expected)[0]), margin, atol=1e-6)
    np.testing.assert_allclose(margin, bundle.model.estimator.decision_function(X), rtol=0, atol=1e-12)


def test_linear_log_odds_are_exact(other_engine: Engine) -> None:
    model = other_engine.bundle.model
    clean = validate(other_frame(200, seed=12), other_engine.schema).clean
    X = model.encode(clean)
    phi, margin = other_engine.explainer.log_odds(X)
    if model.is_linear:
        np.testing.assert_allclose(phi.sum(axis=1), margin - (model.encoded_means @ model.estimator.coef_.ravel()
                                                              + model.estimator.intercept_[0]), atol=1e-9)
    assert other_engine.explainer.explain(clean).additivity_error() < 1e-6


def test_mapping_follows_log_odds_sign_and_order() -> None:
    rng = np.random.default_rng(0)
    phi = rng.normal(0, 0.4, (500, 6))
    margin = -1.7 + phi.sum(axis=1)
    baseline = 0.16
    risk, contrib = to_probability_points(phi, margin, 0.0, 1.0, baseline)
    np.testing.assert_allclose(baseline + contrib.sum(axis=1), risk, atol=1e-12)
    r_ref = 1 / (1 + np.exp(1.7))
    gap = abs(r_ref - baseline)
    big = np.abs(contrib).sum(axis=1) > 4 * gap
    agree = np.sign(contrib[big]) == np.sign(phi[big])
    assert agree.mean() > 0.98
    i = int(np.argmax(big))
    assert np.argmax(np.abs(contrib[i])) == np.argmax(np.abs(phi[i]))


def test_mapping_handles_zero_gap_and_recalibration() -> None:
    phi = np.zeros((2, 3))
    margin = np.array([-1.5, -1.5])
    risk, contrib = to_probability_points(phi, margin, 0.1, 0.9, 0.2)
    np.testing.assert_allclose(contrib.sum(axis=1), risk - 0.2, atol=1e-12)
    assert np.all(np.isfinite(contrib))
    np.testing.assert_allclose(logit(risk), 0.1 + 0.9 * margin)


def test_reason_phrases_speak_plainly(engine: Engine) -> None:
    spec = engine.schema.feature("admissions_12m")
    assert reason_phrase(spec, 4.0, 6.14) == "Admissions in past 12 months: 4 admissions (+6.1 points)"
    sodium = engine.schema.feature("sodium_mmol_l")
    assert reason_phrase(sodium, np.nan, 0.4) == "Sodium at discharge not recorded (+0.4 points)"
    assert "\u2212" in reason_phrase(sodium, 140.0, -1.0)


def test_demo_file_exists() -> None:
    assert Path(DEMO_COHORT).is_file()


def test_vectorised_top_reasons_match_reason_phrase(engine: Engine) -> None:
    from core.explain.explainer import top_reasons

    clean = _clean(engine).iloc[:300]
    exp = engine.explainer.explain(clean)
    got = top_reasons(engine.schema, clean, exp.contributions)
    for i in range(len(clean)):
        row = exp.contributions.iloc[i]
        top = row.abs().sort_values(ascending=False, kind="stable").index[:3]
        want = " | ".join(reason_phrase(engine.schema.feature(f), clean[f].iloc[i], float(row[f])) for f in top)
        assert got[i] == want


def test_points_are_worded_as_python_rounds_them() -> None:
    """The vectorised wording of points equals '.1f' formatting, at half-tenths and signed zeros too."""
    from core.explain.explainer import points_phrases

    rng = np.random.default_rng(3)
    tricky = [0.05, 0.15, 0.25, 0.35, 0.45, 2.675, 1e-17, -1e-17, 0.0, -0.0, -0.04999999, -0.05, 9.95, 99.95,
              0.04999999999999999, 0.35000000000000003, -12.25, 1234.55]
    halves = (np.arange(-2000, 2000) + 0.5) / 10  # every half-tenth from -200 to 200
    points = np.concatenate([tricky, halves, np.nextafter(halves, 0), np.nextafter(halves, 1e9),
                             rng.normal(0, 8, 20_000), rng.uniform(-0.1, 0.1, 5_000)])
    want = [f" ({'+' if p >= 0 else chr(0x2212)}{abs(p):.1f} points)" for p in points.tolist()]
    assert points_phrases(points).tolist() == want


def test_units_read_naturally(engine: Engine) -> None:
    from core.explain.explainer import format_value

    ed = engine.schema.feature("ed_visits_6m")
    assert format_value(ed, 1.0) == "1 visit" and format_value(ed, 2.0) == "2 visits"
    assert format_value(engine.schema.feature("hemoglobin_g_dl"), 1.0) == "1 g/dL"


def test_a_value_never_missing_in_training_adds_nothing_when_not_recorded(engine: Engine) -> None:
    """Not recorded is 'no information', not a silent 'yes' or 'no'."""
    model = engine.bundle.model
    never_missing = [f for f in engine.schema.features if f.missing_share == 0 and f.kind != "categorical"]
    assert never_missing
    clean = _clean(engine).iloc[:50].copy()
    spec = next(f for f in never_missing if f.modifiable) if any(f.modifiable for f in never_missing) \
        else never_missing[0]
    clean[spec.name] = np.nan
    exp = engine.explainer.explain(clean)
    if model.is_linear:
        phi, _ = engine.explainer.log_odds(model.encode(clean))
        np.testing.assert_allclose(phi[:, engine.schema.names.index(spec.name)], 0.0, atol=1e-12)
    assert exp.additivity_error() < 1e-6

"""The what-if search: every alternative of every modifiable input, the best drop, model wording."""

from __future__ import annotations

import math

import pytest

from core.data.schema import FeatureSpec
from core.explain.whatif import WhatIfChange, all_changes, alternative_values, best_change, engine_predictor
from core.scoring.engine import Engine


def _toy_predict(rows: list[dict]) -> list[float]:
    """Risk falls with 'followup' = 1, rises with 'dose', and category 'b' is lowest."""
    out = []
    for r in rows:
        if r.get("dose") is not None and r["dose"] > 100:
            out.append(float("nan"))  # an input the model would reject
            continue
        risk = 0.30 - 0.10 * (r.get("followup") or 0) + 0.001 * (r.get("dose") or 0)
        risk -= {"a": 0.0, "b": 0.05, "c": 0.02}.get(r.get("plan"), 0.0)
        out.append(risk)
    return out


FOLLOWUP = FeatureSpec("followup", "binary", label="Follow-up booked", modifiable=True)
DOSE = FeatureSpec("dose", "numeric", label="Dose", unit="mg", train_min=0, train_max=40, integer=True,
                   modifiable=True)
PLAN = FeatureSpec("plan", "categorical", label="Plan", categories=("a", "b", "c"), modifiable=True)


def test_alternatives_cover_every_level_and_stay_in_training_range() -> None:
    assert alternative_values(FOLLOWUP, 0.0) == [1.0]
    assert alternative_values(FOLLOWUP, None) == [0.0, 1.0]
    assert alternative_values(PLAN, "A") == ["b", "c"]  # case-insensitive match of the current level
    steps = alternative_values(DOSE, 20.0, steps=5)
    assert steps == [0.0, 10.0, 30.0, 40.0]
    assert all(DOSE.train_min <= v <= DOSE.train_max for v in steps)
    assert alternative_values(FeatureSpec("x", "numeric"), 1.0) == []  # no training range: nothing to try


def test_best_change_is_the_largest_drop_and_worded_as_an_estimate() -> None:
    values = {"followup": 0.0, "dose": 20.0, "plan": "a"}
    changes = all_changes(_toy_predict, values, [FOLLOWUP, DOSE, PLAN])
    assert [c.risk_after for c in changes] == sorted(c.risk_after for c in changes)
    assert len(changes) == 1 + 4 + 2
    best = best_change(_toy_predict, values, [FOLLOWUP, DOSE, PLAN])
    assert isinstance(best, WhatIfChange)
    assert best.feature == "followup" and best.after == 1.0
    assert best.change_points == pytest.approx(-10.0)
    text = best.sentence()
    assert "model's estimate" in text and "not a promise" in text
    assert "Follow-up booked from no to yes" in text


def test_no_best_change_when_nothing_lowers_the_estimate() -> None:
    values = {"followup": 1.0, "dose": 0.0, "plan": "b"}
    assert best_change(_toy_predict, values, [FOLLOWUP, DOSE, PLAN]) is None


def test_rejected_variants_are_skipped() -> None:
    wide = FeatureSpec("dose", "numeric", train_min=0, train_max=200, integer=True, modifiable=True)
    changes = all_changes(_toy_predict, {"dose": 0.0}, [wide])
    assert changes and all(c.after <= 100 for c in changes)
    assert all(math.isfinite(c.risk_after) for c in changes)


def test_engine_predictor_matches_engine_patient(engine: Engine) -> None:
    values = engine.typical_patient()
    predict = engine_predictor(engine)
    risks = predict([values])
    assert risks[0] == pytest.approx(engine.patient(values).risk, abs=1e-9)


def test_search_on_the_default_model(engine: Engine) -> None:
    specs = engine.schema.modifiable
    assert specs, "the default bundle marks some inputs as modifiable"
    values = engine.patient({**engine.typical_patient(), **{s.name: 0.0 for s in specs if s.kind == "binary"}}).values
    changes = all_changes(engine_predictor(engine), values, specs)
    assert {c.feature for c in changes} == {s.name for s in specs}
    best = best_change(engine_predictor(engine), values, specs)
    if best is not None:
        after = engine.patient({**values, best.feature: best.after}).risk
        assert after == pytest.approx(best.risk_after, abs=1e-9)
        assert best.risk_after == min(c.risk_after for c in changes)

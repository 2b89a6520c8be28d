"""The model page's chart builders return valid Vega-Lite with the expected encodings.

Each spec is rendered to SVG by vl-convert (the Vega-Lite compiler), which fails on an
invalid spec, and the encodings are checked by walking the JSON (layers and concatenations).
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from core.analytics import metrics
from core.presentation import palette
from core.scoring.engine import Engine
from views.charts.baselines import baselines_chart
from views.charts.beeswarm import beeswarm_chart, beeswarm_frame
from views.charts.calibration import calibration_chart
from views.charts.confusion import confusion_chart
from views.charts.decision_curve import decision_curve_chart
from views.charts.dependence import dependence_chart, dependence_frame
from views.charts.importance import importance_chart
from views.charts.pr import pr_chart
from views.charts.roc import roc_chart


@pytest.fixture(scope="module")
def yp() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    p = rng.beta(2, 9, 800)
    y = (rng.random(800) < p).astype(int)
    return y, p


def _render(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_json()
    svg = vlc.vegalite_to_svg(spec)
    assert svg.lstrip().startswith("<svg") and len(svg) > 500
    return json.loads(spec)


def _encodings(spec: Any) -> list[dict[str, Any]]:
    """Every 'encoding' dict anywhere in the spec (layers, vconcat, ...)."""
    found: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        if isinstance(spec.get("encoding"), dict):
            found.append(spec["encoding"])
        for v in spec.values():
            found += _encodings(v)
    elif isinstance(spec, list):
        for v in spec:
            found += _encodings(v)
    return found


def _fields(spec: Any, channel: str) -> set[str]:
    out = set()
    for enc in _encodings(spec):
        ch = enc.get(channel)
        if isinstance(ch, dict):
            if "field" in ch:
                out.add(ch["field"])
            if isinstance(ch.get("condition"), dict) and "field" in ch["condition"]:
                out.add(ch["condition"]["field"])
    return out


def _title(spec: dict[str, Any]) -> str:
    t = spec.get("title", "")
    return t if isinstance(t, str) else t.get("text", "")


def test_roc(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    spec = _render(roc_chart(metrics.roc_curve_df(y, p), auc=metrics.auc(y, p)))
    assert "fpr" in _fields(spec, "x") and "tpr" in _fields(spec, "y")
    assert f"AUC {metrics.auc(y, p):.3f}" in _title(spec)
    assert _title(_render(roc_chart(pd.DataFrame({"fpr": [0, 1], "tpr": [0, 1]})))) == "ROC curve"


def test_pr(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    spec = _render(pr_chart(metrics.pr_curve_df(y, p), prevalence=float(y.mean())))
    assert {"recall"} <= _fields(spec, "x") and {"precision"} <= _fields(spec, "y")
    assert any(layer.get("mark", {}).get("type") == "rule" for layer in spec["layer"])
    assert "layer" not in _render(pr_chart(metrics.pr_curve_df(y, p)))


def test_calibration(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    spec = _render(calibration_chart(metrics.calibration_curve_df(y, p)))
    assert "mean_predicted" in _fields(spec, "x")
    assert {"observed", "lo"} <= _fields(spec, "y") and "hi" in _fields(spec, "y2")
    _render(calibration_chart(metrics.calibration_curve_df([], [])))  # empty: still a valid chart


def test_decision_curve(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    curve = metrics.decision_curve_df(y, p, comparators={"LACE": np.clip(p * 1.1, 0, 1)})
    spec = _render(decision_curve_chart(curve))
    assert "threshold" in _fields(spec, "x") and "net_benefit_shown" in _fields(spec, "y")
    colour = _encodings(spec)[0]["color"]
    assert colour["field"] == "strategy"
    assert colour["scale"]["domain"] == ["model", "treat all", "treat none", "LACE"]
    assert colour["scale"]["range"][:3] == [palette.MODEL, palette.REFERENCE, palette.NEUTRAL_DARK]
    assert colour["scale"]["range"][3] == palette.COMPARATORS[0]


def test_confusion(yp: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = yp
    conf = metrics.confusion_at(y, p, 0.2)
    spec = _render(confusion_chart(conf))
    values = {r["cell"]: r["count"] for r in spec["datasets"][next(iter(spec["datasets"]))]}
    assert values["True positive"] == conf["tp"] and values["False negative (missed)"] == conf["fn"]
    assert values["False positive (false alarm)"] == conf["fp"] and values["True negative"] == conf["tn"]
    assert "text" in _fields(spec, "text") and "predicted" in _fields(spec, "x") and "actual" in _fields(spec, "y")


def test_importance_sorted_and_cut(engine: Engine) -> None:
    frame = pd.DataFrame(engine.bundle.performance["importance"])
    spec = _render(importance_chart(frame, top=5))
    assert "mean_abs_points" in _fields(spec, "x") and "label" in _fields(spec, "y")
    y = _encodings(spec)[0]["y"]
    assert y["sort"] == list(frame.sort_values("mean_abs_points", ascending=False)["label"].head(5))


def test_beeswarm(engine: Engine) -> None:
    b = engine.bundle
    sample = b.performance["explanation_sample"]
    order = [r["feature"] for r in b.performance["importance"]]
    frame = beeswarm_frame(sample, b.schema.features, order, top=8)
    assert list(dict.fromkeys(frame["feature"])) == order[:8]
    assert len(frame) == 8 * sample["n"]
    assert frame["value_scaled"].between(-1, 1).all() and frame["jitter"].abs().max() <= 1
    cats = {f.name for f in b.schema.features if f.kind == "categorical"}
    assert (frame.loc[frame["feature"].isin(cats), "value_scaled"] == -1).all()
    spec = _render(beeswarm_chart(frame))
    assert "points" in _fields(spec, "x") and "label" in _fields(spec, "y")
    assert "jitter" in _fields(spec, "yOffset") and "value_scaled" in _fields(spec, "color")
    assert beeswarm_frame(sample, b.schema.features, order, seed=0).equals(
        beeswarm_frame(sample, b.schema.features, order, seed=0))  # seeded: the same on every visit
    _render(beeswarm_chart(beeswarm_frame({"points": {}, "values": {}}, b.schema.features, [])))


def test_dependence_every_kind(engine: Engine, other_engine: Engine) -> None:
    for eng in (engine, other_engine):
        sample = eng.bundle.performance["explanation_sample"]
        done = set()
        for spec_f in eng.schema.features:
            if spec_f.kind in done:
                continue
            done.add(spec_f.kind)
            frame = dependence_frame(sample, spec_f)
            assert len(frame) == sample["n"]
            spec = _render(dependence_chart(frame, spec_f))
            assert len(spec["vconcat"]) == 2
            assert "points" in _fields(spec["vconcat"][0], "y")
            x_fields = _fields(spec, "x")
            assert ("value" in x_fields) if spec_f.kind == "numeric" else ("value_text" in x_fields)


def test_baselines(engine: Engine) -> None:
    frame = pd.DataFrame(engine.bundle.performance["baseline_comparison"])
    spec = _render(baselines_chart(frame))
    assert "auc" in _fields(spec, "x") and "auc_lo" in _fields(spec, "x") and "auc_hi" in _fields(spec, "x2")
    assert _encodings(spec)[1]["y"]["sort"] == list(frame["name"])


def test_charts_accept_performance_json_records(engine: Engine) -> None:
    perf = engine.bundle.performance
    _render(roc_chart(pd.DataFrame(perf["roc"])))
    _render(pr_chart(pd.DataFrame(perf["pr"]), prevalence=0.15))
    _render(calibration_chart(pd.DataFrame(perf["calibration"])))
    _render(decision_curve_chart(pd.DataFrame(perf["decision_curve"])))
    _render(confusion_chart(perf["confusion"]))


def test_undefined_auc_and_prevalence_are_left_out() -> None:
    curve = pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]})
    assert _title(_render(roc_chart(curve, auc=float("nan")))) == "ROC curve"
    pr = pd.DataFrame({"recall": [0.0, 1.0], "precision": [1.0, 0.2]})
    assert "layer" not in _render(pr_chart(pr, prevalence=float("nan")))

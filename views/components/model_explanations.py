"""Global explanations: importance ranking, beeswarm, dependence plot and the LACE/HOSPITAL comparison."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.explain.explainer import method_text
from core.model.bundle import Bundle
from views.charts.baselines import baselines_chart
from views.charts.beeswarm import beeswarm_chart, beeswarm_frame
from views.charts.decision_curve import decision_curve_chart
from views.charts.dependence import dependence_chart, dependence_frame
from views.charts.importance import importance_chart

BASE_STRATEGIES = frozenset({"model", "treat all", "treat none"})


def _importance(bundle: Bundle) -> pd.DataFrame:
    frame = pd.DataFrame(bundle.performance.get("importance", []))
    labels = {f.name: f.display_label for f in bundle.schema.features}
    frame["label"] = [labels.get(n, n) for n in frame["feature"]]
    return frame


def render(bundle: Bundle) -> None:
    """Everything here is read from performance.json, computed once at training time."""
    sample = bundle.performance.get("explanation_sample", {}) or {}
    n = int(sample.get("n", 0))
    if not bundle.performance.get("importance") or not sample.get("points"):
        st.info("This bundle has no stored explanations; rebuild it with the current trainer to see them.")
        _baselines(bundle)
        return
    importance = _importance(bundle)
    st.markdown("Contributions are in **percentage points of risk** for the positive outcome. They are "
                "**associations in the model, not causes**.")
    st.caption(f"Computed on a random sample of {n:,} held-out patients (seed {sample.get('seed', '?')}), never "
               "seen in training. The sample is drawn once when the bundle is built, so every visit shows the same.")
    left, right = st.columns(2)
    with left:
        st.subheader("Ranking")
        st.altair_chart(importance_chart(importance), width="stretch")
    with right:
        st.subheader("Every sampled patient")
        top = 12
        frame = beeswarm_frame(sample, bundle.schema.features, list(importance["feature"]), top=top)
        st.altair_chart(beeswarm_chart(frame), width="stretch")
        st.caption(f"The {min(top, len(importance))} largest inputs; one dot per patient (n = {n:,}). Blue = low "
                   "value, orange = high, grey = a category or not recorded.")
    st.subheader("How one input's contribution varies with its value")
    names = list(importance["feature"])
    labels = dict(zip(importance["feature"], importance["label"], strict=True))
    name = st.selectbox("Input", names, format_func=lambda x: labels.get(x, x), key="model_dependence_feature")
    spec = bundle.schema.feature(name)
    dep = dependence_frame(sample, spec)
    st.altair_chart(dependence_chart(dep, spec), width="stretch")
    missing = int((~dep["recorded"]).sum())
    note = (f" {missing} of {len(dep):,} sampled patients had it not recorded; they are not on the number line."
            if spec.kind == "numeric" and missing else "")
    st.caption("Dots: the contribution for each sampled patient; bars: how many sampled patients have each value, "
               "so sparse regions (few patients, less reliable) are visible." + note)
    with st.expander("How the contributions are computed"):
        st.markdown(method_text())
    _baselines(bundle)


def _baselines(bundle: Bundle) -> None:
    st.subheader("Compared with LACE and HOSPITAL")
    comparison = pd.DataFrame(bundle.performance.get("baseline_comparison", []))
    curve = pd.DataFrame(bundle.performance.get("decision_curve", []))
    if len(comparison) <= 1:
        st.info("LACE and HOSPITAL could not be computed for this model: their inputs are not in its data.")
        return
    st.markdown("On the same held-out patients and against this model's outcome. LACE (van Walraven 2010) was "
                "built to predict death or unplanned readmission within 30 days and HOSPITAL (Donzé 2013) "
                "potentially avoidable readmission: **each predicts a slightly different outcome**, so their "
                "published AUCs (0.68 and 0.72) are not directly comparable with these.")
    left, right = st.columns(2)
    with left:
        st.altair_chart(baselines_chart(comparison), width="stretch")
    with right:
        if len(curve):
            st.altair_chart(decision_curve_chart(curve), width="stretch")
            others = [s for s in dict.fromkeys(curve["strategy"]) if s not in BASE_STRATEGIES]
            st.caption("Net benefit of acting on patients at or above each risk threshold; "
                       + (", ".join(others) + " mapped to risk on the training set. " if others else "")
                       + "Higher is better; a strategy helps only above both 'treat all' and 'treat none'.")

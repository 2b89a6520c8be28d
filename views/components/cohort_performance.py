"""Performance on an upload with outcomes: discrimination, threshold, calibration, decision curve, subgroups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core import policy
from core.analytics import cohort, metrics
from core.presentation.wording import too_few
from core.scoring.engine import Engine, ScoreResult
from views.charts.calibration import calibration_chart
from views.charts.confusion import confusion_chart
from views.charts.decision_curve import decision_curve_chart
from views.charts.pr import pr_chart
from views.charts.roc import roc_chart
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView
from views.shared import text


def _fmt(x: float, spec: str = ".3f") -> str:
    return format(x, spec) if np.isfinite(x) else "-"


def _headline(view: FilteredView, y: np.ndarray, p: np.ndarray) -> dict:
    n_boot = policy.bootstrap_resamples(len(y))
    with st.spinner(f"Computing AUC with {n_boot:,} bootstrap resamples ..."):
        s = state.memo("summary", (view.fingerprint, n_boot), lambda: metrics.summary(
            y, p, n_boot=n_boot, seed=policy.BOOTSTRAP_SEED))
    lo, hi = s["auc_ci"]
    a, b, c, d, e = st.columns(5)
    a.metric("AUC (C-statistic)", _fmt(s["auc"]), help=f"95% CI {_fmt(lo)} to {_fmt(hi)}")
    b.metric("Calibration intercept", _fmt(s["calibration_intercept"], ".2f"), help="Ideal 0; above 0 means the "
             "model under-predicts on average.")
    c.metric("Calibration slope", _fmt(s["calibration_slope"], ".2f"), help="Ideal 1; below 1 means predictions "
             "are too extreme.")
    d.metric("Brier score", _fmt(s["brier"]), help=f"Scaled Brier {_fmt(s['scaled_brier'], '.2f')} (1 = perfect, "
             "0 = no better than predicting the average).")
    e.metric("Observed / expected", _fmt(s["observed_expected"], ".2f"), help="Ideal 1; above 1 means more "
             "readmissions happened than the model predicted.")
    st.caption(f"AUC {_fmt(s['auc'])} (95% CI {_fmt(lo)} to {_fmt(hi)}; {n_boot:,} stratified bootstrap resamples, "
               f"seed {policy.BOOTSTRAP_SEED}) on {s['n']:,} patients with an outcome, {s['events']:,} readmitted "
               f"({s['prevalence']:.1%}).")
    return s


def _curves(view: FilteredView, y: np.ndarray, p: np.ndarray, s: dict) -> None:
    roc = state.memo("roc", (view.fingerprint,), lambda: metrics.roc_curve_df(y, p))
    pr = state.memo("pr", (view.fingerprint,), lambda: metrics.pr_curve_df(y, p))
    left, right = st.columns(2)
    left.altair_chart(roc_chart(roc, auc=s["auc"]), key="cohort_chart_roc")
    right.altair_chart(pr_chart(pr, prevalence=s["prevalence"]), key="cohort_chart_pr")


def _threshold(engine: Engine, y: np.ndarray, p: np.ndarray) -> None:
    st.subheader("At a chosen threshold")
    default = float(engine.bundle.manifest.decision_threshold)
    t = st.slider("Flag patients at or above this predicted risk", policy.THRESHOLD_SLIDER_MIN,
                  policy.THRESHOLD_SLIDER_MAX, round(default, 2), 0.01,
                  format="%.2f", key="cohort_threshold")
    c = metrics.confusion_at(y, p, t)
    left, right = st.columns([2, 3])
    left.altair_chart(confusion_chart(c), key="cohort_chart_confusion")
    with right:
        a, b = st.columns(2)
        a.metric("Accuracy", _fmt(c["accuracy"], ".1%"))
        b.metric("Precision (PPV)", _fmt(c["precision"], ".1%"))
        a.metric("Recall (sensitivity)", _fmt(c["recall"], ".1%"))
        b.metric("F1", _fmt(c["f1"], ".2f"))
        st.caption(f"At {t:.0%}, {c['flagged']:,} of {c['n']:,} patients are flagged "
                   f"({c['flagged_per_100']:.1f} per 100 discharges).")


def _calibration(view: FilteredView, y: np.ndarray, p: np.ndarray, s: dict) -> None:
    st.subheader("Calibration")
    curve = state.memo("calibration", (view.fingerprint,), lambda: metrics.calibration_curve_df(y, p))
    left, right = st.columns([3, 2])
    left.altair_chart(calibration_chart(curve), key="cohort_chart_calibration")
    right.markdown(
        f"- Intercept **{_fmt(s['calibration_intercept'], '.2f')}** (ideal 0)\n"
        f"- Slope **{_fmt(s['calibration_slope'], '.2f')}** (ideal 1)\n"
        f"- Brier **{_fmt(s['brier'])}**\n"
        f"- Observed / expected **{_fmt(s['observed_expected'], '.2f')}** (ideal 1)\n\n"
        "Points are tenths of patients by predicted risk, with 95% intervals.")


def _decision_curve(view: FilteredView, labelled: pd.Index, y: np.ndarray, p: np.ndarray, result: ScoreResult
                    ) -> None:
    st.subheader("Decision curve")
    def compute() -> tuple[pd.DataFrame, list[str]]:
        comps, notes = cohort.comparator_risks(result.clean_rows(labelled), y)
        return metrics.decision_curve_df(y, p, comparators=comps), notes
    curve, notes = state.memo("decision", (view.fingerprint,), compute)
    st.altair_chart(decision_curve_chart(curve), key="cohort_chart_decision")
    st.caption(text("cohort_decision_curve") + (" " + " ".join(notes) if notes else ""))


def _subgroups(view: FilteredView, y: np.ndarray, p: np.ndarray, labelled: pd.Index) -> None:
    st.subheader("By subgroup")
    t = view.tables.table.loc[labelled]
    groups = {label: t[col].to_numpy() for col, label in cohort.available_groupings(t)}
    if not groups:
        st.caption("The file has no subgroup columns (sex, age, insurance, service, site).")
        return
    n_boot = policy.subgroup_bootstrap_resamples(len(y))
    with st.spinner("Computing subgroup performance ..."):
        table = state.memo("subgroups", (view.fingerprint, n_boot), lambda: metrics.subgroup_table(
            pd.DataFrame(groups), y, p, min_n=policy.RELIABILITY_MIN_PATIENTS,
            min_events=policy.RELIABILITY_MIN_EVENTS, n_boot=n_boot, seed=policy.BOOTSTRAP_SEED))
    pct = "percent"
    st.dataframe(table, hide_index=True, key="cohort_subgroups", column_config={
        "variable": "Group", "level": "Level", "n": st.column_config.NumberColumn("Patients", format="%d"),
        "events": st.column_config.NumberColumn("Readmitted", format="%d"),
        "observed_rate": st.column_config.NumberColumn("Observed rate", format=pct),
        "mean_predicted": st.column_config.NumberColumn("Mean predicted", format=pct),
        "auc": st.column_config.NumberColumn("AUC", format="%.3f"),
        "auc_lo": st.column_config.NumberColumn("AUC 95% CI low", format="%.3f"),
        "auc_hi": st.column_config.NumberColumn("AUC 95% CI high", format="%.3f"),
        "observed_expected": st.column_config.NumberColumn("O/E", format="%.2f"), "note": "Note"})
    st.caption(f"Estimates are left out (\"too few\") for groups with {too_few()}; intervals are {n_boot} "
               f"stratified bootstrap resamples, seed {policy.BOOTSTRAP_SEED}.")


def render_performance(engine: Engine, result: ScoreResult, view: FilteredView) -> bool:
    """Everything that needs outcomes; returns False (with the reason shown) when the file has none."""
    t = view.tables.table
    labelled = t[t["outcome"].notna()]
    if not view.tables.has_outcome or labelled["outcome"].nunique() < 2:
        st.info(view.tables.outcome_note or "The patients in view all have the same outcome, so performance "
                "cannot be measured.")
        return False
    y = labelled["outcome"].to_numpy(dtype=float)
    p = labelled["risk"].to_numpy(dtype=float)
    st.caption(text("cohort_performance"))
    s = _headline(view, y, p)
    _curves(view, y, p, s)
    _threshold(engine, y, p)
    _calibration(view, y, p, s)
    _decision_curve(view, labelled.index, y, p, result)
    _subgroups(view, y, p, labelled.index)
    return True

"""Held-out performance: ROC, precision-recall, calibration, decision curve, confusion matrix and subgroups."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.model.bundle import Bundle
from core.presentation.wording import too_few
from core.reports.model_card import md_escape, weaker_subgroups
from views.charts.calibration import calibration_chart
from views.charts.confusion import confusion_chart
from views.charts.decision_curve import decision_curve_chart
from views.charts.pr import pr_chart
from views.charts.roc import roc_chart


def _frame(bundle: Bundle, key: str) -> pd.DataFrame:
    return pd.DataFrame(bundle.performance.get(key, []) or [])


def render(bundle: Bundle) -> None:
    """Charts read from performance.json (precomputed at training time), so the page opens at once."""
    m = bundle.metrics
    n, events = m.n_test, m.events_test
    st.caption(f"{n:,} held-out discharges with {events:,} events, never used to train or tune the model.")
    left, right = st.columns(2)
    with left:
        st.altair_chart(roc_chart(_frame(bundle, "roc"), auc=m.auc), width="stretch")
        lo, hi = m.auc_ci
        st.caption(f"AUC {m.auc:.3f} (95% CI {lo:.3f}-{hi:.3f}). The dashed diagonal is chance.")
    with right:
        st.altair_chart(pr_chart(_frame(bundle, "pr"), prevalence=events / n if n else None), width="stretch")
        st.caption(f"The dashed line is the event rate ({events / max(n, 1):.1%}): the precision of flagging "
                   "everyone.")
    left, right = st.columns(2)
    with left:
        st.altair_chart(calibration_chart(_frame(bundle, "calibration")), width="stretch")
        st.caption(f"Slope {m.calibration_slope:.2f} (ideal 1), intercept {m.calibration_intercept:.2f} "
                   f"(ideal 0), observed/expected {m.observed_expected:.2f}, Brier {m.brier:.3f}. Bars are "
                   "95% intervals; points on the diagonal mean predicted risk matched what happened.")
    with right:
        st.altair_chart(decision_curve_chart(_frame(bundle, "decision_curve")), width="stretch")
        st.caption("Net benefit = true positives/N − false positives/N × pt/(1 − pt) (Vickers & Elkin 2006).")
    _confusion(bundle)
    _subgroups(bundle)


def _confusion(bundle: Bundle) -> None:
    conf = bundle.performance.get("confusion", {}) or {}
    if not conf:
        return
    threshold = bundle.manifest.decision_threshold
    st.subheader(f"At the flag threshold of {threshold:.0%}")
    method = md_escape(bundle.manifest.risk_bands_method)
    st.caption(f"The lower edge of the highest risk band; bands chosen as: {method}.")
    left, right = st.columns([3, 2])
    with left:
        st.altair_chart(confusion_chart(conf), width="stretch")
    with right:
        st.markdown(
            f"- Flagged: **{conf['flagged_per_100']:.1f} per 100** discharges\n"
            f"- Sensitivity: **{conf['recall']:.1%}** of patients with the outcome were flagged\n"
            f"- Positive predictive value: **{conf['precision']:.1%}** of flagged patients had the outcome\n"
            f"- Specificity: **{conf['specificity']:.1%}**; negative predictive value: **{conf['npv']:.1%}**"
        )


def _subgroups(bundle: Bundle) -> None:
    st.subheader("Performance by subgroup")
    table = _frame(bundle, "subgroups")
    if not len(table):
        st.info("No subgroup columns (sex, age, insurance, service, site) were identified in this model's data.")
        return
    table[["observed_rate", "mean_predicted"]] = table[["observed_rate", "mean_predicted"]] * 100  # shown as %
    st.dataframe(
        table, hide_index=True, key="model_subgroups_table",
        column_order=["variable", "level", "n", "events", "observed_rate", "mean_predicted", "auc", "auc_lo",
                      "auc_hi", "observed_expected", "note"],
        column_config={
            "variable": "Group", "level": "Level",
            "n": st.column_config.NumberColumn("Discharges", format="localized"),
            "events": st.column_config.NumberColumn("Events", format="localized"),
            "observed_rate": st.column_config.NumberColumn("Observed", format="%.1f%%"),
            "mean_predicted": st.column_config.NumberColumn("Mean predicted", format="%.1f%%"),
            "auc": st.column_config.NumberColumn("AUC", format="%.3f"),
            "auc_lo": st.column_config.NumberColumn("AUC 95% CI low", format="%.3f"),
            "auc_hi": st.column_config.NumberColumn("AUC 95% CI high", format="%.3f"),
            "observed_expected": st.column_config.NumberColumn("O/E", format="%.2f"),
            "note": "Note",
        },
    )
    weaker = weaker_subgroups(bundle)
    st.caption(f"Groups with {too_few('discharges')} get no AUC: their performance is unknown. "
               "Where the model looks weaker (AUC interval wholly below the overall AUC, or O/E outside 0.8-1.25): "
               + (md_escape("; ".join(weaker)) if weaker else "none") + ".")

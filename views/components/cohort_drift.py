"""Drift: how the patients in this file differ from those the model learned from, in plain words."""

from __future__ import annotations

import streamlit as st

from core.analytics import drift
from core.scoring.engine import Engine, ScoreResult
from views.charts.drift import drift_chart
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView
from views.shared import text


def render_drift(engine: Engine, result: ScoreResult, view: FilteredView) -> None:
    """Per-input statistic, flag and PSI against ``engine.bundle.reference``, with a summary in words."""
    if not engine.bundle.manifest.reference.features:
        st.info("This model bundle has no training reference, so drift cannot be checked.")
        return
    current = result.clean_rows(view.tables.table.index)
    with st.spinner("Comparing every input with the training data ..."):
        table = state.memo("drift", (view.fingerprint,),
                           lambda: drift.feature_drift(engine.bundle.reference, current, engine.schema))
    lines = drift.summary_sentences(table)
    box = st.warning if table["drifted"].any() else st.success
    box("\n".join(f"- {line}" for line in lines))
    st.caption(drift.method_note(engine.bundle.manifest.reference.n) + " " + text("cohort_drift"))
    if view.filters.describe() != "none (all scored patients)":
        st.caption("Filters apply here too: a filtered view is expected to differ on the filtered columns.")
    st.altair_chart(drift_chart(table), key="cohort_chart_drift")
    shown = table[["label", "method", "statistic", "p_value", "drifted", "psi", "psi_level", "reference_summary",
                   "current_summary", "reference_missing", "current_missing", "sentence"]]
    if shown["p_value"].isna().all():
        shown = shown.drop(columns=["p_value"])  # distance-based tests have no p-value
    st.dataframe(shown, hide_index=True, key="cohort_drift_table", column_config={
        "label": "Input", "method": "Test", "statistic": st.column_config.NumberColumn("Statistic", format="%.3f"),
        "p_value": st.column_config.NumberColumn("p-value", format="%.4f"),
        "drifted": st.column_config.CheckboxColumn("Differs"),
        "psi": st.column_config.NumberColumn("PSI", format="%.3f"), "psi_level": "PSI shift",
        "reference_summary": "Training", "current_summary": "This file",
        "reference_missing": st.column_config.NumberColumn("Not recorded (training)", format="percent"),
        "current_missing": st.column_config.NumberColumn("Not recorded (this file)", format="percent"),
        "sentence": st.column_config.TextColumn("In words", width="large")})

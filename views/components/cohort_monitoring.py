"""Monitoring over time: monthly AUC and observed/expected, without the months whose outcomes are unknown."""

from __future__ import annotations

import streamlit as st

from core.analytics import cohort
from views.charts.monitoring import monitoring_chart
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView
from views.shared import text


def render_monitoring(view: FilteredView) -> None:
    """Needs both a date column and outcomes; says which is missing otherwise."""
    t = view.tables.table
    if not view.tables.has_outcome or t["date"].notna().sum() == 0:
        missing = [w for w, ok in (("dates", t["date"].notna().any()), ("outcomes", view.tables.has_outcome))
                   if not ok]
        st.info(f"Monitoring over time needs dates and outcomes; this file has no usable {' or '.join(missing)}.")
        return
    table, note = state.memo("monitoring", (view.fingerprint,), lambda: cohort.monthly_performance(t))
    st.caption(text("cohort_monitoring"))
    st.info(note)
    if table.empty or table["auc"].notna().sum() == 0:
        st.caption("No month has enough patients and events for a reliable estimate.")
    else:
        st.altair_chart(monitoring_chart(table), key="cohort_chart_monitoring")
    st.dataframe(table, hide_index=True, key="cohort_monitoring_table", column_config={
        "month": st.column_config.DateColumn("Month", format="MMM YYYY"),
        "n": st.column_config.NumberColumn("Patients", format="%d"),
        "events": st.column_config.NumberColumn("Readmitted", format="%d"),
        "auc": st.column_config.NumberColumn("AUC", format="%.3f"),
        "observed_expected": st.column_config.NumberColumn("O/E", format="%.2f"),
        "mean_risk": st.column_config.NumberColumn("Mean predicted", format="percent"),
        "observed_rate": st.column_config.NumberColumn("Observed rate", format="percent"), "note": "Note"})

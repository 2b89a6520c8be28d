"""Drivers of one patient's estimate: a waterfall in percentage points, warnings and the method.

Reused by the cohort page for a selected patient, so it reads nothing from page state.
"""

from __future__ import annotations

import streamlit as st

from core.explain.explainer import method_text
from core.reports.patient_summary import ASSOCIATION_NOTE, TOP_DRIVERS, driver_steps, not_recorded_line, warning_lines
from core.scoring.engine import Engine, PatientResult
from views.charts.waterfall import waterfall_chart


def render_drivers(engine: Engine, result: PatientResult, key_prefix: str = "patient") -> None:
    """From the average patient to this patient, largest contributions first."""
    if not result.estimated:
        return
    st.markdown("#### What drives this estimate")
    st.caption(
        f"{ASSOCIATION_NOTE} From the average patient (grey) to this patient (dark), each bar shows how one input "
        f"moves the model's estimate, in percentage points: red raises it, blue lowers it. The {TOP_DRIVERS} "
        "largest are shown; the rest are grouped as other factors."
    )
    for line in warning_lines(result):
        st.warning(line)
    chart = waterfall_chart(driver_steps(engine.schema, result, TOP_DRIVERS))
    st.altair_chart(chart, width="stretch", key=f"{key_prefix}_waterfall")
    note = not_recorded_line(result)
    if note:
        st.info(note)
    with st.expander("How the contributions are computed"):
        st.markdown(method_text())

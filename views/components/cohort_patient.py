"""The selected patient's full explanation, drawn with the patient page's own components."""

from __future__ import annotations

import streamlit as st

from core.presentation.wording import format_risk
from core.scoring.engine import Engine
from views.components import cohort_state as state


def _close_patient() -> None:
    st.session_state.pop(state.SELECTED, None)


def render_patient(engine: Engine, run: state.CohortRun, index: int) -> None:
    """The selected patient's full explanation, with the patient page's own components."""
    tables = run.upload.tables
    ids = ", ".join(f"{c} {tables.ids.at[index, c]}" for c in tables.ids.columns) or "no identifier"
    head, close = st.columns([5, 1], vertical_alignment="center")
    head.subheader(f"Patient: {ids} (row {int(tables.table.at[index, 'row']):,} in the file)")
    close.button("Close", key="cohort_close_patient", on_click=_close_patient)
    result = engine.patient(run.upload.result.clean_inputs(index))
    try:
        from views.components.drivers import render_drivers
        from views.components.result_card import render_result_card
    except ImportError:  # the patient page's components are not available in this build
        st.metric("30-day readmission risk", format_risk(result.risk))
        st.markdown("\n".join(f"- {r}" for r in result.reasons[:5]))
        return
    render_result_card(engine, result, key_prefix="cohort")
    render_drivers(engine, result, key_prefix="cohort")

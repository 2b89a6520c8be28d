"""The result card: absolute risk with its band, natural frequency, icon array and references.

Reused by the cohort page for a selected patient, so it reads nothing from page state.
"""

from __future__ import annotations

import streamlit as st

from core.presentation import palette
from core.presentation.wording import format_risk, natural_frequency
from core.reports.patient_summary import percentile_text, plain_problem, reference_row
from core.scoring.engine import Engine, PatientResult
from views.charts.icon_array import icon_array_chart
from views.components.clinical_scores import render_clinical_scores


def no_estimate_message(result: PatientResult) -> str:
    """Why there is no number for a patient outside the population or without a required input ('' if there is)."""
    if result.not_eligible:
        reason = result.not_eligible[:1].upper() + result.not_eligible[1:]
        return f"No estimate: this patient is outside the population the model was built for. {reason}."
    if result.needed:
        return f"Not enough information to estimate. Needed: {', '.join(result.needed)}."
    return ""


def render_result_card(engine: Engine, result: PatientResult, key_prefix: str = "patient") -> None:
    """Absolute 30-day risk first, then how to read it, then what to compare it with."""
    with st.container(border=True):
        if result.rejected:
            st.error(f"The risk could not be estimated: {plain_problem(engine.schema, result.rejected)}")
            return
        if not result.estimated:
            st.info(no_estimate_message(result))
            return
        left, right = st.columns([1, 1], gap="medium")
        with left:
            st.metric("30-day readmission risk", format_risk(result.risk))
            band = str(result.band)
            st.badge(f"{band.capitalize()} risk", color=palette.badge_colour(band))
            st.markdown(f"**{natural_frequency(result.risk)}**")
        with right:
            st.altair_chart(icon_array_chart(result.risk), width="content", key=f"{key_prefix}_icons")
        lines = [f"- Average patient the model learned from: **{format_risk(result.baseline)}**"]
        ref = reference_row(engine, result)
        if ref:
            lines.append(f"- Average for patients aged {ref['age_band']}, {ref['sex']}, the model learned from: "
                         f"**{format_risk(float(ref['mean']))}**")
        lines.append(f"- {percentile_text(result.percentile)}")
        st.markdown("\n".join(lines))
        render_clinical_scores(engine, result, key_prefix)

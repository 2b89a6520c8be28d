"""LACE and HOSPITAL next to the model's estimate, with their point breakdowns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.reports.patient_summary import clinical_score_summaries
from core.scoring.engine import Engine, PatientResult


def render_clinical_scores(engine: Engine, result: PatientResult, key_prefix: str = "patient") -> None:
    """Each published score with its total, band, what it was built to predict and its points.

    Shown only when the bundle has the scores' inputs; nothing here depends on page state.
    """
    summaries = clinical_score_summaries(result)
    if not summaries:
        return
    st.markdown("**Published scores for comparison**")
    cols = st.columns(len(summaries))
    for col, s in zip(cols, summaries, strict=True):
        with col:
            st.markdown(f"{s['name']} **{s['total']}** of {s['max']} · {s['band']}")
            st.caption(f"Built to predict {s['predicts']}. Bands: {s['bands_text']}.")
    with st.expander("Points behind " + " and ".join(s["name"] for s in summaries)):
        cols = st.columns(len(summaries))
        for col, s in zip(cols, summaries, strict=True):
            table = pd.DataFrame(s["items"]).rename(columns={"item": s["name"], "value": "Value",
                                                             "points": "Points"})
            col.dataframe(table, hide_index=True, width="stretch", key=f"{key_prefix}_{s['name']}_pts")
    outcome = engine.schema.target_label or "its own outcome"
    st.caption(
        f"LACE, HOSPITAL and this model each predict a slightly different outcome; this model predicts: "
        f"{outcome.lower()}. A not-recorded laboratory value scores 0 points in HOSPITAL."
    )

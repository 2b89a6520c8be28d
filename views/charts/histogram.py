"""A pre-binned histogram of any numeric column (costs, satisfaction scores)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def histogram_chart(hist: pd.DataFrame, title: str, x_title: str) -> alt.Chart:
    """Bars of ``n`` between ``start`` and ``end`` (core.analytics.cohort.histogram)."""
    data = pd.DataFrame({"start": pd.to_numeric(hist["start"]), "end": pd.to_numeric(hist["end"]),
                         "n": pd.to_numeric(hist["n"])})
    return alt.Chart(data).mark_rect(color=palette.MODEL_LIGHT, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("start:Q", title=x_title), x2="end:Q", y=alt.Y("n:Q", title="Patients"), y2=alt.datum(0),
        tooltip=[alt.Tooltip("start:Q", format=",.4~g", title="From"),
                 alt.Tooltip("end:Q", format=",.4~g", title="To"), alt.Tooltip("n:Q", format=",", title="Patients")],
    ).properties(title=title, height=200)

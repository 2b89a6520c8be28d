"""Risk distribution of a cohort: pre-binned counts in, Altair bar chart out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from core.presentation import palette


def risk_distribution_chart(hist: pd.DataFrame, bands: Sequence[dict[str, Any]] = ()) -> alt.Chart:
    """Patients per risk bin (start, end, n from core.analytics.cohort.histogram), band cut-offs as dashed rules.

    Binning happens in core, so the chart holds ~20 rows whatever the number of patients.
    """
    data = pd.DataFrame({"start": pd.to_numeric(hist["start"]), "end": pd.to_numeric(hist["end"]),
                         "n": pd.to_numeric(hist["n"])})
    bars = alt.Chart(data).mark_rect(color=palette.MODEL, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("start:Q", title="Predicted 30-day readmission risk", axis=alt.Axis(format="%")),
        x2="end:Q",
        y=alt.Y("n:Q", title="Patients"),
        y2=alt.datum(0),
        tooltip=[alt.Tooltip("start:Q", format=".0%", title="From"), alt.Tooltip("end:Q", format=".0%", title="To"),
                 alt.Tooltip("n:Q", format=",", title="Patients")],
    )
    cuts = pd.DataFrame([{"cut": float(b["lower"]), "label": f"{b['name']} from {float(b['lower']):.0%}"}
                         for b in list(bands)[1:]])
    if cuts.empty:
        return bars.properties(title="Risk distribution", height=260)
    rules = alt.Chart(cuts).mark_rule(color=palette.OBSERVED, strokeDash=[4, 4]).encode(
        x="cut:Q", tooltip=alt.Tooltip("label:N", title="Band"))
    return (bars + rules).properties(title="Risk distribution (dashed: band cut-offs)", height=260)

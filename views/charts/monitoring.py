"""Monthly discrimination and calibration-in-the-large: AUC and observed/expected over time."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def monitoring_chart(monthly: pd.DataFrame) -> alt.VConcatChart:
    """Two panels from core.analytics.cohort.monthly_performance: AUC per month, then O/E per month with a rule at 1.

    Months with too few patients or events have no value and leave a gap.
    """
    data = pd.DataFrame({
        "month": pd.to_datetime(monthly["month"]),
        "auc": pd.to_numeric(monthly["auc"]),
        "oe": pd.to_numeric(monthly["observed_expected"]),
        "n": pd.to_numeric(monthly["n"]),
    })
    x = alt.X("yearmonth(month):T", title="Month")
    tip = [alt.Tooltip("yearmonth(month):T", title="Month"), alt.Tooltip("n:Q", format=",", title="Patients"),
           alt.Tooltip("auc:Q", format=".3f", title="AUC"), alt.Tooltip("oe:Q", format=".2f", title="O/E")]
    auc = alt.Chart(data).mark_line(point=True, color=palette.MODEL).encode(
        x=x, y=alt.Y("auc:Q", title="AUC", scale=alt.Scale(domain=[0.4, 1.0])), tooltip=tip,
    ).properties(title="Discrimination (AUC) per month", height=180)
    half = alt.Chart(pd.DataFrame({"y": [0.5]})).mark_rule(color=palette.REFERENCE, strokeDash=[4, 4]).encode(y="y:Q")
    oe = alt.Chart(data).mark_line(point=True, color=palette.OBSERVED).encode(
        x=x, y=alt.Y("oe:Q", title="Observed / expected"), tooltip=tip,
    ).properties(title="Observed / expected readmissions per month", height=180)
    one = alt.Chart(pd.DataFrame({"y": [1.0]})).mark_rule(color=palette.REFERENCE, strokeDash=[4, 4]).encode(y="y:Q")
    return alt.vconcat(alt.layer(half, auc), alt.layer(one, oe))

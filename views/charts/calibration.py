"""Calibration chart: observed against predicted risk, pure function of the binned table."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def calibration_chart(curve: pd.DataFrame) -> alt.Chart:
    """Observed share against mean predicted risk per bin, with 95% intervals and the ideal diagonal.

    ``curve`` has columns mean_predicted, observed, n, lo, hi (core.analytics.metrics.calibration_curve_df).
    Points on the diagonal mean the predicted risk matches what happened.
    """
    cols = ["mean_predicted", "observed", "n", "lo", "hi"]
    data = pd.DataFrame({c: pd.to_numeric(curve[c]) for c in cols})
    top = float(max(data[["mean_predicted", "hi"]].max().max(), 0.05)) if len(data) else 1.0
    top = min(1.0, round(top * 1.1 + 0.005, 2))
    scale = alt.Scale(domain=[0, top])
    x = alt.X("mean_predicted:Q", title="Predicted risk (mean in bin)", scale=scale, axis=alt.Axis(format="%"))
    tooltip = [
        alt.Tooltip("mean_predicted:Q", format=".1%", title="Mean predicted"),
        alt.Tooltip("observed:Q", format=".1%", title="Observed"),
        alt.Tooltip("lo:Q", format=".1%", title="95% CI low"),
        alt.Tooltip("hi:Q", format=".1%", title="95% CI high"),
        alt.Tooltip("n:Q", format=",", title="Patients"),
    ]
    diagonal = (
        alt.Chart(pd.DataFrame({"mean_predicted": [0.0, top], "observed": [0.0, top]}))
        .mark_line(color=palette.REFERENCE, strokeDash=[4, 4])
        .encode(x=alt.X("mean_predicted:Q", scale=scale), y=alt.Y("observed:Q", scale=scale))
    )
    bars = alt.Chart(data).mark_rule(color=palette.MODEL).encode(x=x, y=alt.Y("lo:Q", scale=scale), y2="hi:Q")
    points = (
        alt.Chart(data)
        .mark_circle(color=palette.MODEL, opacity=0.9, size=90)
        .encode(
            x=x,
            y=alt.Y("observed:Q", title="Observed event rate", scale=scale, axis=alt.Axis(format="%")),
            tooltip=tooltip,
        )
    )
    return (diagonal + bars + points).properties(title="Calibration", height=320)

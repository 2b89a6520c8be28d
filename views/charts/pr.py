"""Precision-recall chart: pure, data in, Altair chart out."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from core.presentation import palette


def pr_chart(curve: pd.DataFrame, prevalence: float | None = None) -> alt.Chart:
    """Precision against recall from a frame with ``recall`` and ``precision`` (core.analytics.metrics.pr_curve_df).

    With a finite ``prevalence`` a horizontal line shows the precision of flagging everyone (no skill).
    """
    data = pd.DataFrame({"recall": pd.to_numeric(curve["recall"]), "precision": pd.to_numeric(curve["precision"])})
    if "threshold" in curve:
        data["threshold"] = pd.to_numeric(curve["threshold"])
    tooltip = [alt.Tooltip("recall:Q", format=".2f", title="Recall (sensitivity)"),
               alt.Tooltip("precision:Q", format=".2f", title="Precision (PPV)")]
    if "threshold" in data:
        tooltip.append(alt.Tooltip("threshold:Q", format=".1%", title="Risk threshold"))
    line = (
        alt.Chart(data)
        .mark_line(color=palette.MODEL, strokeWidth=2, interpolate="step-after")
        .encode(
            x=alt.X("recall:Q", title="Recall (sensitivity)", scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("precision:Q", title="Precision (positive predictive value)", scale=alt.Scale(domain=[0, 1])),
            tooltip=tooltip,
        )
    )
    chart: alt.LayerChart | alt.Chart = line
    if prevalence is not None and math.isfinite(prevalence):
        rule = (
            alt.Chart(pd.DataFrame({"precision": [float(prevalence)], "label": [f"Base rate {prevalence:.1%}"]}))
            .mark_rule(color=palette.REFERENCE, strokeDash=[4, 4])
            .encode(y="precision:Q", tooltip=alt.Tooltip("label:N", title="No skill"))
        )
        chart = rule + line
    return chart.properties(title="Precision-recall", height=320)

"""Monthly volume and mean predicted risk (and observed rate when known) over time."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def volume_over_time_chart(monthly: pd.DataFrame) -> alt.VConcatChart:
    """Two aligned panels from core.analytics.cohort.monthly: patients per month (bars), then risk per month (lines).

    The observed readmission rate is drawn next to mean predicted risk when the file has outcomes.
    """
    data = pd.DataFrame({
        "month": pd.to_datetime(monthly["month"]),
        "n": pd.to_numeric(monthly["n"]),
        "mean_risk": pd.to_numeric(monthly["mean_risk"]),
        "observed_rate": pd.to_numeric(monthly["observed_rate"]),
    })
    x = alt.X("yearmonth(month):T", title="Month")
    volume = alt.Chart(data).mark_bar(color=palette.MODEL_LIGHT).encode(
        x=x, y=alt.Y("n:Q", title="Patients"),
        tooltip=[alt.Tooltip("yearmonth(month):T", title="Month"), alt.Tooltip("n:Q", format=",", title="Patients")],
    ).properties(title="Patients per month", height=160)
    long = data.melt(id_vars=["month", "n"], value_vars=["mean_risk", "observed_rate"], var_name="measure",
                     value_name="value").dropna(subset=["value"])
    long["measure"] = long["measure"].map({"mean_risk": "mean predicted risk", "observed_rate": "observed rate"})
    rates = alt.Chart(long).mark_line(point=True).encode(
        x=x,
        y=alt.Y("value:Q", title="Share of patients", axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", title="", scale=alt.Scale(domain=["mean predicted risk", "observed rate"],
                                                               range=[palette.MODEL, palette.OBSERVED]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("yearmonth(month):T", title="Month"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", format=".1%", title="Value"), alt.Tooltip("n:Q", format=",", title="Patients")],
    ).properties(title="30-day readmission risk per month", height=200)
    return alt.vconcat(volume, rates)

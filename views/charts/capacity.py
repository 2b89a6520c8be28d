"""What a weekly follow-up capacity buys: PPV and sensitivity against patients per week."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def capacity_chart(curve: pd.DataFrame, chosen: int | None = None) -> alt.LayerChart:
    """Lines of PPV and sensitivity (or share flagged when there are no outcomes) by weekly capacity.

    ``curve`` is core.analytics.cohort.capacity_curve; a rule marks the capacity chosen on screen.
    """
    measures = {"ppv": "PPV (share of flagged who are readmitted)", "sensitivity": "Sensitivity (share of "
                "readmissions flagged)", "flagged_per_100": "Flagged per 100 discharges"}
    have = [m for m in ("ppv", "sensitivity") if m in curve.columns]
    if have:
        long = curve.melt(id_vars=["per_week"], value_vars=have, var_name="measure", value_name="value")
        y = alt.Y("value:Q", title="Share", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
        fmt = ".1%"
    else:
        long = curve.melt(id_vars=["per_week"], value_vars=["flagged_per_100"], var_name="measure",
                          value_name="value")
        y = alt.Y("value:Q", title="Flagged per 100 discharges")
        fmt = ".1f"
    long["measure"] = long["measure"].map(measures)
    lines = alt.Chart(long).mark_line().encode(
        x=alt.X("per_week:Q", title="Patients we can follow up per week"), y=y,
        color=alt.Color("measure:N", title="", scale=alt.Scale(range=[palette.MODEL, palette.OBSERVED]),
                        legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[alt.Tooltip("per_week:Q", title="Per week"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", format=fmt, title="Value")],
    )
    layers = [lines]
    if chosen is not None:
        layers.append(alt.Chart(pd.DataFrame({"per_week": [chosen]}))
                      .mark_rule(color=palette.NEUTRAL_DARK, strokeDash=[4, 4]).encode(x="per_week:Q"))
    return alt.layer(*layers).properties(title="What each weekly capacity buys", height=340)

"""Mean predicted risk and observed rate by group (service, site, insurance, age band, sex)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def breakdown_chart(table: pd.DataFrame, label: str) -> alt.LayerChart:
    """Bars of mean predicted risk per group; observed rate as a point with its 95% interval when known.

    ``table`` is core.analytics.cohort.breakdown's output; groups are sorted by size as given.
    """
    data = pd.DataFrame({
        "group": table["group"].astype(str),
        "n": pd.to_numeric(table["n"]),
        "mean_risk": pd.to_numeric(table["mean_risk"]),
        "observed_rate": pd.to_numeric(table["observed_rate"]),
        "observed_lo": pd.to_numeric(table["observed_lo"]),
        "observed_hi": pd.to_numeric(table["observed_hi"]),
    })
    order = data["group"].tolist()
    y = alt.Y("group:N", title=label, sort=order)
    tooltip = [alt.Tooltip("group:N", title=label), alt.Tooltip("n:Q", format=",", title="Patients"),
               alt.Tooltip("mean_risk:Q", format=".1%", title="Mean predicted risk"),
               alt.Tooltip("observed_rate:Q", format=".1%", title="Observed rate")]
    bars = alt.Chart(data).mark_bar(color=palette.MODEL_LIGHT).encode(
        y=y, x=alt.X("mean_risk:Q", title="Mean predicted risk (bars), observed rate (dots, 95% CI)",
                     axis=alt.Axis(format="%")),
        tooltip=tooltip)
    observed = data.dropna(subset=["observed_rate"])
    layers = [bars]
    if len(observed):
        layers.append(alt.Chart(observed).mark_rule(color=palette.OBSERVED).encode(y=y, x="observed_lo:Q",
                                                                           x2="observed_hi:Q"))
        layers.append(alt.Chart(observed).mark_point(color=palette.OBSERVED, filled=True, size=60).encode(
            y=y, x="observed_rate:Q", tooltip=tooltip))
    return alt.layer(*layers).properties(
        title=f"Risk by {label.lower()}", height=max(120, 28 * len(data)),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),  # "fit" collapses discrete axes
    )

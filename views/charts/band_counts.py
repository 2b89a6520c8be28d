"""Patients per risk band: a horizontal bar chart in band order."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def _fit() -> dict[str, alt.AutoSizeParams]:
    """A fresh autosize setting per chart: nothing mutable is shared between sessions.

    Streamlit's default "fit" autosize collapses a titled, layered chart with a discrete axis; fit-x does not.
    """
    return {"autosize": alt.AutoSizeParams(type="fit-x", contains="padding")}


def band_counts_chart(counts: pd.DataFrame) -> alt.Chart:
    """Bars of ``n`` per ``band`` (core.analytics.cohort.band_counts), labelled with the share of patients."""
    data = pd.DataFrame({"band": counts["band"].astype(str), "n": pd.to_numeric(counts["n"]),
                         "share": pd.to_numeric(counts["share"])})
    order = data["band"].tolist()
    colours = list(palette.band_colours(order))
    base = alt.Chart(data).encode(
        y=alt.Y("band:N", title="Risk band", sort=order),
        x=alt.X("n:Q", title="Patients"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("band:N", scale=alt.Scale(domain=order, range=colours), legend=None),
        tooltip=[alt.Tooltip("band:N", title="Band"), alt.Tooltip("n:Q", format=",", title="Patients"),
                 alt.Tooltip("share:Q", format=".1%", title="Share")],
    )
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("share:Q", format=".0%"))
    return (bars + text).properties(title="Patients by risk band", height=140, **_fit())

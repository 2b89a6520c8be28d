"""Waterfall of a patient's drivers: pure, data in, Altair chart out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core.presentation import palette

if TYPE_CHECKING:
    import altair as alt

KINDS = ("baseline", "raises", "lowers", "total")
KIND_LABELS = ("Starting point", "Raises the estimate", "Lowers the estimate", "This patient")
COLOURS = (palette.BASELINE, palette.RAISES, palette.LOWERS, palette.TOTAL)


def waterfall_chart(
    steps: pd.DataFrame, title: str = "", height_per_row: int = 26, x_max: float | None = None
) -> alt.Chart:
    """Horizontal waterfall from ``core.reports.patient_summary.driver_steps``: one bar per step, read top to bottom.

    Bars run from ``start`` to ``end`` (risk in %), so each driver begins where the previous
    one ended; the text beside each bar gives its size in percentage points. ``x_max`` (risk in %)
    fixes the axis so two waterfalls can be compared side by side.
    """
    import altair as alt  # on first use: the patient page sends its title and risk before altair loads

    data = steps.copy()
    data["lo"] = data[["start", "end"]].min(axis=1)
    data["hi"] = data[["start", "end"]].max(axis=1)
    data["kind_label"] = data["kind"].map(dict(zip(KINDS, KIND_LABELS, strict=True)))
    order = data["label"].tolist()
    top = x_max if x_max is not None else (float(data["hi"].max()) if len(data) else 1.0)
    x_scale = alt.Scale(domain=[0, max(top * 1.4, 1.0)], nice=False)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=300, labelFontSize=12, ticks=False,
                                                              domain=False))
    # no legend: the page says red raises and blue lowers, and every bar carries its signed size
    colour = alt.Color("kind_label:N", title=None, legend=None,
                       scale=alt.Scale(domain=list(KIND_LABELS), range=list(COLOURS)))
    tooltip = [alt.Tooltip("label:N", title="Step"), alt.Tooltip("text:N", title="Size"),
               alt.Tooltip("end:Q", format=".1f", title="Risk after this step (%)")]
    base = alt.Chart()  # the data goes on the layer once, not on each mark (altair compares it otherwise)
    bars = base.mark_bar(height=16, cornerRadius=2).encode(
        x=alt.X("lo:Q", scale=x_scale, title="30-day readmission risk (%)"), x2="hi:Q", y=y, color=colour,
        tooltip=tooltip,
    )
    labels = base.mark_text(align="left", dx=4, fontSize=11, color=palette.NEUTRAL_DARK).encode(
        x=alt.X("hi:Q", scale=x_scale), y=y, text="text:N"
    )
    # fit the width to the container but keep every row's height (Streamlit's default "fit" squeezes rows)
    chart = alt.layer(bars, labels, data=data).properties(
        height=max(height_per_row * len(data), 120), autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )
    return chart.properties(title=title) if title else chart

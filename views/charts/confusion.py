"""Confusion matrix chart at one threshold: counts in a 2 x 2 grid."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from core.presentation import palette


def confusion_chart(confusion: Mapping[str, Any]) -> alt.Chart:
    """2 x 2 grid of counts from a dict with tp, fp, tn, fn (core.analytics.metrics.confusion_at).

    Rows are what happened, columns what the model said, so a reader sees misses and false alarms.
    """
    cells = [
        ("Readmitted", "Flagged", "True positive", int(confusion["tp"])),
        ("Readmitted", "Not flagged", "False negative (missed)", int(confusion["fn"])),
        ("Not readmitted", "Flagged", "False positive (false alarm)", int(confusion["fp"])),
        ("Not readmitted", "Not flagged", "True negative", int(confusion["tn"])),
    ]
    data = pd.DataFrame(cells, columns=["actual", "predicted", "cell", "count"])
    total = max(int(data["count"].sum()), 1)
    data["share"] = data["count"] / total
    data["text"] = [f"{c:,}" for c in data["count"]]
    base = alt.Chart(data).encode(
        x=alt.X("predicted:N", title="Model", sort=["Flagged", "Not flagged"], axis=alt.Axis(labelAngle=0)),
        y=alt.Y("actual:N", title="Outcome", sort=["Readmitted", "Not readmitted"]),
    )
    rect = base.mark_rect(stroke="white").encode(
        color=alt.Color("count:Q", scale=alt.Scale(range=list(palette.SEQUENTIAL)), legend=None),
        tooltip=[
            alt.Tooltip("cell:N", title="Cell"),
            alt.Tooltip("count:Q", format=",", title="Patients"),
            alt.Tooltip("share:Q", format=".1%", title="Share of all"),
        ],
    )
    labels = base.mark_text(fontSize=16, fontWeight="bold").encode(
        text="text:N",
        color=alt.condition(alt.datum.share > 0.3, alt.value("white"), alt.value("black")),
    )
    return (rect + labels).properties(title="Confusion matrix", height=220)

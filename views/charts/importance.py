"""Global importance chart: mean absolute contribution per input, largest first."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def importance_chart(importance: pd.DataFrame, top: int = 15) -> alt.Chart:
    """Horizontal bars from a frame with ``label`` and ``mean_abs_points`` (performance["importance"]).

    Sorted largest first and cut to ``top`` inputs so the ranking stays readable.
    """
    data = (
        pd.DataFrame({"label": importance["label"].astype(str),
                      "mean_abs_points": pd.to_numeric(importance["mean_abs_points"])})
        .sort_values("mean_abs_points", ascending=False)
        .head(top)
        .reset_index(drop=True)
    )
    return (
        alt.Chart(data)
        .mark_bar(color=palette.MODEL)
        .encode(
            x=alt.X("mean_abs_points:Q", title="Mean absolute contribution (percentage points of risk)"),
            y=alt.Y("label:N", title=None, sort=list(data["label"]), axis=alt.Axis(labelLimit=260, labelOverlap=False)),
            tooltip=[alt.Tooltip("label:N", title="Input"),
                     alt.Tooltip("mean_abs_points:Q", format=".2f", title="Mean |contribution| (points)")],
        )
        .properties(title="Inputs ranked by average size of contribution", height=90 + 26 * len(data))
    )

"""ROC curve chart: pure, data in, Altair chart out."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from core.presentation import palette


def roc_chart(curve: pd.DataFrame, auc: float | None = None, title: str = "ROC curve") -> alt.Chart:
    """ROC curve from a frame with columns ``fpr`` and ``tpr`` (as made by core.analytics.metrics.roc_curve_df).

    The diagonal is drawn as the no-skill reference so the reader can judge the distance from chance.
    """
    data = pd.DataFrame({"fpr": pd.to_numeric(curve["fpr"]), "tpr": pd.to_numeric(curve["tpr"])})
    if "threshold" in curve:
        data["threshold"] = pd.to_numeric(curve["threshold"])
    full_title = f"{title} (AUC {auc:.3f})" if auc is not None and math.isfinite(auc) else title
    x = alt.X("fpr:Q", title="False-positive rate (1 - specificity)", scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("tpr:Q", title="True-positive rate (sensitivity)", scale=alt.Scale(domain=[0, 1]))
    tooltip = [alt.Tooltip("fpr:Q", format=".2f", title="False-positive rate"),
               alt.Tooltip("tpr:Q", format=".2f", title="Sensitivity")]
    if "threshold" in data:
        tooltip.append(alt.Tooltip("threshold:Q", format=".1%", title="Risk threshold"))
    line = alt.Chart(data).mark_line(color=palette.MODEL, strokeWidth=2).encode(x=x, y=y, tooltip=tooltip)
    diagonal = (
        alt.Chart(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]}))
        .mark_line(color=palette.REFERENCE, strokeDash=[4, 4])
        .encode(x="fpr:Q", y="tpr:Q")
    )
    return (diagonal + line).properties(title=full_title, height=320)

"""Baseline comparison chart: the model's AUC next to LACE and HOSPITAL, with 95% intervals."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def baselines_chart(comparison: pd.DataFrame) -> alt.Chart:
    """Dot-and-interval plot from a frame with name, auc, auc_lo, auc_hi (performance["baseline_comparison"]).

    The x axis starts at 0.5 (chance), so overlapping intervals are easy to see.
    """
    data = pd.DataFrame({
        "name": comparison["name"].astype(str),
        "auc": pd.to_numeric(comparison["auc"]),
        "auc_lo": pd.to_numeric(comparison["auc_lo"]),
        "auc_hi": pd.to_numeric(comparison["auc_hi"]),
    })
    order = list(data["name"])
    low = float(min(0.5, data[["auc", "auc_lo"]].min().min())) if len(data) else 0.5
    x = alt.X("auc:Q", title="AUC on held-out patients (95% CI)", scale=alt.Scale(domain=[low, 1.0]))
    y = alt.Y("name:N", title=None, sort=order)
    tooltip = [alt.Tooltip("name:N", title="Score"), alt.Tooltip("auc:Q", format=".3f", title="AUC"),
               alt.Tooltip("auc_lo:Q", format=".3f", title="95% CI low"),
               alt.Tooltip("auc_hi:Q", format=".3f", title="95% CI high")]
    bars = alt.Chart(data).mark_rule(strokeWidth=2, color=palette.MODEL).encode(
        x=alt.X("auc_lo:Q", scale=alt.Scale(domain=[low, 1.0])), x2="auc_hi:Q", y=y)
    dots = alt.Chart(data).mark_point(filled=True, size=90, color=palette.MODEL).encode(x=x, y=y, tooltip=tooltip)
    labels = alt.Chart(data).mark_text(dy=-12, fontSize=11).encode(
        x=x, y=y, text=alt.Text("auc:Q", format=".3f"))
    chance = alt.Chart(pd.DataFrame({"auc": [0.5]})).mark_rule(color=palette.REFERENCE, strokeDash=[4, 4]).encode(
        x=alt.X("auc:Q", scale=alt.Scale(domain=[low, 1.0])))
    return (chance + bars + dots + labels).properties(title="Model compared with LACE and HOSPITAL",
                                                       height=90 + 45 * len(data))

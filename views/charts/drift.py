"""Population stability per input: where the upload differs from the training data."""

from __future__ import annotations

import altair as alt
import pandas as pd

from core.presentation import palette


def drift_chart(table: pd.DataFrame, moderate: float = 0.1, major: float = 0.25, top: int = 20) -> alt.LayerChart:
    """PSI per input (core.analytics.drift.feature_drift), the ``top`` largest, coloured by the drift test's verdict.

    Dashed rules at the usual 0.1 (moderate) and 0.25 (major) shift.
    """
    data = table.sort_values("psi", ascending=False).head(top)
    data = pd.DataFrame({
        "label": data["label"].astype(str),
        "psi": pd.to_numeric(data["psi"]),
        "verdict": ["differs" if d else "similar" for d in data["drifted"]],
        "method": data["method"].astype(str),
        "statistic": pd.to_numeric(data["statistic"]),
    })
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("label:N", title="Input", sort="-x", axis=alt.Axis(labelLimit=220)),
        x=alt.X("psi:Q", title="Population stability index (PSI)"),
        color=alt.Color("verdict:N", title="Drift test", legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["differs", "similar"],
                                        range=[palette.DRIFT_DIFFERS, palette.DRIFT_SIMILAR])),
        tooltip=[alt.Tooltip("label:N", title="Input"), alt.Tooltip("psi:Q", format=".3f", title="PSI"),
                 alt.Tooltip("method:N", title="Test"), alt.Tooltip("statistic:Q", format=".3f", title="Statistic"),
                 alt.Tooltip("verdict:N", title="Verdict")],
    )
    rules = alt.Chart(pd.DataFrame({"psi": [moderate, major], "level": ["moderate shift", "major shift"]})).mark_rule(
        color=palette.NEUTRAL_DARK, strokeDash=[4, 4]).encode(x="psi:Q", tooltip=alt.Tooltip("level:N", title="PSI"))
    return alt.layer(bars, rules).properties(
        title="Shift from the training data", height=max(120, 22 * len(data)),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),  # "fit" collapses discrete axes
    )

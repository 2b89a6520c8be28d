"""Beeswarm chart: every sampled patient's contribution for each top input, coloured by the input's value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from core.data.schema import FeatureSpec
from core.explain.explainer import format_value
from core.presentation import palette


def beeswarm_frame(
    sample: Mapping[str, Any], specs: Sequence[FeatureSpec], order: Sequence[str], top: int = 12, seed: int = 0
) -> pd.DataFrame:
    """Long table [feature, label, points, value_text, value_scaled, jitter] for the ``top`` inputs in ``order``.

    ``sample`` is performance["explanation_sample"] ({"values": {name: [...]}, "points": {name: [...]}}).
    value_scaled is the value's rank within the sample (0 low, 1 high) for numeric and yes/no inputs, and -1
    for categories and missing values, which have no low-to-high order. The vertical jitter is seeded and
    narrows where few patients are, so the spread shows the density.
    """
    by_name = {s.name: s for s in specs}
    names = [n for n in order if n in by_name and n in sample.get("points", {})][:top]
    rng = np.random.default_rng(seed)
    frames = []
    for name in names:
        spec = by_name[name]
        points = np.asarray(sample["points"][name], dtype=float)
        values = list(sample.get("values", {}).get(name, [None] * len(points)))
        if spec.kind == "categorical":
            scaled = np.full(len(points), -1.0)
        else:
            numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce")
            scaled = numeric.rank(pct=True, method="average").fillna(-1.0).to_numpy(float)
        hist, edges = np.histogram(points, bins=30)
        density = hist[np.clip(np.searchsorted(edges, points, side="right") - 1, 0, len(hist) - 1)]
        width = density / max(int(hist.max()), 1)
        frames.append(pd.DataFrame({
            "feature": name,
            "label": spec.display_label,
            "points": points,
            "value_text": [format_value(spec, v) for v in values],
            "value_scaled": scaled,
            "jitter": rng.uniform(-1, 1, len(points)) * width,
        }))
    columns = ["feature", "label", "points", "value_text", "value_scaled", "jitter"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def beeswarm_chart(frame: pd.DataFrame) -> alt.Chart:
    """One row per input (in the frame's order), one dot per sampled patient, x = contribution in points.

    Colour runs from blue (low value) to orange (high value); grey is a category or "not recorded".
    """
    order = list(dict.fromkeys(frame["label"].astype(str)))
    low_to_high = alt.Scale(range=[palette.LOW_VALUE, palette.HIGH_VALUE], domain=[0, 1])
    colour = alt.condition(
        "datum.value_scaled >= 0",
        alt.Color("value_scaled:Q", title="Input value (rank)", scale=low_to_high,
                  legend=alt.Legend(orient="bottom", format=".0%", labelExpr="datum.value == 0 ? 'low' : "
                                    "datum.value == 1 ? 'high' : ''")),
        alt.value(palette.NEUTRAL),
    )
    zero = alt.Chart(pd.DataFrame({"points": [0.0]})).mark_rule(color=palette.NEUTRAL_DARK).encode(x="points:Q")
    dots = (
        alt.Chart(frame)
        .mark_circle(size=18, opacity=0.75)
        .encode(
            x=alt.X("points:Q", title="Contribution to risk (percentage points)"),
            y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1.4, 1.4])),
            color=colour,
            tooltip=[
                alt.Tooltip("label:N", title="Input"),
                alt.Tooltip("value_text:N", title="Value"),
                alt.Tooltip("points:Q", format="+.2f", title="Contribution (points)"),
            ],
        )
    )
    n_rows = max(len(order), 1)
    return (zero + dots).properties(title="Contributions for each sampled patient", height=150 + 36 * n_rows)

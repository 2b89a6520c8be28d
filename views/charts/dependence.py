"""Dependence chart: how one input's contribution varies with its value, with the data's density beneath."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from core.data.schema import FeatureSpec
from core.explain.explainer import format_value
from core.presentation import palette
from core.presentation.wording import NOT_RECORDED


def dependence_frame(sample: Mapping[str, Any], spec: FeatureSpec) -> pd.DataFrame:
    """Table [value, value_text, points, recorded] for one input from performance["explanation_sample"]."""
    points = np.asarray(sample["points"][spec.name], dtype=float)
    values = list(sample.get("values", {}).get(spec.name, [None] * len(points)))
    numeric = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce") if spec.kind != "categorical" \
        else pd.Series([np.nan] * len(values))
    return pd.DataFrame({
        "value": numeric.to_numpy(float),
        "value_text": [format_value(spec, v) for v in values],
        "points": points,
        "recorded": [v is not None and not (isinstance(v, float) and np.isnan(v)) for v in values],
    })


def dependence_chart(frame: pd.DataFrame, spec: FeatureSpec) -> alt.VConcatChart:
    """Contribution against value (top) over the number of sampled patients at each value (bottom).

    The y axis always includes zero, so its grid line marks "no contribution". Numeric inputs: a scatter
    over a histogram; "not recorded" values cannot sit on a number line and
    are left out of both panels (the page says how many). Categories and yes/no inputs: a jittered strip
    per level over a bar of counts, with "not recorded" as its own level.
    """
    label = spec.display_label + (f" ({spec.unit})" if spec.unit else "")
    y = alt.Y("points:Q", title="Contribution (percentage points)", scale=alt.Scale(zero=True))
    tooltip = [alt.Tooltip("value_text:N", title=spec.display_label),
               alt.Tooltip("points:Q", format="+.2f", title="Contribution (points)")]
    if spec.kind == "numeric":
        data = frame[frame["recorded"]].reset_index(drop=True)
        x_scale = alt.Scale(zero=False, nice=True)
        top = alt.Chart(data).mark_circle(size=28, opacity=0.6, color=palette.MODEL).encode(
            x=alt.X("value:Q", title=None, scale=x_scale), y=y, tooltip=tooltip)
        bottom = alt.Chart(data).mark_bar(color=palette.NEUTRAL).encode(
            x=alt.X("value:Q", bin=alt.Bin(maxbins=30), title=label, scale=x_scale),
            y=alt.Y("count():Q", title="Patients"),
            tooltip=[alt.Tooltip("count():Q", title="Patients")],
        )
    else:
        data = frame.reset_index(drop=True).copy()
        data["jitter"] = np.random.default_rng(0).uniform(-1, 1, len(data))
        levels = sorted(set(data["value_text"]) - {NOT_RECORDED}) + (
            [NOT_RECORDED] if NOT_RECORDED in set(data["value_text"]) else [])
        angle = 0 if sum(len(v) for v in levels) <= 40 else -30
        x = alt.X("value_text:N", title=None, sort=levels, axis=alt.Axis(labels=False, ticks=False))
        top = alt.Chart(data).mark_circle(size=28, opacity=0.6, color=palette.MODEL).encode(
            x=x, xOffset=alt.XOffset("jitter:Q", scale=alt.Scale(domain=[-2, 2])), y=y, tooltip=tooltip)
        bottom = alt.Chart(data).mark_bar(color=palette.NEUTRAL).encode(
            x=alt.X("value_text:N", title=label, sort=levels, axis=alt.Axis(labelAngle=angle, labelLimit=160)),
            y=alt.Y("count():Q", title="Patients"),
            tooltip=[alt.Tooltip("value_text:N", title=spec.display_label), alt.Tooltip("count():Q", title="Patients")],
        )
    # no layers inside the vconcat: Streamlit can then fit it to the container width (fit-x)
    upper = top.properties(height=260, title=f"Contribution of {spec.display_label} by its value")
    return alt.vconcat(upper, bottom.properties(height=80)).resolve_scale(x="shared")

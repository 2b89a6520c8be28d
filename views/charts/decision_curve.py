"""Decision curve chart: net benefit of each strategy across risk thresholds."""

from __future__ import annotations

from types import MappingProxyType

import altair as alt
import pandas as pd

from core.presentation import palette

_FIXED_COLOURS = MappingProxyType({"model": palette.MODEL, "treat all": palette.REFERENCE,
                                   "treat none": palette.NEUTRAL_DARK})


def _colours(strategies: list[str]) -> tuple[list[str], list[str]]:
    """Stable colours: the model blue, treat-all grey, treat-none dark, comparators in the palette's order."""
    others = iter(palette.comparator_colours(len(strategies)))
    return strategies, [_FIXED_COLOURS.get(s) or next(others) for s in strategies]


def decision_curve_chart(curve: pd.DataFrame) -> alt.Chart:
    """Net benefit against threshold, one line per strategy (core.analytics.metrics.decision_curve_df's long table).

    The y axis stops a little under zero and lines end there: treat-all goes very negative at
    high thresholds and would otherwise squash the curves that matter.
    """
    data = pd.DataFrame({
        "threshold": pd.to_numeric(curve["threshold"]),
        "strategy": curve["strategy"].astype(str),
        "net_benefit": pd.to_numeric(curve["net_benefit"]),
    })
    strategies = list(dict.fromkeys(data["strategy"]))
    domain, colours = _colours(strategies)
    top = float(data["net_benefit"].max()) if len(data) else 0.1
    top = max(top, 0.01)
    low = -0.25 * top
    data["net_benefit_shown"] = data["net_benefit"].where(data["net_benefit"] >= low)
    dashed = alt.condition(alt.datum.strategy == "treat all", alt.value([4, 4]), alt.value([1, 0]))
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=2, clip=True, invalid="break-paths-show-domains")
        .encode(
            x=alt.X("threshold:Q", title="Risk threshold for acting", axis=alt.Axis(format="%")),
            y=alt.Y("net_benefit_shown:Q", title="Net benefit", scale=alt.Scale(domain=[low, top * 1.05])),
            color=alt.Color("strategy:N", title="Strategy", scale=alt.Scale(domain=domain, range=colours),
                            legend=alt.Legend(orient="bottom")),
            strokeDash=dashed,
            tooltip=[
                alt.Tooltip("strategy:N", title="Strategy"),
                alt.Tooltip("threshold:Q", format=".0%", title="Threshold"),
                alt.Tooltip("net_benefit:Q", format=".3f", title="Net benefit"),
            ],
        )
        .properties(title="Decision curve", height=320)
    )

"""Analytics: risk distribution, bands, volume and risk over time, breakdowns, costs and satisfaction."""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from core.analytics import cohort
from core.data.schema import humanize
from core.scoring.engine import Engine
from views.charts.band_counts import band_counts_chart
from views.charts.breakdown import breakdown_chart
from views.charts.histogram import histogram_chart
from views.charts.risk_distribution import risk_distribution_chart
from views.charts.volume_over_time import volume_over_time_chart
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView


def _bands(engine: Engine, view: FilteredView) -> None:
    t = view.tables.table
    counts = state.memo("bands", (view.fingerprint,), lambda: cohort.band_counts(t, engine.bundle.bands))
    cols = st.columns(len(counts) + 1)
    cols[0].metric("Mean predicted risk", f"{t['risk'].mean():.1%}")
    for col, row in zip(cols[1:], counts.itertuples(), strict=True):
        col.metric(f"{str(row.band).capitalize()} risk", f"{row.n:,}",
                   help=f"Predicted risk {row.lower:.0%} to {row.upper:.0%}; {row.share:.0%} of patients.")
    top = max(0.05, math.ceil(float(t["risk"].max()) * 20) / 20)
    hist = state.memo("risk_hist", (view.fingerprint,), lambda: cohort.histogram(t["risk"], 25, (0.0, top)))
    left, right = st.columns([3, 2])
    left.altair_chart(risk_distribution_chart(hist, engine.bundle.bands), key="cohort_chart_risk")
    right.altair_chart(band_counts_chart(counts), key="cohort_chart_bands")


def _over_time(view: FilteredView) -> None:
    t = view.tables.table
    months = state.memo("monthly", (view.fingerprint,), lambda: cohort.monthly(t))
    if months.empty:
        st.caption("The file has no readable dates, so trends over time are not shown.")
        return
    column = view.tables.roles.get("date", "date")
    st.altair_chart(volume_over_time_chart(months), key="cohort_chart_volume")
    st.caption(f"By month of '{column}'. Recent months may not have complete 30-day outcomes yet.")


def _breakdowns(engine: Engine, view: FilteredView) -> None:
    t = view.tables.table
    options = cohort.available_groupings(t)
    if not options:
        st.caption("The file has no service, site, insurance, age or sex column with two or more values.")
        return
    labels = dict(options)
    by = st.selectbox("Break down by", [c for c, _ in options], format_func=labels.get, key="cohort_breakdown_by")
    high = engine.bundle.manifest.risk_bands[-1].name
    table = state.memo("breakdown", (view.fingerprint, by), lambda: cohort.breakdown(t, by, high))
    st.altair_chart(breakdown_chart(table, labels[by]), key="cohort_chart_breakdown")
    shown = table.drop(columns=["observed_lo", "observed_hi", "events", "labelled"])
    if not view.tables.has_outcome:
        shown = shown.drop(columns=["observed_rate", "note"])
        st.caption("The file has no usable outcome, so observed readmission rates are not shown.")
    st.dataframe(shown, hide_index=True, key=f"cohort_breakdown_table_{by}", column_config={
        "group": labels[by], "n": st.column_config.NumberColumn("Patients", format="%d"),
        "share": st.column_config.NumberColumn("Share", format="percent"),
        "mean_risk": st.column_config.NumberColumn("Mean predicted risk", format="percent"),
        "high_share": st.column_config.NumberColumn(f"Share in the {high} band", format="percent"),
        "observed_rate": st.column_config.NumberColumn("Observed readmission rate", format="percent"),
        "note": "Note",
    })


def _context(view: FilteredView) -> None:
    ctx = view.tables.context
    if ctx.empty:
        return
    st.subheader("Other measures in the file")
    cols = st.columns(min(len(ctx.columns), 3))
    for i, name in enumerate(ctx.columns):
        values = ctx[name].to_numpy(dtype=float)
        hist = state.memo("ctx_hist", (view.fingerprint, name), lambda v=values: cohort.histogram(v, 20))
        with cols[i % len(cols)]:
            st.altair_chart(histogram_chart(hist, humanize(name), humanize(name)), key=f"cohort_chart_ctx_{i}")
            recorded = values[np.isfinite(values)]
            if recorded.size:
                median = float(np.median(recorded))
                shown = f"{median:,.0f}" if abs(median) >= 1000 else f"{median:,.3g}"
                st.caption(f"Median {shown}; recorded for {recorded.size:,} of {values.size:,} "
                           "patients. Not a model input.")


def render_analytics(engine: Engine, view: FilteredView) -> None:
    """Every chart aggregates all patients in the view (no sampling), so it stays fast on large files."""
    st.caption(f"Charts summarise all {view.n:,} patients in view; values are aggregated before drawing, "
               "nothing is sampled.")
    _bands(engine, view)
    _over_time(view)
    st.subheader("Breakdowns")
    _breakdowns(engine, view)
    _context(view)

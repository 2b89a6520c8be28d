"""Capacity: "we can follow up N patients per week" -> threshold, PPV, sensitivity, flagged per 100."""

from __future__ import annotations

import streamlit as st

from core import policy
from core.analytics import cohort
from core.presentation.wording import percent
from views.charts.capacity import capacity_chart
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView
from views.shared import text


def render_capacity(view: FilteredView) -> None:
    """Turn a weekly follow-up capacity into a risk threshold and what it buys on this file."""
    st.subheader("Follow-up capacity")
    st.caption(text("cohort_capacity"))
    t = view.tables.table
    weeks, how = cohort.weeks_spanned(t["date"])
    weekly_volume = max(round(len(t) / weeks), 1)
    default = max(1, round(policy.CAPACITY_DEFAULT_SHARE * weekly_volume))
    most = weekly_volume * policy.CAPACITY_MAX_WEEKS_VOLUME
    per_week = int(st.number_input("We can follow up this many patients per week", min_value=0,
                                   max_value=max(most, policy.CAPACITY_MIN_CEILING), value=min(default, most),
                                   step=1, key=f"cohort_capacity_{view.fingerprint}"))
    st.caption(f"{how} That is about {weekly_volume:,} discharges per week.")
    y = t["outcome"].to_numpy(dtype=float) if view.tables.has_outcome else None
    cap = cohort.capacity(t["risk"].to_numpy(dtype=float), y, per_week, weeks)
    a, b, c, d = st.columns(4)
    a.metric("Risk threshold", percent(cap["threshold"]),
             help="Patients at or above this predicted risk are flagged.")
    b.metric("Flagged per 100 discharges", f"{cap['flagged_per_100']:.1f}",
             help=f"{cap['flagged']:,} of {len(t):,} patients in this file.")
    if y is not None:
        c.metric("PPV", percent(cap["ppv"], 0),
                 help="Of the flagged patients, the share who were readmitted.")
        d.metric("Sensitivity", percent(cap["sensitivity"], 0),
                 help="Of the patients who were readmitted, the share flagged.")
        st.markdown(f"Following up {per_week:,} patients a week reaches about **{percent(cap['sensitivity'], 0)}** "
                    f"of the patients who will be readmitted; about **{percent(cap['ppv'], 0)}** of those followed up "
                    "would have been readmitted.")
    else:
        c.caption("PPV and sensitivity need outcomes, which this file does not have.")
    curve = state.memo("capacity_curve", (view.fingerprint,), lambda: cohort.capacity_curve(
        t["risk"].to_numpy(dtype=float), y, weeks, max(weekly_volume, 10)))
    st.altair_chart(capacity_chart(curve, per_week), key="cohort_chart_capacity")

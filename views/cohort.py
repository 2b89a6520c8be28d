"""Cohort page: upload -> identifier scan -> validation report -> worklist, analytics, performance, drift.

A quality team uploads a CSV (or loads the demo cohort); it is scored and explained in
memory, and every section below reads the same filtered view. Each block lives in
views/components/cohort_*.py; all computation is in core/.
"""

from __future__ import annotations

import streamlit as st

from views.components.cohort_analytics import render_analytics
from views.components.cohort_capacity import render_capacity
from views.components.cohort_drift import render_drift
from views.components.cohort_filters import render_filters
from views.components.cohort_monitoring import render_monitoring
from views.components.cohort_performance import render_performance
from views.components.cohort_upload import render_upload
from views.components.cohort_validation import render_counts, render_details
from views.components.cohort_worklist import render_worklist
from views.shared import get_engine, intended_use_line, run_guarded

SECTIONS = ("Worklist", "Analytics", "Performance", "Drift", "Monitoring", "Rows and flags")
SECTION_KEY = "cohort_section"


def _page() -> None:
    st.title("Cohort")
    intended_use_line()
    engine = get_engine()
    run = render_upload(engine)
    if run is None:
        return
    render_counts(run)
    view = render_filters(engine, run)
    result = run.upload.result
    tabs = st.tabs(list(SECTIONS), key=SECTION_KEY, on_change="rerun")
    for name, tab in zip(SECTIONS, tabs, strict=True):
        if tab.open is False:
            continue  # only the open section is computed: the page stays responsive on large files
        with tab:
            if name == "Rows and flags":
                render_details(run)
            elif view is None:
                st.caption("No patient matches the filters.")
            elif name == "Worklist":
                render_worklist(engine, run, view)
            elif name == "Analytics":
                render_analytics(engine, view)
            elif name == "Performance":
                render_performance(engine, result, view)
                render_capacity(view)
            elif name == "Drift":
                render_drift(engine, result, view)
            else:
                render_monitoring(view)


run_guarded(_page)

"""Filters (service, site, date range, risk band) that apply to every section of the cohort page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import streamlit as st

from core.analytics.cohort import CohortTables, Filters, filter_mask, filter_options
from core.scoring.engine import Engine
from views.components import cohort_state as state


@dataclass
class FilteredView:
    """The filtered tables plus a fingerprint of the filters, for memo and widget keys."""

    tables: CohortTables
    filters: Filters
    fingerprint: str
    n_total: int

    @property
    def n(self) -> int:
        return len(self.tables.table)


def _date_range(opts: dict, key: str) -> tuple[date | None, date | None]:
    lo, hi = opts["date_min"], opts["date_max"]
    if lo is None or hi is None or lo == hi:
        return None, None
    picked = st.date_input("Dates", value=(lo, hi), min_value=lo, max_value=hi, key=key,
                           help="Discharges (by the file's date column) in this range; inclusive.")
    if not isinstance(picked, tuple | list) or len(picked) != 2:
        return None, None  # the user is still choosing the end date
    start, end = picked
    return (None if start == lo else start), (None if end == hi else end)


def render_filters(engine: Engine, run: state.CohortRun) -> FilteredView | None:
    """Draw the filters; return the filtered view, or None (with a message) when nothing matches."""
    tables = run.upload.tables
    opts = filter_options(tables.table, [band.name for band in engine.bundle.manifest.risk_bands])
    suffix = run.short
    with st.expander("Filters: they apply to everything on this page", expanded=False):
        a, b, c, d = st.columns(4)
        services = a.multiselect("Service", opts["services"], key=f"cohort_f_service_{suffix}",
                                 placeholder="All services") if opts["services"] else []
        sites = b.multiselect("Site", opts["sites"], key=f"cohort_f_site_{suffix}",
                              placeholder="All sites") if opts["sites"] else []
        bands = c.multiselect("Risk band", opts["bands"], key=f"cohort_f_band_{suffix}", placeholder="All bands")
        with d:
            start, end = _date_range(opts, f"cohort_f_dates_{suffix}")
    filters = Filters(tuple(services), tuple(sites), tuple(bands), start, end)
    fingerprint = state.digest(run.key, filters)
    mask = state.memo("mask", (run.key, filters), lambda: filter_mask(tables.table, filters))
    n_total = len(tables.table)
    view = FilteredView(tables.subset(mask) if not mask.all() else tables, filters, fingerprint, n_total)
    if view.n == 0:
        st.warning("No scored patient matches these filters. Widen them to see results.")
        return None
    if not np.all(mask):
        st.caption(f"Showing **{view.n:,}** of {n_total:,} scored patients. Filters: {filters.describe()}.")
    return view

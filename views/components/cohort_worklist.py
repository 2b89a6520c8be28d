"""Worklist: patients ranked by risk, searchable and sortable; a selected row opens the full explanation."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core import policy
from core.analytics import cohort
from core.scoring.engine import Engine
from views.components import cohort_state as state
from views.components.cohort_downloads import render_downloads
from views.components.cohort_filters import FilteredView
from views.components.cohort_patient import render_patient
from views.shared import text

LIMIT = policy.WORKLIST_ROWS


def _column_config(view: pd.DataFrame) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        "rank": st.column_config.NumberColumn("Rank", format="%d", help="1 = highest predicted risk"),
        "risk_pct": st.column_config.ProgressColumn("30-day risk", format="%.0f%%", min_value=0.0, max_value=100.0,
                                                    help="Predicted risk of unplanned readmission within 30 days"),
        "band": st.column_config.TextColumn("Band"),
        "top_reasons": st.column_config.TextColumn("Top three reasons (associations in the model, not causes)",
                                                   width="large"),
        "service": st.column_config.TextColumn("Service"),
        "site": st.column_config.TextColumn("Site"),
        "flags": st.column_config.TextColumn("Flags"),
        "row": st.column_config.NumberColumn("Row in file", format="%d"),
    }
    return {k: v for k, v in cfg.items() if k in view.columns}


def _visible(view: pd.DataFrame, tables: cohort.CohortTables) -> list[str]:
    cols = ["rank", *tables.ids.columns, "risk_pct", "band", "top_reasons"]
    cols += [c for c in ("service", "site") if (tables.table[c] != cohort.NOT_RECORDED).any()]
    return [*cols, "flags", "row"]


def _track_selection(rows: list[int], shown: pd.DataFrame, widget_key: str) -> None:
    """Open the clicked patient; close on deselect; keep a patient opened another way (e.g. by a test)."""
    current = (widget_key, tuple(rows))
    previous = st.session_state.get(state.SELECTION_SEEN)
    if current == previous:
        return
    st.session_state[state.SELECTION_SEEN] = current
    if rows:
        st.session_state[state.SELECTED] = int(shown.index[rows[0]])
    elif previous and previous[0] == widget_key and previous[1]:
        st.session_state.pop(state.SELECTED, None)


def render_worklist(engine: Engine, run: state.CohortRun, view: FilteredView) -> None:
    """Ranked table, downloads and the selected patient's explanation."""
    st.markdown(text("cohort_worklist"))
    search = st.text_input("Search identifiers, reasons, service or site", key=f"cohort_search_{run.short}",
                           placeholder="e.g. an encounter number, 'heart failure', a site")
    ranked = state.memo("worklist", (view.fingerprint, search), lambda: cohort.worklist(view.tables, search))
    shown = ranked.head(LIMIT).assign(risk_pct=lambda f: f["risk"] * 100.0)
    if len(ranked) > LIMIT:
        st.caption(f"{len(ranked):,} patients match; the {LIMIT:,} with the highest risk are listed. "
                   "The scored CSV has every row.")
    elif search.strip():
        st.caption(f"{len(ranked):,} patients match '{search.strip()}'.")
    widget_key = f"cohort_worklist_{state.digest(view.fingerprint, search)}"
    event = st.dataframe(shown, key=widget_key, on_select="rerun", selection_mode="single-row", hide_index=True,
                         column_order=_visible(shown, view.tables), column_config=_column_config(shown), height=420)
    _track_selection(list(event.selection.rows) if event else [], shown, widget_key)
    render_downloads(engine, run, view)
    selected = st.session_state.get(state.SELECTED)
    if selected is None:
        st.caption("Select a row (the box at its left) to open that patient's full explanation.")
    elif selected in run.upload.result.scored_index:
        with st.container(border=True):
            render_patient(engine, run, int(selected))

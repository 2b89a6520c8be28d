"""Validation report: rows read / scored / rejected, rejected rows with reasons, and flags."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.data.csvio import to_csv_bytes
from views.components.cohort_state import CohortRun


def render_counts(run: CohortRun) -> None:
    """Numbers that always add up: read = scored + rejected + not eligible + insufficient data."""
    c = run.upload.result.counts
    a, b, d, e, f = st.columns(5)
    a.metric("Rows read", f"{c['read']:,}")
    b.metric("Scored", f"{c['scored']:,}")
    d.metric("Rejected", f"{c['rejected']:,}", help="Rows with a value that cannot be read or is impossible; "
             "see the 'Rows and flags' tab for the reasons.")
    e.metric("Not eligible", f"{c.get('not_eligible', 0):,}", help="Rows outside the population the model was "
             "built for (for example a child); they get a reason and no risk.")
    f.metric("Insufficient data", f"{c.get('insufficient_data', 0):,}", help="Rows without an input the "
             "estimate cannot be made without; they get the list of what is needed and no risk.")
    for notice in run.upload.tables.notices:  # absent inputs, unreadable outcomes and dates
        st.warning(notice, icon=":material/warning:")
    mapped = run.upload.tables.mappings
    if mapped:
        st.info("Other spellings read as the model's values: " + "; ".join(mapped[:20])
                + (" ..." if len(mapped) > 20 else "") + ".", icon=":material/swap_horiz:")


def _render_unestimated(run: CohortRun) -> None:
    """Accepted rows that get no number (outside the population, or without a needed input), each with why."""
    unscored = run.upload.result.unscored
    if unscored.empty:
        return
    st.subheader("Rows with no estimate")
    st.caption("These rows were read but get no risk: the patient is outside the population the model was built "
               "for, or an input the estimate cannot be made without is not recorded.")
    st.dataframe(unscored, hide_index=True, key=f"cohort_unestimated_{run.short}",
                 column_config={"row": st.column_config.NumberColumn("Row in file", format="%d"),
                                "status": "Status", "reason": st.column_config.TextColumn("Reason", width="large")})


def render_details(run: CohortRun) -> None:
    """Rejected rows (downloadable), flag counts and columns that were not used."""
    result = run.upload.result
    st.subheader("Rejected rows")
    if result.counts["rejected"]:
        st.dataframe(result.rejected, hide_index=True, key=f"cohort_rejected_{run.short}",
                     column_config={"row": st.column_config.NumberColumn("Row in file", format="%d"),
                                    "reason": st.column_config.TextColumn("Reason", width="large")})
        st.download_button("Download rejected rows (CSV)", data=to_csv_bytes(result.rejected),
                           file_name="lantern_rejected_rows.csv", mime="text/csv", key="cohort_download_rejected",
                           on_click="ignore")
    else:
        st.success("No row was rejected.")
    _render_unestimated(run)
    st.subheader("Flags on scored rows")
    st.caption("Flagged rows are scored; the flag says what to double-check. Missing values are shown as "
               "'not recorded' and count as drivers like any other value.")
    flags = pd.DataFrame([{"flag": k, "rows": n} for k, n in result.flag_counts().items()])
    st.dataframe(flags, hide_index=True, key=f"cohort_flags_{run.short}",
                 column_config={"flag": "Flag", "rows": st.column_config.NumberColumn("Rows", format="%d")})
    info = run.upload.info
    st.caption(f"Read as {info.get('encoding', '?')} with delimiter '{info.get('delimiter', '?')}'.")
    extra = result.extra_columns
    if extra:
        st.caption("Columns not used by the model (ignored): " + ", ".join(extra[:40])
                   + (" ..." if len(extra) > 40 else ""))

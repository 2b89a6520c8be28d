"""Downloads: the scored CSV (exactly what ``python -m core.score`` writes for the same file) and an
HTML cohort report of the filtered view. Both are built only when the button is clicked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import streamlit as st

from core import policy
from core.analytics import cohort, drift, metrics
from core.data.csvio import to_csv_bytes
from core.reports.cohort_report import ReportInput, cohort_report_html
from core.scoring.engine import Engine
from views.components import cohort_state as state
from views.components.cohort_filters import FilteredView
from views.shared import text


def scored_csv_bytes(run: state.CohortRun) -> bytes:
    """The scored file: ``ScoreResult.output`` for every row read, as the batch CLI writes it."""
    return to_csv_bytes(run.upload.result.output)


def _report_extras(engine: Engine, run: state.CohortRun, view: FilteredView) -> dict[str, Any]:
    """Performance and drift for the report, computed when the report is downloaded."""
    t = view.tables.table
    out: dict[str, Any] = {"notes": [
        "Risks are predicted probabilities of unplanned readmission within 30 days of discharge. The list supports, "
        "and does not replace, clinical judgement; validate the model on local data before clinical use."]}
    labelled = t[t["outcome"].notna()]
    if view.tables.has_outcome and labelled["outcome"].nunique() == 2:
        n_boot, seed = policy.bootstrap_resamples(len(labelled)), policy.BOOTSTRAP_SEED
        out["performance"] = metrics.summary(labelled["outcome"].to_numpy(dtype=float),
                                             labelled["risk"].to_numpy(dtype=float), n_boot=n_boot, seed=seed)
        out["notes"].append(f"AUC interval: {n_boot:,} stratified bootstrap resamples, seed {seed}.")
    clean = run.upload.result.clean_rows(t.index)
    out["drift"] = drift.summary_sentences(drift.feature_drift(engine.bundle.reference, clean, engine.schema))
    return out


def report_builder(engine: Engine, run: state.CohortRun, view: FilteredView) -> Callable[[], bytes]:
    def build() -> bytes:
        t = view.tables
        top = cohort.worklist(t, limit=policy.REPORT_WORKLIST_ROWS)
        keep = [*t.ids.columns, "rank", "risk", "band", "top_reasons", "row"]
        more = _report_extras(engine, run, view)
        data = ReportInput(
            file_name=run.name, model_name=engine.bundle.name, model_version=engine.bundle.version,
            generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), counts=run.upload.result.counts,
            filters=view.filters.describe(), n_shown=view.n, bands=cohort.band_counts(t.table, engine.bundle.bands),
            worklist=top[[c for c in keep if c in top.columns]], performance=more.get("performance"),
            drift=more.get("drift", ()), identifiers_dropped=[f["column"] for f in run.upload.identifiers],
            notes=more.get("notes", []), intended_use=text("intended_use_short"),
        )
        return cohort_report_html(data).encode("utf-8")
    return build


def render_downloads(engine: Engine, run: state.CohortRun, view: FilteredView) -> None:
    """Two buttons; the files are generated on click, so a 100,000-row file costs nothing until then."""
    stem = Path(run.name).stem or "cohort"
    a, b, _ = st.columns([1, 1, 2])
    a.download_button("Download scored CSV", data=lambda: scored_csv_bytes(run), file_name=f"{stem}_scored.csv",
                      mime="text/csv", key="cohort_download_scored", on_click="ignore", icon=":material/download:",
                      help="Every row of the file with status, reason, risk, band, flags and top reasons: the same "
                           "columns as python -m core.scoring.cli.")
    b.download_button("Download HTML report", data=report_builder(engine, run, view),
                      file_name=f"{stem}_report.html", mime="text/html", key="cohort_download_report",
                      on_click="ignore", icon=":material/description:",
                      help=f"Counts, bands, the {policy.REPORT_WORKLIST_ROWS} highest-risk patients, performance and "
                           "drift for the current filters.")

"""A self-contained HTML report of a scored cohort, for a quality meeting or an email.

Built from the same numbers the cohort page shows (counts, bands, the top of the
worklist, performance, drift) and rendered from templates/cohort_report.html with
autoescaping, so a cell holding ``<script>`` is shown as text. One HTML string with the
stylesheet inlined and no scripts, links or external resources: it opens anywhere and
cannot run anything. Pure: no Streamlit, no disk.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.presentation.wording import MISSING_CELL, number, percent
from core.reports.render import render

COUNT_LABELS = ("read", "scored", "rejected", "not_eligible", "insufficient_data")
BAND_PERCENT_COLUMNS = ("lower", "upper", "share", "mean_risk", "observed_rate")


@dataclass
class ReportInput:
    """Everything the report shows; the page fills it from what it already computed."""

    file_name: str
    model_name: str
    model_version: str
    generated: str
    counts: dict[str, int]
    filters: str
    n_shown: int
    bands: pd.DataFrame
    worklist: pd.DataFrame
    performance: dict[str, Any] | None = None
    drift: Sequence[str] = ()
    identifiers_dropped: Sequence[str] = ()
    notes: Sequence[str] = field(default_factory=list)
    intended_use: str = ""
    horizon: str = "30-day readmission"


@dataclass(frozen=True)
class TableCells:
    """A frame as the text of its header and cells, ready for templates/table.html."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _fmt(value: Any) -> str:
    """A table cell: statistics to 3 decimals, large numbers with separators, NaN as '-'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return MISSING_CELL
        return number(value, 3) if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def table_cells(frame: pd.DataFrame, percent_columns: Sequence[str] = ()) -> TableCells:
    """The header and cells of a frame as text; ``percent_columns`` hold shares shown as percents."""
    formats = [percent if c in percent_columns else _fmt for c in frame.columns]
    rows = tuple(tuple(f(v) for f, v in zip(formats, row, strict=True))
                 for row in frame.itertuples(index=False, name=None))
    return TableCells(tuple(str(c) for c in frame.columns), rows)


def table_html(frame: pd.DataFrame, percent_columns: Sequence[str] = ()) -> str:
    """A frame as an escaped HTML table (column names and cells escaped)."""
    cells = table_cells(frame, percent_columns)
    return render("table.html", headers=cells.headers, rows=cells.rows)


def _performance_items(perf: dict[str, Any]) -> list[tuple[str, str]]:
    lo, hi = (perf.get("auc_ci") or [float("nan"), float("nan")])[:2]
    return [
        ("AUC (C-statistic)", f"{_fmt(perf.get('auc'))} (95% CI {_fmt(lo)} to {_fmt(hi)})"),
        ("Calibration intercept (ideal 0)", _fmt(perf.get("calibration_intercept"))),
        ("Calibration slope (ideal 1)", _fmt(perf.get("calibration_slope"))),
        ("Brier score", _fmt(perf.get("brier"))),
        ("Observed / expected", _fmt(perf.get("observed_expected"))),
        ("Patients with an outcome", _fmt(perf.get("n"))),
        ("Events", _fmt(perf.get("events"))),
    ]


def cohort_report_html(data: ReportInput) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    return render(
        "cohort_report.html",
        page="cohort",
        data=data,
        counts=[(label.replace("_", " "), f"{int(data.counts.get(label, 0)):,}") for label in COUNT_LABELS],
        n_shown=f"{data.n_shown:,}",
        bands=table_cells(data.bands, BAND_PERCENT_COLUMNS) if len(data.bands) else None,
        worklist=table_cells(data.worklist, percent_columns=("risk",)),
        performance=_performance_items(data.performance) if data.performance else None,
    )

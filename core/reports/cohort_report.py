"""A self-contained HTML report of a scored cohort, for a quality meeting or an email.

Built from the same numbers the cohort page shows (counts, bands, the top of the
worklist, performance, drift), as one HTML string with inline styles and no scripts,
links or external resources, so it opens anywhere and cannot run anything. Every value
that came from the file or the bundle is escaped: a cell holding ``<script>`` is shown as
text. Pure: no Streamlit, no disk.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1f2933;max-width:1100px}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.25rem}
table{border-collapse:collapse;margin:.5rem 0;font-size:.85rem}th,td{border:1px solid #d9e2ec;padding:.25rem .5rem;
text-align:left;vertical-align:top}th{background:#f0f4f8}.note{color:#52606d;font-size:.85rem}
.metrics span{display:inline-block;margin-right:2rem}.metrics b{font-size:1.2rem}
"""


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


def _e(value: Any) -> str:
    """Escape anything for HTML text or attribute context."""
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def _pct(value: Any) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "-"
    return "-" if math.isnan(x) else f"{100 * x:.1f}%"


def table_html(frame: pd.DataFrame, percent_columns: Sequence[str] = ()) -> str:
    """A frame as an escaped HTML table (column names and cells escaped)."""
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            shown = _pct(value) if col in percent_columns else _fmt(value)
            cells.append(f"<td>{_e(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _performance_html(perf: dict[str, Any]) -> str:
    lo, hi = (perf.get("auc_ci") or [float("nan"), float("nan")])[:2]
    items = [
        ("AUC (C-statistic)", f"{_fmt(perf.get('auc'))} (95% CI {_fmt(lo)} to {_fmt(hi)})"),
        ("Calibration intercept (ideal 0)", _fmt(perf.get("calibration_intercept"))),
        ("Calibration slope (ideal 1)", _fmt(perf.get("calibration_slope"))),
        ("Brier score", _fmt(perf.get("brier"))),
        ("Observed / expected", _fmt(perf.get("observed_expected"))),
        ("Patients with an outcome", _fmt(perf.get("n"))),
        ("Events", _fmt(perf.get("events"))),
    ]
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in items)
    return f"<table>{rows}</table>"


def cohort_report_html(data: ReportInput) -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    c = data.counts
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e('Lantern cohort report - ' + data.file_name)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>Lantern cohort report: {_e(data.file_name)}</h1>",
        f"<p class='note'>Model {_e(data.model_name)}, version {_e(data.model_version)}. "
        f"Generated {_e(data.generated)}. Risks are {_e(data.horizon)} risks.</p>",
    ]
    if data.intended_use:
        parts.append(f"<p class='note'>{_e(data.intended_use)}</p>")
    parts.append("<h2>Rows</h2><p class='metrics'>" + "".join(
        f"<span>{_e(k)}<br><b>{_e(f'{int(c.get(k, 0)):,}')}</b></span>" for k in ("read", "scored", "rejected")
    ) + "</p>")
    parts.append(f"<p>Filters: {_e(data.filters)}. Patients in this report: {_e(f'{data.n_shown:,}')}.</p>")
    if data.identifiers_dropped:
        parts.append("<p>Identifier-like columns removed before scoring: "
                     f"{_e(', '.join(data.identifiers_dropped))}.</p>")
    if len(data.bands):
        parts.append("<h2>Risk bands</h2>")
        parts.append(table_html(data.bands, percent_columns=("lower", "upper", "share", "mean_risk",
                                                             "observed_rate")))
    parts.append("<h2>Highest-risk patients</h2>")
    parts.append("<p class='note'>Drivers are associations in the model, not causes. This list supports, and does "
                 "not replace, clinical judgement. It contains identifiers from the uploaded file: handle it as "
                 "confidential.</p>")
    parts.append(table_html(data.worklist, percent_columns=("risk",)))
    if data.performance:
        parts.append("<h2>Performance on this file</h2>" + _performance_html(data.performance))
    if data.drift:
        parts.append("<h2>Compared with the data the model learned from</h2><ul>")
        parts.extend(f"<li>{_e(line)}</li>" for line in data.drift)
        parts.append("</ul>")
    if data.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in data.notes) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)

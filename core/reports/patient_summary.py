"""One patient's result in plain words and tables, and a printable one-page summary.

The patient page, the cohort page's patient panel and the printable summary all word a
result the same way, so the wording lives here, once: absolute risk with its horizon, a
natural-frequency sentence, drivers in percentage points as associations in the model,
and the warnings that come with the inputs. Pure functions: no Streamlit, no files.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.clinical import scores
from core.data.schema import FeatureSpec, Schema
from core.explain.explainer import format_value

if TYPE_CHECKING:
    from core.scoring.engine import Engine, PatientResult

HORIZON = "within 30 days"
DEFAULT_INTENDED_USE = (
    "Lantern estimates the risk of unplanned readmission within 30 days of discharge. It supports, and does not "
    "replace, clinical judgement; validate it on local data before clinical use."
)
ASSOCIATION_NOTE = "Contributions are associations in the model, not causes."
TOP_DRIVERS = 8
BASELINE_LABEL = "Average patient (starting point)"
TOTAL_LABEL = "This patient"


# ---- words for one number -------------------------------------------------------------------
def format_risk(risk: float) -> str:
    """A risk (0-1) as a whole percentage: 0.183 -> "18%"; below 1% -> "<1%"; NaN -> "not available"."""
    if risk is None or not math.isfinite(float(risk)):
        return "not available"
    pct = float(risk) * 100.0
    if pct < 0.5:
        return "<1%"
    if pct > 99.5:
        return ">99%"
    return f"{pct:.0f}%"


def natural_frequency(risk: float, horizon: str = HORIZON) -> str:
    """'About 18 of 100 patients like this are readmitted within 30 days.'"""
    if risk is None or not math.isfinite(float(risk)):
        return "The risk could not be estimated."
    k = round(float(risk) * 100.0)
    if k < 1:
        return f"Fewer than 1 of 100 patients like this are readmitted {horizon}."
    if k >= 100:
        return f"Almost all of 100 patients like this are readmitted {horizon}."
    verb = "is" if k == 1 else "are"
    return f"About {k} of 100 patients like this {verb} readmitted {horizon}."


def points_text(points: float) -> str:
    """Percentage points with an explicit sign: +3.1 points / −0.4 points."""
    sign = "+" if points >= 0 else "\u2212"
    return f"{sign}{abs(points):.1f} points"


def percentile_text(percentile: float) -> str:
    """Where the estimate sits among the patients the model learned from."""
    if percentile is None or not math.isfinite(float(percentile)):
        return "Its place in the training cohort is not available."
    p = min(max(round(float(percentile)), 0), 100)
    return f"Higher than the estimate for {p} of 100 patients in the training cohort."


def reference_row(engine: Engine, result: PatientResult) -> dict[str, Any] | None:
    """The training cohort's average for this patient's age band and sex (via the schema's roles), or None."""
    roles = engine.schema.roles
    age, sex = result.values.get(roles.get("age", "")), result.values.get(roles.get("sex", ""))
    try:
        age_value = None if age is None or not math.isfinite(float(age)) else float(age)
    except (TypeError, ValueError):
        age_value = None
    if age_value is None or sex is None:
        return None
    row = engine.reference_for(age_value, str(sex))
    return dict(row) if row else None


def plain_problem(schema: Schema, message: str) -> str:
    """A validation message with feature names replaced by their labels, for clinicians."""
    out = str(message)
    for spec in sorted(schema.features, key=lambda f: -len(f.name)):
        out = out.replace(f"{spec.name}: ", f"{spec.display_label}: ")
    return out


def safe_format(spec: FeatureSpec, value: object) -> str:
    """``format_value`` that never fails: a value that is not of the feature's kind is shown as typed."""
    try:
        return format_value(spec, value)
    except (TypeError, ValueError):
        return str(value)


# ---- drivers -----------------------------------------------------------------------------
def driver_steps(schema: Schema, result: PatientResult, top: int = TOP_DRIVERS) -> pd.DataFrame:
    """The waterfall from the average patient to this patient, in percentage points.

    Rows, in reading order: the baseline, the ``top`` largest contributions (by size), the
    rest grouped as "Other factors", and this patient's risk. Columns: ``label``, ``points``
    (contribution, or the level for the baseline and total rows), ``start``, ``end`` (risk in
    % before and after the step), ``kind`` (baseline / raises / lowers / total) and ``text``.
    """
    contrib = pd.Series(result.contributions, dtype=float)
    order = contrib.abs().sort_values(ascending=False, kind="stable").index.tolist()
    shown, rest = order[:top], order[top:]
    base = float(result.baseline) * 100.0
    rows: list[dict[str, Any]] = [
        {"label": BASELINE_LABEL, "points": base, "start": 0.0, "end": base, "kind": "baseline",
         "text": f"{base:.1f}%"}
    ]
    level = base
    for name in shown:
        spec = schema.feature(name)
        shown_value = format_value(spec, result.values.get(name))
        label = f"{spec.display_label}: {shown_value}"
        rows.append(_step(label, float(contrib[name]), level))
        level += float(contrib[name])
    if rest:
        other = float(contrib[rest].sum())
        rows.append(_step(f"Other factors ({len(rest)} inputs)", other, level))
        level += other
    risk = float(result.risk) * 100.0
    rows.append({"label": TOTAL_LABEL, "points": risk, "start": 0.0, "end": risk, "kind": "total",
                 "text": f"{risk:.1f}%"})
    return pd.DataFrame(rows)


def _step(label: str, points: float, level: float) -> dict[str, Any]:
    return {"label": label, "points": points, "start": level, "end": level + points,
            "kind": "raises" if points >= 0 else "lowers", "text": points_text(points)}


def warning_lines(result: PatientResult) -> list[str]:
    """Plain warnings for inputs outside the training range or with unseen categories."""
    flags = result.flags or {}
    lines = []
    if flags.get("outside training range"):
        lines.append(
            "Outside the range the model learned from: " + ", ".join(flags["outside training range"])
            + ". The model saw few or no patients like this; treat the estimate with extra caution."
        )
    if flags.get("unseen category"):
        lines.append(
            "A category the model has not seen: " + ", ".join(flags["unseen category"])
            + ". The model treats it like an uncommon category; treat the estimate with extra caution."
        )
    return lines


def not_recorded_line(result: PatientResult) -> str:
    """'Not recorded: A, B. The model treats a missing value as ...' or '' when nothing is missing."""
    missing = (result.flags or {}).get("not recorded") or []
    if not missing:
        return ""
    return (
        "Not recorded: " + ", ".join(missing) + ". The model uses 'not recorded' as a value in its own right; "
        "its contribution is shown like any other input."
    )


# ---- clinical scores ---------------------------------------------------------------------
def clinical_score_summaries(result: PatientResult) -> list[dict[str, Any]]:
    """LACE and HOSPITAL for this patient, when the bundle has their inputs.

    Each: ``name``, ``total``, ``max``, ``band``, ``bands_text``, ``predicts``, ``citation``, ``items``.
    """
    out = []
    for name, items, top in (("LACE", result.lace, scores.LACE_MAX), ("HOSPITAL", result.hospital,
                                                                           scores.HOSPITAL_MAX)):
        if not items:
            continue
        total = int(sum(int(i["points"]) for i in items))
        key = name.lower()
        out.append({"name": name, "total": total, "max": top, "band": scores.band(total, key),
                    "bands_text": scores.bands_text(key), "predicts": scores.predicts(key),
                    "citation": scores.citation(key), "items": list(items)})
    return out


# ---- printable summary -------------------------------------------------------------------
@dataclass(frozen=True)
class ReportInfo:
    """What the summary needs to know about the model, without the model itself."""

    schema: Schema
    model_name: str
    model_version: str
    trained: str
    outcome: str
    bands: list[dict[str, Any]] = field(default_factory=list)
    method: str = ""


def report_info(engine: Engine) -> ReportInfo:
    """The model facts the summary prints, taken from an engine's bundle."""
    from core.explain.explainer import method_text

    bundle = engine.bundle
    created = bundle.manifest.created
    return ReportInfo(
        schema=engine.schema,
        model_name=bundle.name,
        model_version=bundle.version,
        trained=created[:10] if created else "unknown",
        outcome=engine.schema.target_label or "Readmission within 30 days",
        bands=bundle.bands,
        method=method_text(),
    )


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _band_text(bands: list[dict[str, Any]]) -> str:
    parts = []
    for b in bands:
        lo, hi = float(b.get("lower", 0.0)), float(b.get("upper", 1.0))
        parts.append(f"{b.get('name')} {lo:.0%}\u2013{hi:.0%}")
    return "; ".join(parts)


_STYLE = """
@page { size: A4; margin: 9mm 10mm; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1b1f24;
       font-size: 9.5pt; line-height: 1.25; margin: 0 auto; max-width: 190mm; padding: 6mm; }
h1 { font-size: 14pt; margin: 0 0 2pt; } h2 { font-size: 10.5pt; margin: 6pt 0 2pt;
     border-bottom: 1px solid #c9ced6; padding-bottom: 1pt; }
p { margin: 2pt 0; }
.muted { color: #5b6470; font-size: 8pt; }
.risk { font-size: 20pt; font-weight: 700; margin: 0; }
.band { display: inline-block; padding: 1pt 6pt; border-radius: 8pt; background: #eef1f5; font-size: 9.5pt;
        font-weight: 600; vertical-align: middle; margin-left: 6pt; }
.cols { display: flex; gap: 6mm; } .cols > div { flex: 1; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
td, th { text-align: left; padding: 0.8pt 3pt; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
th { color: #5b6470; font-weight: 600; } td.num { text-align: right; white-space: nowrap; }
.up { color: #a33a2b; } .down { color: #1f5f8b; }
.warn { border-left: 3pt solid #c77d00; background: #fff7e6; padding: 2pt 6pt; margin: 3pt 0; font-size: 9pt; }
.inputs td { font-size: 7.8pt; padding: 0.3pt 3pt; }
@media print { body { padding: 0; } h2 { break-after: avoid; } table, .warn { break-inside: avoid; } }
"""


def _markdown_bold(escaped: str) -> str:
    """Turn **bold** in already-escaped text into <strong> (the method text is written in Markdown)."""
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)


def patient_report_html(
    source: Engine | ReportInfo,
    result: PatientResult,
    *,
    reference: Mapping[str, Any] | None = None,
    intended_use: str = DEFAULT_INTENDED_USE,
    generated: datetime | None = None,
    top: int = TOP_DRIVERS,
) -> str:
    """A one-page printable HTML summary of one patient's result; every value is escaped.

    ``source`` is an ``Engine`` or a ``ReportInfo``; ``reference`` is the same age band and sex
    row from ``Engine.reference_for`` (or None).
    """
    info = source if isinstance(source, ReportInfo) else report_info(source)
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    baseline = float(result.baseline)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e('Lantern patient summary')}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e('30-day readmission risk: patient summary')}</h1>",
        f'<p class="muted">{_e(intended_use)}</p>',
    ]
    if result.rejected:
        parts.append(f'<div class="warn">{_e("The risk could not be estimated: " + result.rejected)}</div>')
    else:
        parts += _result_section(result, baseline, reference)
        parts += _drivers_section(info, result, top)
        parts += _scores_section(result)
    parts += _inputs_section(info.schema, result)
    parts += [
        "<h2>About this estimate</h2>",
        f'<p class="muted">{_markdown_bold(_e(info.method))}</p>' if info.method else "",
        f'<p class="muted">Outcome: {_e(info.outcome)}. Model: {_e(info.model_name)}, version '
        f"{_e(info.model_version)}, trained {_e(info.trained)}. Risk bands: {_e(_band_text(info.bands))}. "
        f"Summary generated {_e(when)}. This summary supports, and does not replace, clinical judgement.</p>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _result_section(result: PatientResult, baseline: float, reference: Mapping[str, Any] | None) -> list[str]:
    out = [
        "<h2>Result</h2>",
        f'<div class="risk">{_e(format_risk(result.risk))}<span class="band">{_e(result.band)} risk</span></div>',
        f"<p><strong>{_e(natural_frequency(result.risk))}</strong></p>",
        "<table>",
        f"<tr><th>Average patient in the training cohort</th><td class='num'>{_e(format_risk(baseline))}</td></tr>",
    ]
    if reference:
        label = f"Average for patients aged {reference.get('age_band')}, {reference.get('sex')}"
        out.append(f"<tr><th>{_e(label)}</th><td class='num'>{_e(format_risk(float(reference['mean'])))}</td></tr>")
    out.append(f"<tr><th>Place in the training cohort</th><td>{_e(percentile_text(result.percentile))}</td></tr>")
    out.append("</table>")
    out += [f'<div class="warn">{_e(line)}</div>' for line in warning_lines(result)]
    return out


def _drivers_section(info: ReportInfo, result: PatientResult, top: int) -> list[str]:
    steps = driver_steps(info.schema, result, top)
    out = ["<h2>What drives this estimate</h2>",
           f'<p class="muted">{_e(ASSOCIATION_NOTE)} Percentage points of risk, from the average patient '
           f"({_e(format_risk(result.baseline))}) to this patient ({_e(format_risk(result.risk))}).</p>",
           "<table><tr><th>Input</th><th class='num'>Change in risk</th></tr>"]
    for row in steps.itertuples():
        if row.kind in ("baseline", "total"):
            continue
        css = "up" if row.kind == "raises" else "down"
        out.append(f"<tr><td>{_e(row.label)}</td><td class='num {css}'>{_e(row.text)}</td></tr>")
    out.append("</table>")
    nr = not_recorded_line(result)
    if nr:
        out.append(f'<p class="muted">{_e(nr)}</p>')
    return out


def _scores_section(result: PatientResult) -> list[str]:
    summaries = clinical_score_summaries(result)
    if not summaries:
        return []
    out = ["<h2>Published scores for comparison</h2>", '<div class="cols">']
    for s in summaries:
        items = "".join(f"<tr><td>{_e(i['item'])}</td><td>{_e(i['value'])}</td><td class='num'>{_e(i['points'])}"
                        "</td></tr>" for i in s["items"])
        out.append(
            f"<div><strong>{_e(s['name'])} {_e(s['total'])} of {_e(s['max'])} ({_e(s['band'])})</strong>"
            f'<div class="muted">Built to predict {_e(s["predicts"])}. Bands: {_e(s["bands_text"])}.</div>'
            f"<table>{items}</table></div>"
        )
    out.append("</div>")
    out.append('<p class="muted">LACE, HOSPITAL and this model each predict a slightly different outcome.</p>')
    return out


def _inputs_section(schema: Schema, result: PatientResult) -> list[str]:
    rows = []
    for spec in schema.features:
        value = safe_format(spec, result.values.get(spec.name))
        rows.append(f"<tr><td>{_e(spec.display_label)}</td><td>{_e(value)}</td></tr>")
    third = (len(rows) + 2) // 3
    columns = [rows[i * third:(i + 1) * third] for i in range(3)]
    return ["<h2>Inputs</h2>", '<div class="cols inputs">',
            *(f"<div><table>{''.join(c)}</table></div>" for c in columns if c), "</div>"]

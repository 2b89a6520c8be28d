"""One patient's result in plain words and tables, and a printable one-page summary.

The patient page, the cohort page's patient panel and the printable summary all word a
result the same way: absolute risk with its horizon and a natural-frequency sentence
(core.presentation.wording), drivers in percentage points as associations in the model, and
the warnings that come with the inputs. The summary is rendered from
templates/patient_summary.html with autoescaping. Pure functions: no Streamlit, no files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from core.clinical import scores
from core.data.schema import FeatureSpec, Schema
from core.explain.explainer import format_value
from core.presentation.wording import (
    NOT_RECORDED,
    format_risk,
    natural_frequency,
    points_text,
    risk_with_decimal,
)
from core.reports.render import render

if TYPE_CHECKING:
    from core.scoring.engine import Engine, PatientResult

DEFAULT_INTENDED_USE = (
    "Lantern estimates the risk of unplanned readmission within 30 days of discharge. It supports, and does not "
    "replace, clinical judgement; validate it on local data before clinical use."
)
ASSOCIATION_NOTE = "Contributions are associations in the model, not causes."
TOP_DRIVERS = 8
BASELINE_LABEL = "Average patient (starting point)"
TOTAL_LABEL = "This patient"
INPUT_COLUMNS = 3


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
         "text": risk_with_decimal(base)}
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
                 "text": risk_with_decimal(risk)})
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
    missing = (result.flags or {}).get(NOT_RECORDED) or []
    if not missing:
        return ""
    return (
        f"{NOT_RECORDED.capitalize()}: {', '.join(missing)}. The model uses '{NOT_RECORDED}' as a value in its "
        "own right; its contribution is shown like any other input."
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


def _band_text(bands: list[dict[str, Any]]) -> str:
    parts = []
    for b in bands:
        lo, hi = float(b.get("lower", 0.0)), float(b.get("upper", 1.0))
        parts.append(f"{b.get('name')} {lo:.0%}\u2013{hi:.0%}")
    return "; ".join(parts)


def _reference(reference: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not reference:
        return None
    return {"label": f"Average for patients aged {reference.get('age_band')}, {reference.get('sex')}",
            "risk": format_risk(float(reference["mean"]))}


def _input_columns(schema: Schema, result: PatientResult) -> list[list[tuple[str, str]]]:
    """Every input as (label, value), in three columns so the summary fits one page."""
    rows = [(spec.display_label, safe_format(spec, result.values.get(spec.name))) for spec in schema.features]
    per_column = (len(rows) + INPUT_COLUMNS - 1) // INPUT_COLUMNS
    columns = [rows[i * per_column:(i + 1) * per_column] for i in range(INPUT_COLUMNS)]
    return [c for c in columns if c]


def _result_context(info: ReportInfo, result: PatientResult, reference: Mapping[str, Any] | None,
                    top: int) -> dict[str, Any]:
    """What the template shows about an estimated risk (nothing when the patient was rejected)."""
    if result.rejected:
        return {}
    steps = driver_steps(info.schema, result, top)
    return {
        "risk": format_risk(result.risk), "band": result.band, "frequency": natural_frequency(result.risk),
        "baseline": format_risk(float(result.baseline)), "reference": _reference(reference),
        "percentile": percentile_text(result.percentile), "warnings": warning_lines(result),
        "association_note": ASSOCIATION_NOTE, "not_recorded": not_recorded_line(result),
        "drivers": [row for row in steps.to_dict("records") if row["kind"] not in ("baseline", "total")],
        "scores": clinical_score_summaries(result),
    }


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
    return render(
        "patient_summary.html",
        page="summary",
        intended_use=intended_use,
        rejected=result.rejected,
        inputs=_input_columns(info.schema, result),
        method=info.method,
        outcome=info.outcome,
        model_name=info.model_name,
        model_version=info.model_version,
        trained=info.trained,
        bands_text=_band_text(info.bands),
        generated=(generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        **_result_context(info, result, reference, top),
    )

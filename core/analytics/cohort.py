"""Summaries of a scored cohort for a quality team: filters, counts, trends, breakdowns, capacity.

The cohort page calls these with the result of ``Engine.score`` and draws what they
return. Everything works from the schema's *roles* (age, sex, date, site, service,
insurance), never from a dataset's column names, so a bundle trained on a hospital's own
extract gets the same page. Every function is pure and aggregates, so charts stay small
and fast on a 100,000-row upload.

One analysis table (``CohortTables.table``) holds a row per scored patient with
standard column names: ``row`` (1-based row in the file), ``risk`` (0-1), ``band``,
``top_reasons``, ``flags``, ``date``, ``age_band``, ``sex``, ``service``, ``site``,
``insurance`` and ``outcome`` (1.0/0.0/NaN). Identifier columns and numeric context
columns (costs, satisfaction scores) sit in two side tables with the same index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.clinical import scores
from core.clinical.bands import age_band
from core.data import limits, phi_scan
from core.data.csvio import read_csv_bytes
from core.data.infer import SchemaError, target_vector
from core.data.parse import as_text, parse_numeric
from core.data.schema import Schema
from core.data.validate import check_columns
from core.policy import OUTCOME_HORIZON_DAYS
from core.policy import RELIABILITY_MIN_EVENTS as MIN_EVENTS
from core.policy import RELIABILITY_MIN_PATIENTS as MIN_N
from core.presentation.wording import NOT_RECORDED
from core.scoring.engine import Engine, Progress, ScoreResult

GROUP_ROLES: tuple[tuple[str, str], ...] = (
    ("service", "Service"), ("site", "Site"), ("insurance", "Insurance"), ("age_band", "Age band"), ("sex", "Sex"),
)


@dataclass
class CohortTables:
    """The analysis table plus identifiers and numeric context columns, all on one index."""

    table: pd.DataFrame
    ids: pd.DataFrame
    context: pd.DataFrame
    has_outcome: bool
    outcome_note: str = ""
    roles: dict[str, str] = field(default_factory=dict)

    def subset(self, mask: np.ndarray) -> CohortTables:
        """The same tables restricted to the rows where ``mask`` is true (filters)."""
        m = np.asarray(mask, dtype=bool)
        return CohortTables(self.table[m], self.ids[m], self.context[m], self.has_outcome, self.outcome_note,
                            self.roles)


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the page to; empty means everything."""

    services: tuple[str, ...] = ()
    sites: tuple[str, ...] = ()
    bands: tuple[str, ...] = ()
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> str:
        parts = []
        if self.services:
            parts.append("service: " + ", ".join(self.services))
        if self.sites:
            parts.append("site: " + ", ".join(self.sites))
        if self.bands:
            parts.append("risk band: " + ", ".join(self.bands))
        if self.date_from or self.date_to:
            parts.append(f"dates {self.date_from or '...'} to {self.date_to or '...'}")
        return "; ".join(parts) if parts else "none (all scored patients)"


# ---------------------------------------------------------------------------- building the table


def parse_dates(values: pd.Series) -> pd.Series:
    """Text dates -> datetimes (NaT when unreadable): ISO first, then day-first formats."""
    text = as_text(values)
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if out.isna().mean() > 0.5 and text.notna().any():
        out = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=True)
    return pd.Series(out, index=values.index)


def outcome_vector(frame: pd.DataFrame, schema: Schema) -> tuple[np.ndarray | None, str]:
    """Observed outcomes (1/0/NaN) when the target column is present and readable, and why not otherwise."""
    if schema.target not in frame.columns:
        return None, f"This file has no outcome column ('{schema.target}'), so performance cannot be measured."
    col = frame[schema.target]
    try:
        y, _ = target_vector(col, schema.positive)
    except SchemaError:
        return None, (f"The outcome column '{schema.target}' never holds the event value '{schema.positive}', "
                      "so it cannot be used to measure performance.")
    if np.isfinite(y).sum() == 0:
        return None, f"The outcome column '{schema.target}' is empty."
    return y, ""


def numeric_context_columns(frame: pd.DataFrame, schema: Schema) -> list[str]:
    """Context columns (not predictors) that hold numbers, e.g. costs or satisfaction scores."""
    skip = {schema.roles.get(r) for r in ("date", "site", "service", "insurance", "sex", "age")}
    out = []
    for c in schema.context_columns:
        if c in skip or c not in frame.columns:
            continue
        values, bad = parse_numeric(frame[c])
        present = int(np.isfinite(values).sum() + bad.sum())
        if present and np.isfinite(values).sum() >= 0.9 * present:
            out.append(c)
    return out


def _text_column(frame: pd.DataFrame, column: str | None) -> pd.Series:
    if not column or column not in frame.columns:
        return pd.Series(NOT_RECORDED, index=frame.index, dtype=object)
    col = frame[column]
    if pd.api.types.is_numeric_dtype(col):
        text = col.map(lambda v: NOT_RECORDED if pd.isna(v) else f"{v:g}")
    else:
        text = as_text(col).fillna(NOT_RECORDED)
    return text.astype(object)


def prepare(result: ScoreResult, schema: Schema) -> CohortTables:
    """Scored rows of ``result`` as the analysis table (see the module docstring)."""
    clean = result.validation.clean
    out = result.output.loc[clean.index]
    roles = {r: c for r, c in schema.roles.items() if c in clean.columns}
    table = pd.DataFrame(index=clean.index)
    table["row"] = clean.index.to_numpy() + 1
    table["risk"] = out["risk"].astype(float)
    table["band"] = out["risk_band"].astype(object)
    table["top_reasons"] = out["top_reasons"].astype(object)
    table["flags"] = out["flags"].astype(object)
    table["date"] = parse_dates(clean[roles["date"]]) if "date" in roles else pd.Series(pd.NaT, index=clean.index)
    if "age" in roles:
        table["age_band"] = age_band(pd.to_numeric(clean[roles["age"]], errors="coerce").to_numpy(dtype=float))
    else:
        table["age_band"] = NOT_RECORDED
    for role in ("sex", "service", "site", "insurance"):
        table[role] = _text_column(clean, roles.get(role))
    y, note = outcome_vector(clean, schema)
    table["outcome"] = y if y is not None else np.nan
    ids = pd.DataFrame({c: out[c].astype(object) for c in schema.id_columns if c in out.columns}, index=clean.index)
    context = pd.DataFrame(
        {c: parse_numeric(clean[c])[0] for c in numeric_context_columns(clean, schema)}, index=clean.index
    )
    has_outcome = y is not None and len(np.unique(y[np.isfinite(y)])) == 2
    if y is not None and not has_outcome:
        note = "Every outcome in this file is the same, so discrimination cannot be measured."
    return CohortTables(table, ids, context, has_outcome, note, roles)


# ---------------------------------------------------------------------------- filters


def filter_options(table: pd.DataFrame, band_order: Sequence[str] = ()) -> dict[str, Any]:
    """Levels a user can pick: services, sites, bands (in ``band_order``) and the date range."""
    dates = table["date"].dropna()
    present = set(table["band"].unique())
    return {
        "services": sorted(table["service"].unique().tolist()) if table["service"].nunique() > 1 else [],
        "sites": sorted(table["site"].unique().tolist()) if table["site"].nunique() > 1 else [],
        "bands": [b for b in band_order if b in present] + sorted(present - set(band_order)),
        "date_min": dates.min().date() if len(dates) else None,
        "date_max": dates.max().date() if len(dates) else None,
    }


def filter_mask(table: pd.DataFrame, filters: Filters) -> np.ndarray:
    """Rows that pass every filter (a row with no date passes only when no date filter is set)."""
    mask = np.ones(len(table), dtype=bool)
    if filters.services:
        mask &= table["service"].isin(filters.services).to_numpy()
    if filters.sites:
        mask &= table["site"].isin(filters.sites).to_numpy()
    if filters.bands:
        mask &= table["band"].isin(filters.bands).to_numpy()
    d = table["date"]
    if filters.date_from is not None:
        mask &= (d >= pd.Timestamp(filters.date_from)).fillna(False).to_numpy(dtype=bool)
    if filters.date_to is not None:
        mask &= (d < pd.Timestamp(filters.date_to) + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)
    return mask


# ---------------------------------------------------------------------------- worklist


def worklist(tables: CohortTables, search: str = "", limit: int | None = None) -> pd.DataFrame:
    """Patients ranked by risk (highest first) with rank, identifiers, band, reasons and flags.

    ``search`` keeps rows whose identifiers, reasons, service or site contain the text
    (case-insensitive). The index stays the analysis index, so a selected row maps back.
    """
    t = tables.table
    view = pd.concat([tables.ids, t[["risk", "band", "top_reasons", "service", "site", "flags", "row"]]], axis=1)
    view = view.sort_values("risk", ascending=False, kind="stable")
    view.insert(0, "rank", np.arange(1, len(view) + 1))
    if search.strip():
        needle = search.strip().lower()
        cols = [*tables.ids.columns, "top_reasons", "service", "site"]
        hit = np.zeros(len(view), dtype=bool)
        for c in cols:  # column by column: vectorised, fast on 100,000 rows
            hit |= view[c].astype(str).str.lower().str.contains(needle, regex=False).to_numpy(dtype=bool)
        view = view[hit]
    return view.head(limit) if limit else view


# ---------------------------------------------------------------------------- distributions and groups


def histogram(values: np.ndarray | pd.Series, bins: int = 20, value_range: tuple[float, float] | None = None
              ) -> pd.DataFrame:
    """Counts in equal-width bins [start, end): the chart gets ``bins`` rows whatever the file size."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return pd.DataFrame(columns=["start", "end", "n", "share"])
    lo, hi = value_range if value_range else (float(v.min()), float(v.max()))
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(v, bins=bins, range=(lo, hi))
    return pd.DataFrame({"start": edges[:-1], "end": edges[1:], "n": counts.astype(np.int64),
                         "share": counts / v.size})


def band_counts(table: pd.DataFrame, bands: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Patients per risk band, in band order, with mean risk and observed rate where known."""
    rows = []
    n_all = len(table)
    for b in bands:
        sub = table[table["band"] == b["name"]]
        y = sub["outcome"].to_numpy(dtype=float)
        labelled = int(np.isfinite(y).sum())
        rows.append({
            "band": b["name"], "lower": float(b["lower"]), "upper": float(b["upper"]), "n": len(sub),
            "share": len(sub) / n_all if n_all else float("nan"),
            "mean_risk": float(sub["risk"].mean()) if len(sub) else float("nan"),
            "observed_rate": float(np.nanmean(y)) if labelled else float("nan"),
        })
    return pd.DataFrame(rows, columns=["band", "lower", "upper", "n", "share", "mean_risk", "observed_rate"])


def _observed(y: np.ndarray) -> tuple[float, float, float, int, int]:
    """Observed rate with its Wilson 95% interval, events and labelled count."""
    yl = y[np.isfinite(y)]
    n, events = int(yl.size), int(yl.sum())
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0, 0
    lo, hi = metrics.wilson_interval(np.array([events], dtype=float), np.array([n], dtype=float))
    return events / n, float(lo[0]), float(hi[0]), events, n


def breakdown(table: pd.DataFrame, by: str, high_band: str | None = None) -> pd.DataFrame:
    """Per level of ``by`` (a standard column such as "service"): size, mean risk, share high, observed rate."""
    columns = ["group", "n", "share", "mean_risk", "high_share", "observed_rate", "observed_lo", "observed_hi",
               "events", "labelled", "note"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for level, sub in table.groupby(by, sort=True, dropna=False):
        rate, lo, hi, events, labelled = _observed(sub["outcome"].to_numpy(dtype=float))
        small = labelled and (labelled < MIN_N or events < MIN_EVENTS)
        rows.append({
            "group": str(level), "n": len(sub), "share": len(sub) / len(table),
            "mean_risk": float(sub["risk"].mean()),
            "high_share": float((sub["band"] == high_band).mean()) if high_band else float("nan"),
            "observed_rate": rate, "observed_lo": lo, "observed_hi": hi, "events": events, "labelled": labelled,
            "note": "too few patients or events for a reliable rate" if small else "",
        })
    return pd.DataFrame(rows, columns=columns).sort_values("n", ascending=False, kind="stable").reset_index(drop=True)


def available_groupings(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(column, label) of the breakdowns worth showing: at least two recorded levels."""
    out = []
    for col, label in GROUP_ROLES:
        levels = set(table[col].unique()) - {NOT_RECORDED}
        if len(levels) >= 2:
            out.append((col, label))
    return out


def monthly(table: pd.DataFrame) -> pd.DataFrame:
    """Patients, mean predicted risk and observed rate per calendar month of the date role."""
    columns = ["month", "n", "mean_risk", "observed_rate", "events", "labelled"]
    dated = table[table["date"].notna()]
    if dated.empty:
        return pd.DataFrame(columns=columns)
    month = dated["date"].dt.to_period("M").dt.to_timestamp()
    y = dated["outcome"].astype(float)
    g = pd.DataFrame({"month": month, "risk": dated["risk"], "y": y, "labelled": y.notna()}).groupby("month")
    out = g.agg(n=("risk", "size"), mean_risk=("risk", "mean"), events=("y", "sum"), labelled=("labelled", "sum"))
    out["observed_rate"] = np.where(out["labelled"] > 0, out["events"] / out["labelled"].clip(lower=1), np.nan)
    out = out.reset_index()
    out["events"] = out["events"].astype(np.int64)
    out["labelled"] = out["labelled"].astype(np.int64)
    return out[columns]


# ---------------------------------------------------------------------------- capacity and monitoring


def weeks_spanned(dates: pd.Series) -> tuple[float, str]:
    """How many weeks the file covers, and how that was decided (in words for the screen)."""
    d = dates.dropna()
    if len(d) >= 2 and d.max() > d.min():
        days = (d.max() - d.min()).days + 1
        weeks = max(days / 7.0, 1.0)
        return weeks, (f"The file spans {days:,} days ({d.min().date()} to {d.max().date()}), about "
                       f"{weeks:.1f} weeks, taken from the date column.")
    return 1.0, "The file has no usable dates, so it is assumed to hold one week of discharges."


def capacity(risk: np.ndarray, outcome: np.ndarray | None, per_week: int, weeks: float) -> dict[str, Any]:
    """Threshold that fills ``per_week`` follow-up slots, and what it buys.

    The N x weeks highest-risk patients are flagged (ties at the threshold are flagged too);
    PPV and sensitivity come from the labelled patients when outcomes are known.
    """
    p = np.asarray(risk, dtype=float)
    n = int(np.isfinite(p).sum())
    slots = math.ceil(max(per_week, 0) * weeks)
    threshold = metrics.threshold_for_capacity(p, slots)
    flagged = int(np.sum(p >= threshold)) if np.isfinite(threshold) else 0
    out: dict[str, Any] = {
        "per_week": int(per_week), "weeks": float(weeks), "slots": slots, "threshold": float(threshold),
        "flagged": flagged, "flagged_per_100": 100 * flagged / n if n else float("nan"),
        "ppv": float("nan"), "sensitivity": float("nan"), "labelled": 0,
    }
    if outcome is not None and np.isfinite(threshold):
        y = np.asarray(outcome, dtype=float)
        keep = np.isfinite(y) & np.isfinite(p)
        if keep.any():
            c = metrics.confusion_at(y[keep], p[keep], threshold)
            out.update(ppv=c["precision"], sensitivity=c["recall"], labelled=int(keep.sum()))
    return out


def monthly_performance(table: pd.DataFrame, horizon_days: int = OUTCOME_HORIZON_DAYS,
                        min_n: int = MIN_N, min_events: int = MIN_EVENTS) -> tuple[pd.DataFrame, str]:
    """AUC and observed/expected per month, leaving out the last ``horizon_days`` of the file.

    Patients discharged in the last 30 days before the latest date cannot yet have a known
    30-day outcome, so including them would make the model look as if it over-predicts.
    Returns the table and a sentence saying what was left out.
    """
    columns = ["month", "n", "events", "auc", "observed_expected", "mean_risk", "observed_rate", "note"]
    dated = table[table["date"].notna() & table["outcome"].notna()]
    if dated.empty:
        return pd.DataFrame(columns=columns), "No patients have both a date and an outcome."
    cutoff = dated["date"].max() - pd.Timedelta(days=horizon_days)
    left_out = int((dated["date"] > cutoff).sum())
    kept = dated[dated["date"] <= cutoff]
    note = (f"The last {horizon_days} days of the file (after {cutoff.date()}; {left_out:,} patients) are left out "
            f"because their {horizon_days}-day outcomes cannot be known yet.")
    rows = []
    for month, sub in kept.groupby(kept["date"].dt.to_period("M").dt.to_timestamp()):
        y, p = sub["outcome"].to_numpy(float), sub["risk"].to_numpy(float)
        events = int(y.sum())
        enough = len(sub) >= min_n and events >= min_events and len(sub) - events >= min_events
        rows.append({
            "month": month, "n": len(sub), "events": events,
            "auc": metrics.auc(y, p) if enough else float("nan"),
            "observed_expected": metrics.observed_expected(y, p) if enough else float("nan"),
            "mean_risk": float(p.mean()), "observed_rate": events / len(sub),
            "note": "" if enough else f"too few (fewer than {min_n} patients or {min_events} events)",
        })
    return pd.DataFrame(rows, columns=columns), note


def comparator_risks(clean: pd.DataFrame, outcome: np.ndarray) -> tuple[dict[str, np.ndarray], list[str]]:
    """LACE and HOSPITAL totals mapped to risk by a logistic fit on this upload's own outcomes.

    Fitting on the same patients flatters the scores a little; the page says so. A score
    whose inputs are absent, or that cannot be fitted, is left out with a note.
    """
    out: dict[str, np.ndarray] = {}
    notes: list[str] = []
    y = np.asarray(outcome, dtype=float)
    for name, key in (("LACE", "lace"), ("HOSPITAL", "hospital")):
        if not scores.has_inputs(clean.columns, key):
            notes.append(f"{name} is not shown: this model's inputs do not include everything it needs.")
            continue
        total = scores.points(clean, key)["total"].to_numpy(dtype=float)
        try:
            mapping = metrics.score_to_risk(total, y)
        except ValueError as exc:
            notes.append(f"{name} is not shown: {exc}")
            continue
        out[name] = np.asarray(mapping(total), dtype=float)
    return out, notes


def capacity_curve(risk: np.ndarray, outcome: np.ndarray | None, weeks: float, max_per_week: int,
                   points: int = 60) -> pd.DataFrame:
    """PPV, sensitivity and share flagged for a range of weekly follow-up capacities (for a chart).

    Flags the top N x weeks patients by risk, as :func:`capacity` does, without ties (ties
    at a cut-off change the count by at most a few patients).
    """
    p = np.asarray(risk, dtype=float)
    keep = np.isfinite(p)
    order = np.argsort(-p[keep], kind="stable")
    n = int(keep.sum())
    grid = np.unique(np.linspace(1, max(int(max_per_week), 1), points).round().astype(int))
    k = np.clip(np.ceil(grid * weeks).astype(int), 0, n)
    out = pd.DataFrame({"per_week": grid, "flagged": k, "flagged_per_100": 100 * k / max(n, 1)})
    if outcome is not None and n:
        y = np.asarray(outcome, dtype=float)[keep][order]
        labelled = np.isfinite(y)
        tp = np.concatenate([[0.0], np.cumsum(np.where(labelled, y, 0.0))])
        lab = np.concatenate([[0], np.cumsum(labelled)])
        events = tp[-1]
        out["ppv"] = np.where(lab[k] > 0, tp[k] / np.maximum(lab[k], 1), np.nan)
        out["sensitivity"] = tp[k] / events if events else np.nan
    return out


def score_upload(engine: Engine, data: bytes, progress: Progress | None = None) -> UploadResult:
    """Bytes of a CSV -> identifier columns removed -> validated and scored, in memory only.

    The identifier scan runs first and the flagged columns are dropped before validation
    or scoring sees the data. Raises ``CsvError`` / ``ValidationError`` for a file that
    cannot be used, with a sentence for the person who uploaded it, and ``LimitError`` when
    ``LANTERN_MAX_ROWS`` / ``LANTERN_MAX_CELL`` are set to something unusable.
    """
    raw, info = read_csv_bytes(data, max_rows=limits.max_rows(), max_cell=limits.max_cell())
    s = engine.schema
    check_columns(raw, s)  # before anything is dropped, so messages name the file's own columns
    found = phi_scan.find_identifier_columns(raw, phi_scan.keep_columns(s.id_columns, s.names, s.context_columns,
                                                                        s.target))
    raw = phi_scan.drop_identifier_columns(raw, found)
    result = engine.score(raw, row_problems=info.get("row_problems"), progress=progress)
    return UploadResult(result=result, tables=prepare(result, s), identifiers=found, info=info,
                        shape=(int(raw.shape[0]), int(raw.shape[1])))


@dataclass
class UploadResult:
    """One scored upload: the engine's result, the analysis tables and what was removed."""

    result: ScoreResult
    tables: CohortTables
    identifiers: list[dict[str, str]]
    info: dict[str, Any]
    shape: tuple[int, int]

"""Summaries of the analysis table: risk distribution, band counts, breakdowns by group, months.

Every function aggregates, so a chart gets a row per bin, band, group or month whatever
the file size. Observed rates carry a Wilson interval, and groups below the reliability
floor (``core.policy``) say so instead of showing a rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.analytics.cohort_tables import NOT_RECORDED
from core.policy import RELIABILITY_MIN_EVENTS, RELIABILITY_MIN_PATIENTS

GROUP_ROLES: tuple[tuple[str, str], ...] = (
    ("service", "Service"), ("site", "Site"), ("insurance", "Insurance"), ("age_band", "Age band"), ("sex", "Sex"),
)


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
        small = labelled and (labelled < RELIABILITY_MIN_PATIENTS or events < RELIABILITY_MIN_EVENTS)
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

"""Follow-up capacity: "we can call N patients a week" -> the risk threshold, and what it buys.

The weeks a file covers come from its date column; the N x weeks highest-risk patients are
flagged, and PPV and sensitivity come from the labelled patients when outcomes are known.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from core.analytics import metrics


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

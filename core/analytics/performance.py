"""Performance on an upload with outcomes: month by month (monitoring) and against LACE and HOSPITAL.

Months whose outcomes cannot be known yet are left out, and a month below the reliability
floor (``core.policy``) gets a note instead of an AUC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.clinical import scores
from core.policy import OUTCOME_HORIZON_DAYS, RELIABILITY_MIN_EVENTS, RELIABILITY_MIN_PATIENTS


def monthly_performance(table: pd.DataFrame, horizon_days: int = OUTCOME_HORIZON_DAYS,
                        min_n: int = RELIABILITY_MIN_PATIENTS,
                        min_events: int = RELIABILITY_MIN_EVENTS) -> tuple[pd.DataFrame, str]:
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

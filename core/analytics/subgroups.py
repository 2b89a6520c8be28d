"""Performance per subgroup (age band, sex, site, ...), with estimates withheld where too few to act on.

The floor (patients, and events and non-events) and the resamples behind each interval are
the policy's (core/policy.py), so the screen and the report agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.analytics.bootstrap import auc_ci
from core.analytics.discrimination import auc_of_clean
from core.analytics.metric_inputs import ArrayLike, as_float, clean_pairs, ratio
from core.policy import RELIABILITY_MIN_EVENTS, RELIABILITY_MIN_PATIENTS, SUBGROUP_BOOTSTRAP_RESAMPLES
from core.presentation.wording import NOT_RECORDED

TOO_FEW_NOTE = "too few patients or events to estimate"


def subgroup_table(
    groups: pd.DataFrame,
    y: ArrayLike,
    p: ArrayLike,
    min_n: int = RELIABILITY_MIN_PATIENTS,
    min_events: int = RELIABILITY_MIN_EVENTS,
    n_boot: int = SUBGROUP_BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> pd.DataFrame:
    """Performance per level of each column of ``groups`` (rows aligned by position with y, p).

    Counts, observed rate and mean predicted risk are always shown; AUC, its interval and
    O/E are NaN with a note when a level has fewer than ``min_n`` patients or fewer than
    ``min_events`` events or non-events, because such estimates are too noisy to act on.
    """
    columns = [
        "variable", "level", "n", "events", "observed_rate", "mean_predicted",
        "auc", "auc_lo", "auc_hi", "observed_expected", "note",
    ]
    ya_raw = as_float(y)
    pa_raw = as_float(p)
    if len(groups) != ya_raw.size or ya_raw.size != pa_raw.size:
        raise ValueError("groups, y and p must have the same number of rows.")
    keep = np.isfinite(ya_raw) & np.isfinite(pa_raw)
    ya, pa = clean_pairs(ya_raw[keep], pa_raw[keep])
    rows: list[dict[str, Any]] = []
    for variable in groups.columns:
        labels, order = _level_labels(groups[variable].reset_index(drop=True)[keep].reset_index(drop=True))
        values = labels.to_numpy()
        for level in order:
            mask = values == level
            yl, pl = ya[mask], pa[mask]
            n, events = int(mask.sum()), int(yl.sum())
            enough = n >= min_n and events >= min_events and n - events >= min_events
            lo, hi = auc_ci(yl, pl, n_boot=n_boot, seed=seed) if enough else (float("nan"), float("nan"))
            rows.append(
                {
                    "variable": str(variable),
                    "level": level,
                    "n": n,
                    "events": events,
                    "observed_rate": ratio(events, n),
                    "mean_predicted": float(pl.mean()) if n else float("nan"),
                    "auc": auc_of_clean(yl, pl) if enough else float("nan"),
                    "auc_lo": lo,
                    "auc_hi": hi,
                    "observed_expected": ratio(yl.sum(), pl.sum()) if enough else float("nan"),
                    "note": "" if enough else TOO_FEW_NOTE,
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _level_labels(column: pd.Series) -> tuple[pd.Series, list[str]]:
    """Level labels as text (missing -> "not recorded") and their display order."""
    present = column.dropna()
    if isinstance(column.dtype, pd.CategoricalDtype):
        order = [str(c) for c in column.cat.categories]
    else:
        try:
            order = [str(v) for v in sorted(present.unique())]
        except TypeError:
            order = sorted({str(v) for v in present.unique()})
    labels = column.astype(object).where(column.notna(), NOT_RECORDED).map(str)
    seen = set(labels)
    order = list(dict.fromkeys(o for o in order if o in seen))
    if NOT_RECORDED in seen and NOT_RECORDED not in order:
        order.append(NOT_RECORDED)
    return labels, order

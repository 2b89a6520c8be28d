"""Performance of predicted risks against observed outcomes: held-out test set and uploads.

One implementation for the model card, the validation page and the CLI, so a number means
the same thing everywhere; callers use ``metrics.X``. Everything is deterministic given
``seed`` and returns plain Python floats/ints, lists and DataFrames (JSON-serialisable
after ``to_dict(orient="records")``). Anything that cannot be estimated (e.g. AUC with one
outcome class) is NaN, not an error.

The metrics live beside this module, by job; each states its formulas and sources:

- ``metric_inputs``: how ``y`` (0/1) and ``p`` (a probability) are cleaned, the same for all;
- ``discrimination``: AUC, ROC and precision-recall curves;
- ``calibration``: Brier, calibration intercept and slope, observed/expected, calibration curve;
- ``bootstrap``: stratified bootstrap intervals;
- ``decision_curves``: net benefit, decision curves, confusion counts, capacity thresholds;
- ``subgroups``: performance per subgroup, withheld below the reliability floor;
- ``score_risk``: a baseline score (LACE, HOSPITAL) mapped to risk.
"""

from __future__ import annotations

from typing import Any

from core.analytics.bootstrap import Statistic, auc_ci, bootstrap_ci
from core.analytics.calibration import (
    brier,
    calibration_curve_df,
    calibration_intercept_slope,
    observed_expected,
    scaled_brier,
    wilson_interval,
)
from core.analytics.decision_curves import confusion_at, decision_curve_df, net_benefit, threshold_for_capacity
from core.analytics.discrimination import auc, auc_of_clean, pr_curve_df, roc_curve_df
from core.analytics.metric_inputs import ArrayLike, clean_pairs
from core.analytics.score_risk import ScoreRiskMap, score_to_risk
from core.analytics.subgroups import NOT_RECORDED, TOO_FEW_NOTE, subgroup_table
from core.policy import BOOTSTRAP_RESAMPLES

__all__ = (
    "NOT_RECORDED",
    "TOO_FEW_NOTE",
    "ArrayLike",
    "ScoreRiskMap",
    "Statistic",
    "auc",
    "auc_ci",
    "bootstrap_ci",
    "brier",
    "calibration_curve_df",
    "calibration_intercept_slope",
    "confusion_at",
    "decision_curve_df",
    "net_benefit",
    "observed_expected",
    "pr_curve_df",
    "roc_curve_df",
    "scaled_brier",
    "score_to_risk",
    "subgroup_table",
    "summary",
    "threshold_for_capacity",
    "wilson_interval",
)


def summary(y: ArrayLike, p: ArrayLike, n_boot: int = BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict[str, Any]:
    """Headline discrimination and calibration numbers for a model card or upload report."""
    ya, pa = clean_pairs(y, p)
    intercept, slope = calibration_intercept_slope(ya, pa)
    lo, hi = auc_ci(ya, pa, n_boot=n_boot, seed=seed)
    return {
        "auc": auc_of_clean(ya, pa),
        "auc_ci": [lo, hi],
        "brier": brier(ya, pa),
        "scaled_brier": scaled_brier(ya, pa),
        "calibration_intercept": intercept,
        "calibration_slope": slope,
        "observed_expected": observed_expected(ya, pa),
        "n": int(ya.size),
        "events": int(ya.sum()),
        "prevalence": float(ya.mean()) if ya.size else float("nan"),
    }

"""Baseline scores (LACE, HOSPITAL) as risks, so they sit on the same decision curve as the model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit

from core.analytics.calibration import fit_logistic
from core.analytics.metric_inputs import ArrayLike, as_float, clean_pairs, two_classes


@dataclass(frozen=True)
class ScoreRiskMap:
    """Risk = expit(intercept + slope * score), fitted on training data.

    A one-feature logistic regression, the same form van Walraven used to turn LACE points
    into expected risk: monotone in the score, smooth where high scores are sparse (a
    per-point event rate would jump to 0% or 100% on a handful of patients), and just two
    numbers to store in a model bundle. Missing scores map to NaN.
    """

    intercept: float
    slope: float

    def __call__(self, score: ArrayLike | float) -> np.ndarray | float:
        s = as_float(score)
        risk = expit(self.intercept + self.slope * s)
        return float(risk[0]) if np.ndim(score) == 0 else risk

    def to_dict(self) -> dict[str, float]:
        return {"intercept": float(self.intercept), "slope": float(self.slope)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreRiskMap:
        return cls(intercept=float(d["intercept"]), slope=float(d["slope"]))


def score_to_risk(score_train: ArrayLike, y_train: ArrayLike) -> ScoreRiskMap:
    """Map an integer score (LACE/HOSPITAL total) to 30-day risk observed on the training data.

    Lets a baseline score sit on the same decision curve as the model. The fit uses the
    app's own outcome, not the one the score was published for. Raises ValueError when the
    training outcome has a single class.
    """
    ya, s = clean_pairs(y_train, score_train)
    if not two_classes(ya):
        raise ValueError("Mapping a score to risk needs training data with both outcomes.")
    beta = fit_logistic(np.column_stack([np.ones(s.size), s]), ya)
    if not np.all(np.isfinite(beta)):
        raise ValueError("Could not fit the score-to-risk mapping (all scores equal?).")
    return ScoreRiskMap(intercept=float(beta[0]), slope=float(beta[1]))

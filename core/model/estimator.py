"""The fitted model: encoder + estimator + the recalibration that gives the displayed risk.

Every candidate family Lantern trains predicts in log-odds (``decision_function``):
logistic regression, a spline GAM (logistic regression on a spline basis) and gradient
boosted trees. The displayed risk is ``sigmoid(a + b * margin)``; ``a = 0, b = 1`` when
held-out checks showed no recalibration was needed. Keeping one scale makes the
explanations exact for every family.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from core.data.schema import Schema
from core.model.encode import AdditiveEncoder, TreeEncoder

Family = Literal["logistic regression", "spline GAM", "gradient boosting"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return np.log(p / (1 - p))


@dataclass
class LanternModel:
    """What a bundle's model file holds. Plain attributes only, so it is easy to inspect."""

    family: Family
    schema: Schema
    encoder: TreeEncoder | AdditiveEncoder
    estimator: object
    params: dict
    calibration_a: float = 0.0
    calibration_b: float = 1.0
    expected_margin: float = 0.0
    encoded_means: np.ndarray | None = None

    @property
    def is_linear(self) -> bool:
        return self.family != "gradient boosting"

    def encode(self, frame: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        """The model matrix from validated rows, or from feature name -> values (one patient, no DataFrame)."""
        return self.encoder.transform(frame)

    def margin(self, X: np.ndarray) -> np.ndarray:
        """The estimator's raw log-odds."""
        return np.asarray(self.estimator.decision_function(X), dtype=np.float64)  # type: ignore[attr-defined]

    def risk_from_margin(self, margin: np.ndarray) -> np.ndarray:
        """Displayed (recalibrated) probability of the outcome."""
        return sigmoid(self.calibration_a + self.calibration_b * margin)

    def predict_risk(self, frame: pd.DataFrame) -> np.ndarray:
        return self.risk_from_margin(self.margin(self.encode(frame)))

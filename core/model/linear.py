"""A fitted logistic regression kept as plain arrays: all that scoring and explaining need.

Bundles store linear models this way, so loading and scoring a logistic-regression bundle
imports neither scikit-learn nor scipy (about a second of start-up for the CLI and the
app). The coefficients are copied unchanged from the fitted scikit-learn estimator, and
``coef_`` / ``intercept_`` keep scikit-learn's names and shapes, so shap and the
explainer read them as they would the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LinearLogOdds:
    """log-odds = intercept + X @ coef, summed row by row (so a row's margin never depends on its batch)."""

    coef_: np.ndarray
    intercept_: np.ndarray

    @classmethod
    def from_fitted(cls, estimator: Any) -> LinearLogOdds:
        coef = np.asarray(estimator.coef_, dtype=np.float64).reshape(1, -1).copy()
        intercept = np.asarray(estimator.intercept_, dtype=np.float64).reshape(1).copy()
        return cls(coef, intercept)

    @property
    def n_features_in_(self) -> int:
        return int(self.coef_.shape[1])

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.intercept_[0] + (np.asarray(X, dtype=np.float64) * self.coef_[0]).sum(axis=1)

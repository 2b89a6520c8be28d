"""The candidate model families the trainer compares, with their bounded search grids.

Configuration as data: one entry per candidate, so adding a family or a grid point is a
one-line change. ``explain_cost`` is a rough count of the work to explain one row
exactly (TreeSHAP grows with trees x leaves x depth^2; an additive model with its
number of encoded columns), used to prefer the cheaper of equally accurate models.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from core.data.schema import Schema
from core.model.encode import AdditiveEncoder, TreeEncoder
from core.model.estimator import Family


@dataclass(frozen=True)
class Candidate:
    family: Family
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.family} ({shown})"

    def encoder(self, schema: Schema) -> TreeEncoder | AdditiveEncoder:
        if self.family == "gradient boosting":
            return TreeEncoder(schema)
        return AdditiveEncoder(schema, splines=self.family == "spline GAM")

    def estimator(self, seed: int) -> Any:
        if self.family == "gradient boosting":
            depth = self.params["max_depth"]
            return HistGradientBoostingClassifier(
                max_depth=depth,
                max_leaf_nodes=2**depth,
                learning_rate=self.params["learning_rate"],
                max_iter=self.params["max_iter"],
                min_samples_leaf=50,
                l2_regularization=1.0,
                early_stopping=False,
                random_state=seed,
            )
        return LogisticRegression(C=self.params["C"], max_iter=2000)

    def explain_cost(self, n_encoded_columns: int) -> float:
        if self.family == "gradient boosting":
            depth = self.params["max_depth"]
            return float(self.params["max_iter"] * 2**depth * depth**2)
        return float(n_encoded_columns)


def default_candidates() -> list[Candidate]:
    """A bounded grid: 3 logistic, 2 spline GAM and 3 boosting configurations."""
    grid: list[Candidate] = [Candidate("logistic regression", {"C": c}) for c in (0.03, 0.3, 3.0)]
    grid += [Candidate("spline GAM", {"C": c}) for c in (0.1, 1.0)]
    grid += [
        Candidate("gradient boosting", {"max_depth": d, "learning_rate": 0.05, "max_iter": 200}) for d in (2, 3, 4)
    ]
    return grid


def log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

"""Exact per-patient explanations in percentage points of risk that add up.

How the contributions are computed (shown wherever drivers are shown, see
``METHOD_TEXT``):

1. Exact attributions in the model's log-odds. Gradient boosting: shap's path-dependent
   TreeSHAP (exact for trees; not the interventional/probability mode, which is wrong
   for HistGradientBoosting in shap 0.54, shap issue #5116). Logistic regression and the
   spline GAM: the exact linear SHAP value coef * (x - training mean), summed over a
   feature's one-hot, spline and "not recorded" columns. Always the positive class.
2. The log-odds attributions (times the recalibration slope) add up to the gap between
   this patient's displayed log-odds L and the model's reference log-odds L0. Each is
   multiplied by the same secant slope s = (risk - r0) / (L - L0), where r0 = sigmoid(L0)
   (s = r0 (1 - r0) when L = L0), so they add up to risk - r0 in probability.
3. The baseline is the average predicted risk of the training data, which differs from
   r0 by a constant (an average of risks is not the risk at the average log-odds). That
   constant is shared among the features in proportion to the size of their
   contributions, so baseline + sum(contributions) = risk exactly, for every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.data.schema import FeatureSpec, Schema
from core.model.estimator import LanternModel, sigmoid
from core.presentation.wording import NOT_RECORDED

METHOD_TEXT = Path(__file__).with_name("explanation_method.md")
_MINUS = "\u2212"  # a true minus sign, as clinicians see it in print


@dataclass
class Explanation:
    """Risks, baseline and per-feature contributions, all in percentage points (0-100)."""

    risk_pct: np.ndarray
    baseline_pct: float
    contributions: pd.DataFrame

    @property
    def risk(self) -> np.ndarray:
        """The displayed risk as a probability (0-1)."""
        return self.risk_pct / 100.0

    def additivity_error(self) -> float:
        total = self.baseline_pct + self.contributions.to_numpy().sum(axis=1)
        return float(np.max(np.abs(total - self.risk_pct))) if len(total) else 0.0


class Explainer:
    """Explains a model exactly. Build once per model (it is shared and read-only)."""

    def __init__(self, model: LanternModel, baseline_risk: float) -> None:
        self.model = model
        self.baseline = float(baseline_risk)

    @cached_property
    def _tree_explainer(self) -> Any:
        import shap  # heavy import, only where trees are explained

        return shap.TreeExplainer(self.model.estimator)

    @cached_property
    def _tree_tables(self) -> Any:
        """core.explain.treeshap's tables for this model (same values as shap, much faster), or None
        when that module does not support the model and shap explains it instead."""
        from core.explain.treeshap import TreeTables, UnsupportedModel

        try:
            return TreeTables.from_hist_gradient_boosting(self.model.estimator)
        except UnsupportedModel:
            return None

    def log_odds(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Exact log-odds attributions per original feature, and the raw margin.

        Every row's numbers depend on that row alone, bit for bit, whatever else is in the
        batch: a file scored in chunks (or on a Dask cluster) writes exactly what scoring it
        whole writes. So the linear margin is the model's log-odds at the training means plus
        the row's contributions, summed row by row; a BLAS matrix-vector product
        (``decision_function``) rounds a row differently depending on its place in the
        batch. For boosted trees the margin is the TreeSHAP total (expected value plus
        the row's contributions, equal to the model's prediction to rounding): scikit-learn's
        per-tree predict costs more for one patient than the whole explanation.
        """
        if self.model.is_linear:
            coef = np.asarray(self.model.estimator.coef_, dtype=np.float64).ravel()  # type: ignore[attr-defined]
            intercept = float(np.ravel(self.model.estimator.intercept_)[0])  # type: ignore[attr-defined]
            means = np.asarray(self.model.encoded_means, dtype=np.float64)
            phi_enc = np.subtract(X, means, dtype=np.float64)
            phi_enc *= coef
            phi = _sum_groups(phi_enc, self.model.encoder.groups)
            return phi, (intercept + float(coef @ means)) + phi.sum(axis=1)
        elif self._tree_tables is not None:
            from core.explain.treeshap import expected_value, shap_values

            phi_enc = shap_values(self._tree_tables, X)
            margin = expected_value(self._tree_tables) + phi_enc.sum(axis=1)
        else:
            margin = self.model.margin(X)
            phi_enc = np.asarray(self._tree_explainer.shap_values(X), dtype=np.float64)
            if phi_enc.ndim == 3:  # some shap versions return one slice per class
                phi_enc = phi_enc[..., -1]
        return _sum_groups(phi_enc, self.model.encoder.groups), margin

    def explain_matrix(self, X: np.ndarray) -> Explanation:
        phi, margin = self.log_odds(X)
        risk, contrib = to_probability_points(
            phi, margin, self.model.calibration_a, self.model.calibration_b, self.baseline
        )
        frame = pd.DataFrame(contrib * 100.0, columns=self.model.schema.names)
        return Explanation(risk_pct=risk * 100.0, baseline_pct=self.baseline * 100.0, contributions=frame)

    def explain(self, clean: pd.DataFrame) -> Explanation:
        """Explain validated rows (``ValidationResult.clean``)."""
        exp = self.explain_matrix(self.model.encode(clean))
        exp.contributions.index = clean.index
        return exp


def _sum_groups(phi_enc: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Encoded-column attributions -> one per original feature (one-hot or spline columns summed)."""
    if all(len(g) == 1 for g in groups) and len(groups) == phi_enc.shape[1]:
        return phi_enc
    starts = [g[0] for g in groups]
    if all(g == list(range(g[0], g[0] + len(g))) for g in groups) and starts == sorted(starts) \
            and sum(map(len, groups)) == phi_enc.shape[1] and all(len(g) for g in groups):
        return np.add.reduceat(phi_enc, starts, axis=1)  # contiguous groups: one pass
    return np.column_stack([phi_enc[:, g].sum(axis=1) for g in groups])


def to_probability_points(
    phi: np.ndarray, margin: np.ndarray, a: float, b: float, baseline: float
) -> tuple[np.ndarray, np.ndarray]:
    """Map exact log-odds attributions to probability contributions that add up to risk - baseline.

    See the module docstring for the rule. Returns (risk, contributions) as probabilities.
    """
    logit_risk = a + b * margin
    risk = sigmoid(logit_risk)
    phi_b = b * phi
    gap_logit = phi_b.sum(axis=1)
    logit_ref = logit_risk - gap_logit
    r_ref = sigmoid(logit_ref)
    near = np.abs(gap_logit) < 1e-9
    safe_gap = np.where(near, 1.0, gap_logit)
    slope = np.where(near, r_ref * (1 - r_ref), (risk - r_ref) / safe_gap)
    contrib = phi_b * slope[:, None]
    # exact closure to risk - r_ref (removes floating-point residue), then share r_ref - baseline
    contrib_total = contrib.sum(axis=1)
    weight = np.abs(contrib)
    wsum = weight.sum(axis=1)
    uniform = wsum <= 1e-15
    weight = np.where(uniform[:, None], 1.0 / phi.shape[1], weight / np.where(uniform, 1.0, wsum)[:, None])
    residual = (risk - baseline) - contrib_total
    contrib = contrib + weight * residual[:, None]
    return risk, contrib


def format_value(spec: FeatureSpec, value: object) -> str:
    """A feature's value as a clinician would read it, or 'not recorded'."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return NOT_RECORDED
    if spec.kind == "binary":
        return "yes" if float(value) >= 0.5 else "no"  # type: ignore[arg-type]
    if spec.kind == "numeric":
        v = float(value)  # type: ignore[arg-type]
        text = f"{v:.0f}" if spec.integer or v.is_integer() else f"{v:.1f}"
        unit = spec.unit
        if text == "1" and unit.isalpha() and unit.endswith("s"):
            unit = unit[:-1]  # "1 visit", "1 day", not "1 visits"
        return f"{text} {unit}".strip()
    return str(value)


def reason_phrase(spec: FeatureSpec, value: object, points: float) -> str:
    """e.g. 'Admissions in past 12 months: 4 admissions (+6.1 points)'."""
    sign = "+" if points >= 0 else _MINUS
    return f"{_head(spec, value)} ({sign}{abs(points):.1f} points)"


def top_reasons(schema: Schema, clean: pd.DataFrame, contributions: pd.DataFrame, k: int = 3) -> list[str]:
    """The k largest drivers of each row (by size), in plain words, joined by ' | '.

    Vectorised: each feature's values are worded once per distinct value and each points
    suffix once per distinct rounded amount, so 100,000 rows take a fraction of a second;
    the words equal ``reason_phrase`` exactly.
    """
    values = contributions.to_numpy()
    n = len(values)
    if n == 0:
        return []
    k = min(k, values.shape[1])
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :k]
    rows = np.arange(n)
    worded: dict[int, np.ndarray] = {}
    phrases: list[list[str]] = []
    for r in range(k):
        feature = order[:, r]
        head = np.empty(n, dtype=object)
        for j in np.unique(feature).tolist():
            if j not in worded:
                worded[j] = _value_phrases(schema.features[j], clean[schema.features[j].name])
            at = feature == j
            head[at] = worded[j][at]
        phrases.append((head + points_phrases(values[rows, feature])).tolist())
    return [" | ".join(parts) for parts in zip(*phrases, strict=True)]


def points_phrases(points: np.ndarray) -> np.ndarray:
    """' (+5.6 points)' for each value, exactly as ``reason_phrase`` words it.

    Each distinct amount in tenths is formatted once. Python's ``.1f`` rounds the exact
    binary value, so amounts within a hair of a half-tenth (where ``x * 10`` may round the
    other way) are formatted one by one.
    """
    tenths = np.abs(points) * 10.0
    rounded = np.floor(tenths + 0.5)
    negative = ~(points >= 0)
    keys, codes = np.unique(rounded * 2 + negative, return_inverse=True)
    words = np.array([f" ({_MINUS if key % 2 else '+'}{int(key // 2) // 10}.{int(key // 2) % 10} points)"
                      for key in keys.tolist()], dtype=object)
    out = words[codes.ravel()]
    tie = np.flatnonzero(np.abs(tenths - np.floor(tenths) - 0.5) < 1e-6)
    for i in tie.tolist():
        p = float(points[i])
        out[i] = f" ({'+' if p >= 0 else _MINUS}{abs(p):.1f} points)"
    return out


def _value_phrases(spec: FeatureSpec, values: pd.Series) -> np.ndarray:
    """'Label: value unit' or 'Label not recorded' for each value, formatting each distinct value once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    words = np.array([_head(spec, u) for u in uniques] + [f"{spec.display_label} not recorded"], dtype=object)
    return words[np.where(codes < 0, len(uniques), codes)]


def _head(spec: FeatureSpec, value: object) -> str:
    shown = format_value(spec, value)
    return f"{spec.display_label} not recorded" if shown == NOT_RECORDED else f"{spec.display_label}: {shown}"


def method_text() -> str:
    """One paragraph on how the contributions are computed, for every place drivers appear."""
    return METHOD_TEXT.read_text(encoding="utf-8").strip()

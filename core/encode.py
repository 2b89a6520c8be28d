"""Turn validated feature frames into model matrices, remembering which columns make a feature.

Two encodings, both fitted on training data only:

- ``TreeEncoder``: one column per feature. Numbers as they are, missing as NaN (gradient
  boosting learns where missing goes); categories as integer codes ordered by their
  training event rate (so a shallow tree can split them well). We do not use
  HistGradientBoosting's native categorical support: shap explains it wrongly.
- ``AdditiveEncoder``: for logistic regression and the spline GAM. Numbers standardised
  (or expanded into a cubic spline basis), categories one-hot, missing values imputed
  at the training mean (so, in a linear model, a value that is not recorded adds nothing
  unless training data had missing values, where a "not recorded" indicator learns its
  own effect). Numbers are held at the edge of their
  training range (a linear term would otherwise extrapolate to a risk of 100%); such
  values are flagged to the user as outside what the model learned from.

``groups`` maps each original feature to its encoded columns, so contributions of
one-hot or spline columns can be summed back to the feature a clinician recognises.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.preprocessing import SplineTransformer

from core.schema import OTHER_LEVEL, FeatureSpec, Schema


def _category_codes(values: pd.Series | np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Index of each value in ``spec.categories``; unseen -> 'other' when it exists, else -1; missing -> -2.

    Each distinct value is looked up once (factorize), so this is fast for one row and for 100,000.
    """
    lookup = {c: i for i, c in enumerate(spec.categories)}
    other = lookup.get(OTHER_LEVEL, -1)
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    mapped = np.array([lookup.get(u, other) for u in uniques] + [-2], dtype=np.int64)
    return mapped[np.where(codes < 0, len(uniques), codes)]


@dataclass
class TreeEncoder:
    """One numeric column per feature; categories as event-rate-ordered codes; NaN for missing."""

    schema: Schema
    rank: dict[str, np.ndarray] = field(default_factory=dict)

    def fit(self, frame: pd.DataFrame, y: np.ndarray) -> TreeEncoder:
        for spec in self.schema.features:
            if spec.kind != "categorical":
                continue
            codes = _category_codes(frame[spec.name], spec)
            k = len(spec.categories)
            rates = np.array([y[codes == i].mean() if (codes == i).any() else y.mean() for i in range(k)])
            order = np.argsort(rates, kind="stable")
            rank = np.empty(k, dtype=float)
            rank[order] = np.arange(k, dtype=float)
            self.rank[spec.name] = rank
        return self

    @property
    def groups(self) -> list[list[int]]:
        return [[i] for i in range(len(self.schema.features))]

    @property
    def column_names(self) -> list[str]:
        return self.schema.names

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.schema.features)), dtype=np.float64)
        for j, spec in enumerate(self.schema.features):
            if spec.kind == "categorical":
                codes = _category_codes(frame[spec.name], spec)
                rank = self.rank[spec.name]
                out[:, j] = np.where(codes >= 0, rank[np.clip(codes, 0, None)], np.nan)
            else:
                out[:, j] = np.asarray(frame[spec.name], dtype=np.float64)
        return out


@dataclass
class AdditiveEncoder:
    """Standardised (or spline-expanded) numbers, one-hot categories and missing indicators."""

    schema: Schema
    splines: bool = False
    n_knots: int = 5
    centre: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    has_missing: dict[str, bool] = field(default_factory=dict)
    spline: dict[str, SplineTransformer] = field(default_factory=dict)
    _names: list[str] = field(default_factory=list)
    _groups: list[list[int]] = field(default_factory=list)

    def fit(self, frame: pd.DataFrame, y: np.ndarray | None = None) -> AdditiveEncoder:
        for spec in self.schema.features:
            v = frame[spec.name]
            self.has_missing[spec.name] = bool(pd.isna(v).any())
            if spec.kind == "categorical":
                continue
            x = np.asarray(v, dtype=float)
            finite = x[np.isfinite(x)]
            # the training mean: a value not recorded then adds nothing in a linear model ("no information")
            self.centre[spec.name] = float(np.mean(finite)) if len(finite) else 0.0
            self.scale[spec.name] = float(finite.std()) if len(finite) and finite.std() > 0 else 1.0
            self.bounds[spec.name] = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 0.0)
            if self.splines and spec.kind == "numeric" and len(np.unique(finite)) > self.n_knots:
                st = SplineTransformer(n_knots=self.n_knots, degree=3, knots="quantile", extrapolation="constant")
                st.fit(finite.reshape(-1, 1))
                self.spline[spec.name] = st
        self._layout()
        return self

    def _layout(self) -> None:
        names: list[str] = []
        groups: list[list[int]] = []
        for spec in self.schema.features:
            start = len(names)
            if spec.kind == "categorical":
                names += [f"{spec.name}={c}" for c in spec.categories]
            elif spec.name in self.spline:
                k = self.spline[spec.name].n_features_out_
                names += [f"{spec.name}_s{i}" for i in range(k)]
            else:
                names.append(spec.name)
            if self.has_missing[spec.name]:
                names.append(f"{spec.name}=not recorded")
            groups.append(list(range(start, len(names))))
        self._names, self._groups = names, groups

    @property
    def groups(self) -> list[list[int]]:
        return self._groups

    @property
    def column_names(self) -> list[str]:
        return self._names

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.zeros((len(frame), len(self._names)), dtype=np.float64)
        for spec, cols in zip(self.schema.features, self._groups, strict=True):
            v = frame[spec.name]
            miss = pd.isna(v).to_numpy() if not isinstance(v, np.ndarray) else pd.isna(v)
            if spec.kind == "categorical":
                codes = _category_codes(v, spec)
                rows = np.flatnonzero(codes >= 0)
                out[rows, np.asarray(cols)[codes[rows]]] = 1.0
            else:
                x = np.asarray(v, dtype=float)
                x = np.where(np.isnan(x), self.centre[spec.name], x)
                x = np.clip(x, *self.bounds[spec.name])  # no extrapolation beyond what the model has seen
                if spec.name in self.spline:
                    basis = self.spline[spec.name].transform(x.reshape(-1, 1))
                    out[:, cols[: basis.shape[1]]] = basis
                else:
                    out[:, cols[0]] = (x - self.centre[spec.name]) / self.scale[spec.name]
            if self.has_missing[spec.name]:
                out[:, cols[-1]] = miss.astype(float)
        return out

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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.data.parse import factorize_cells
from core.data.schema import OTHER_LEVEL, FeatureSpec, Schema


def _category_codes(values: pd.Series | np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Index of each value in ``spec.categories``; unseen -> 'other' when it exists, else -1; missing -> -2.

    Each distinct value is looked up once (factorize), so this is fast for one row and for 100,000;
    a column of Arrow-backed text is factorised by Arrow, without a Python string per row.
    """
    lookup = {c: i for i, c in enumerate(spec.categories)}
    other = lookup.get(OTHER_LEVEL, -1)
    if isinstance(values, pd.Series) and not isinstance(values.dtype, np.dtype):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    else:
        codes, uniques = factorize_cells(np.asarray(values, dtype=object))
    mapped = np.array([lookup.get(u, other) for u in uniques] + [-2], dtype=np.int64)
    return mapped[codes]  # code -1 (missing) picks the appended -2


def _n_rows(frame: pd.DataFrame | Mapping[str, np.ndarray], schema: Schema) -> int:
    """Rows of a frame, or of a mapping of feature name -> values (what one patient is encoded from)."""
    if isinstance(frame, pd.DataFrame) or not schema.features:
        return len(frame)
    return len(frame[schema.features[0].name])


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

    def transform(self, frame: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        out = np.empty((_n_rows(frame, self.schema), len(self.schema.features)), dtype=np.float64)
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
    spline: dict[str, Any] = field(default_factory=dict)  # fitted SplineTransformers, by feature
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
                from sklearn.preprocessing import SplineTransformer  # only fitting needs it: scoring stays light

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

    def transform(self, frame: pd.DataFrame | Mapping[str, np.ndarray]) -> np.ndarray:
        """The model matrix. Plain numbers are scaled together as one block (a few array operations
        whatever the number of features, which is what one patient's cost is made of)."""
        n = _n_rows(frame, self.schema)
        out = np.zeros((n, len(self._names)), dtype=np.float64)
        plain = [(spec.name, cols) for spec, cols in zip(self.schema.features, self._groups, strict=True)
                 if spec.kind != "categorical" and spec.name not in self.spline]
        if plain:
            block = np.empty((n, len(plain)), dtype=np.float64)
            for k, (name, _) in enumerate(plain):
                block[:, k] = np.asarray(frame[name], dtype=float)
            centre = np.array([self.centre[name] for name, _ in plain])
            lo, hi = np.array([self.bounds[name] for name, _ in plain]).T
            missing = np.isnan(block)
            np.copyto(block, np.broadcast_to(centre, block.shape), where=missing)
            np.clip(block, lo, hi, out=block)  # no extrapolation beyond what the model has seen
            block -= centre
            block /= np.array([self.scale[name] for name, _ in plain])
            out[:, [cols[0] for _, cols in plain]] = block
            for k, (name, cols) in enumerate(plain):
                if self.has_missing[name]:
                    out[:, cols[-1]] = missing[:, k]
        for spec, cols in zip(self.schema.features, self._groups, strict=True):
            if spec.kind != "categorical" and spec.name not in self.spline:
                continue
            v = frame[spec.name]
            if spec.kind == "categorical":
                codes = _category_codes(v, spec)
                rows = np.flatnonzero(codes >= 0)
                out[rows, np.asarray(cols)[codes[rows]]] = 1.0
                miss = codes == -2
            else:
                x = np.asarray(v, dtype=float)
                miss = np.isnan(x)
                x = np.clip(np.where(miss, self.centre[spec.name], x), *self.bounds[spec.name])
                basis = self.spline[spec.name].transform(x.reshape(-1, 1))
                out[:, cols[: basis.shape[1]]] = basis
            if self.has_missing[spec.name]:
                out[:, cols[-1]] = miss
        return out

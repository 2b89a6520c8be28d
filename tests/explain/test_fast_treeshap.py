"""core.explain.treeshap gives shap's path-dependent TreeSHAP values (to 1e-12) and they add up."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from core.explain import treeshap as fast_treeshap
from core.explain.treeshap import TreeTables, UnsupportedModel, expected_value, shap_values

TOL = 1e-12


def _shap(model: HistGradientBoostingClassifier, X: np.ndarray) -> np.ndarray:
    import shap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = np.asarray(shap.TreeExplainer(model).shap_values(X), dtype=np.float64)
    return values[..., -1] if values.ndim == 3 else values


def _data(seed: int, rows: int, n_features: int, missing: float, levels: int | None = None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n_features)) * rng.choice([1.0, 10.0, 1000.0], size=n_features)
    if levels:  # few distinct values: many ties at thresholds, like encoded categories
        X = np.round(rng.uniform(0, levels, size=(rows, n_features)))
    logit = np.nan_to_num(X[:, 0] / X[:, 0].std()) - 0.5 * np.nan_to_num(X[:, -1] / X[:, -1].std())
    y = (rng.random(rows) < 1 / (1 + np.exp(-2 * logit))).astype(int)
    # missing in every feature, at a rate that depends on the outcome so NaN goes both ways
    rate = np.where(y[:, None] == 1, missing * 1.8, missing * 0.4)
    X[rng.random((rows, n_features)) < rate] = np.nan
    return X, y


def _probe_rows(X: np.ndarray, seed: int) -> np.ndarray:
    """Training rows plus all-NaN, +-inf, +-1e300, zero rows and rows mixing them."""
    rng = np.random.default_rng(seed + 1000)
    n_features = X.shape[1]
    special = np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 0.0])
    mixed = rng.choice(special, size=(20, n_features))
    partly = X[:20].copy()
    partly[rng.random(partly.shape) < 0.5] = np.nan
    fixed = np.vstack([np.full((1, n_features), v) for v in special])
    return np.vstack([X[:150], fixed, mixed, partly])


def _check(model: HistGradientBoostingClassifier, X: np.ndarray) -> TreeTables:
    tables = TreeTables.from_hist_gradient_boosting(model)
    phi = shap_values(tables, X)
    ref = _shap(model, X)
    assert phi.shape == ref.shape == X.shape
    assert np.all(np.isfinite(phi))
    assert np.max(np.abs(phi - ref)) <= TOL
    margin = model.decision_function(X)
    np.testing.assert_allclose(phi.sum(axis=1) + expected_value(tables), margin, rtol=0, atol=1e-9)
    return tables


# (seed, max_depth, max_leaf_nodes, n_features, max_iter, min_samples_leaf, levels)
CASES = [
    *[(s, d, 2 ** d if d else 2, 6, 25, 10, None) for s, d in enumerate((1, 2, 3, 4, 5, 6))],
    *[(10 + s, d, 2 ** d, 5, 25, 5, None) for s, d in enumerate((3, 4, 5, 6))],
    (20, None, 4, 6, 20, 10, None),  # unlimited depth, few leaves: uneven trees
    (21, None, 8, 4, 20, 5, None),
    (22, None, 7, 3, 20, 3, None),
    (23, 6, 64, 2, 15, 3, None),  # two features, deep trees: features repeat on every path
    (24, 6, 64, 1, 15, 3, None),  # one feature: one player per leaf
    (25, 5, 32, 3, 20, 2, 4),  # few distinct values: splits at (and beyond) the extreme values
    (26, 3, 8, 8, 30, 20, 2),
    (27, 4, 16, 33, 40, 20, None),  # Lantern-like width
]


@pytest.mark.parametrize(("seed", "depth", "leaves", "n_features", "iters", "min_leaf", "levels"), CASES)
def test_matches_shap(seed: int, depth: int | None, leaves: int, n_features: int, iters: int, min_leaf: int,
                      levels: int | None) -> None:
    X, y = _data(seed, 600, n_features, missing=0.12, levels=levels)
    model = HistGradientBoostingClassifier(
        max_depth=depth, max_leaf_nodes=leaves, max_iter=iters, min_samples_leaf=min_leaf, learning_rate=0.3,
        early_stopping=False, random_state=seed,
    ).fit(X, y)
    _check(model, _probe_rows(X, seed))


def test_lantern_candidate_settings() -> None:
    """The boosting grid of core.training.candidates (depths 2-4, max_leaf_nodes = 2**depth)."""
    X, y = _data(99, 3000, 12, missing=0.08)
    for depth in (2, 3, 4):
        model = HistGradientBoostingClassifier(
            max_depth=depth, max_leaf_nodes=2**depth, learning_rate=0.05, max_iter=60, min_samples_leaf=50,
            l2_regularization=1.0, early_stopping=False, random_state=depth,
        ).fit(X, y)
        _check(model, _probe_rows(X, depth))


def test_repeated_features_and_small_grouping() -> None:
    """Groups cut small (max_bits=1) and large (12) give the same values as the default."""
    X, y = _data(7, 800, 2, missing=0.2)
    model = HistGradientBoostingClassifier(max_depth=5, max_leaf_nodes=32, max_iter=15, min_samples_leaf=3,
                                           early_stopping=False, random_state=0).fit(X, y)
    probe = _probe_rows(X, 7)
    default = _check(model, probe)
    for max_bits in (1, 3, 12):
        tables = TreeTables.from_hist_gradient_boosting(model, max_bits=max_bits)
        assert np.max(np.abs(shap_values(tables, probe) - shap_values(default, probe))) <= 1e-13


def test_single_leaf_trees() -> None:
    """No split is possible (min_samples_leaf above half the rows): every tree is one leaf."""
    X, y = _data(3, 200, 4, missing=0.1)
    model = HistGradientBoostingClassifier(max_iter=5, min_samples_leaf=150, early_stopping=False).fit(X, y)
    assert all(p[0].get_n_leaf_nodes() == 1 for p in model._predictors)
    tables = _check(model, _probe_rows(X, 3))
    assert np.all(shap_values(tables, X) == 0.0)


def test_constant_feature_mixture() -> None:
    """A constant column never splits; a column that is a value or missing splits on missingness only
    (its threshold is +inf: every number goes left, NaN right, or the reverse)."""
    X, y = _data(4, 500, 5, missing=0.1)
    X[:, 1] = 3.0
    X[:, 3] = np.where(y == 1, np.where(np.random.default_rng(4).random(len(y)) < 0.7, np.nan, 1.0), 1.0)
    model = HistGradientBoostingClassifier(max_depth=3, max_iter=20, early_stopping=False).fit(X, y)
    nodes = np.concatenate([p[0].nodes for p in model._predictors])
    splits = nodes[nodes["is_leaf"] == 0]
    assert np.any(np.isinf(splits["num_threshold"][splits["feature_idx"] == 3]))
    probe = _probe_rows(X, 4)
    tables = _check(model, probe)
    assert np.all(shap_values(tables, probe)[:, 1] == 0.0)


def test_input_handling() -> None:
    X, y = _data(5, 300, 3, missing=0.1)
    model = HistGradientBoostingClassifier(max_depth=2, max_iter=5, early_stopping=False).fit(X, y)
    tables = TreeTables.from_hist_gradient_boosting(model)
    assert shap_values(tables, X[:0]).shape == (0, 3)
    as_float32 = shap_values(tables, X[:50].astype(np.float32))
    np.testing.assert_array_equal(as_float32, shap_values(tables, X[:50].astype(np.float32).astype(np.float64)))
    np.testing.assert_array_equal(shap_values(tables, np.asfortranarray(X[:50])), shap_values(tables, X[:50]))
    with pytest.raises(ValueError, match="shape"):
        shap_values(tables, X[:, :2])


def test_unsupported_models() -> None:
    X, y = _data(6, 400, 3, missing=0.0)
    with pytest.raises(UnsupportedModel):
        TreeTables.from_hist_gradient_boosting(HistGradientBoostingRegressor(max_iter=3).fit(X, y))
    with pytest.raises(UnsupportedModel):
        TreeTables.from_hist_gradient_boosting(HistGradientBoostingClassifier(max_iter=3))  # not fitted
    three = np.asarray(y) + (X[:, 1] > 0)
    with pytest.raises(UnsupportedModel):
        TreeTables.from_hist_gradient_boosting(HistGradientBoostingClassifier(max_iter=3).fit(X, three))
    Xc = X.copy()
    Xc[:, 2] = np.random.default_rng(0).integers(0, 4, len(X))
    categorical = HistGradientBoostingClassifier(max_iter=3, categorical_features=[2]).fit(Xc, y)
    with pytest.raises(UnsupportedModel):
        TreeTables.from_hist_gradient_boosting(categorical)
    with pytest.raises(UnsupportedModel):
        TreeTables.from_hist_gradient_boosting(object())
    Xb, yb = _data(6, 3000, 8, missing=0.0)
    big = HistGradientBoostingClassifier(max_leaf_nodes=80, max_depth=None, max_iter=1, min_samples_leaf=2,
                                         early_stopping=False).fit(Xb, yb)
    if big._predictors[0][0].get_n_leaf_nodes() > 65:  # more than 64 splits in a tree
        with pytest.raises(UnsupportedModel, match="splits"):
            TreeTables.from_hist_gradient_boosting(big)


def test_explainer_uses_fast_path_and_falls_back() -> None:
    from core.explain.explainer import Explainer

    X, y = _data(8, 500, 4, missing=0.1)
    model = HistGradientBoostingClassifier(max_depth=3, max_iter=20, early_stopping=False).fit(X, y)
    lantern = SimpleNamespace(
        is_linear=False, estimator=model, margin=model.decision_function,
        encoder=SimpleNamespace(groups=[[0], [1], [2], [3]]),
    )
    explainer = Explainer(lantern, 0.2)  # type: ignore[arg-type]
    phi, _ = explainer.log_odds(X)
    assert isinstance(explainer._tree_tables, TreeTables)
    assert "_tree_explainer" not in explainer.__dict__  # shap was not needed
    assert np.max(np.abs(phi - _shap(model, X))) <= TOL

    Xc = X.copy()
    Xc[:, 2] = np.random.default_rng(0).integers(0, 4, len(X))
    categorical = HistGradientBoostingClassifier(max_iter=5, categorical_features=[2]).fit(Xc, y)
    lantern.estimator, lantern.margin = categorical, categorical.decision_function
    fallback = Explainer(lantern, 0.2)  # type: ignore[arg-type]
    phi_c, _ = fallback.log_odds(Xc)
    assert fallback._tree_tables is None
    assert phi_c.shape == Xc.shape


def test_import_does_not_compile() -> None:
    import subprocess
    import sys

    code = ("import sys, core.explain.treeshap, core.explain.treeshap_kernel as k; assert k._kernel is None; "
            "assert 'numba' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=fast_treeshap.__file__.rsplit("/core/", 1)[0])

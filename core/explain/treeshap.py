"""Exact path-dependent TreeSHAP for Lantern's gradient-boosted trees, compiled with numba.

The values are those of ``shap.TreeExplainer(model).shap_values(X)`` (the default
path-dependent algorithm, log-odds, positive class) for a binary
``HistGradientBoostingClassifier`` on numeric features, to about 1e-15; they are just
computed differently (the "Fast TreeSHAP v2" idea: move the work per leaf from every row
to one build per model).

Why it is exact
---------------
Path-dependent TreeSHAP explains the game v(S) = E[f(x) | x_S] in which a tree, given the
features in S, follows the row's value at splits on S and, at every other split, goes
both ways, each weighted by the share of the training cover (``count``) that went that
way. A tree is a sum of its leaves and the Shapley value is linear, so each leaf l can be
explained on its own. Let U be the distinct features on l's root-to-leaf path (k = |U|)
and, for j in U,

* z_j = product over the path's edges on feature j of (child cover / parent cover), the
  fraction of training rows the tree sends down l's edges on j;
* o_j(x) = 1 if row x follows every edge of the path on j (NaN follows
  ``missing_go_to_left``), else 0.

Then leaf l adds v_l * prod_{j in U} (o_j if j in S else z_j) to v(S): a product game.
Adding i to S changes it by v_l (o_i - z_i) prod_{j in S} o_j prod_{j not in S, j != i} z_j,
so its Shapley value for i in U (weights w(s) = s!(k-s-1)!/k! over S subset of U - {i}) is

    phi_i = v_l (o_i - z_i) sum_S w(|S|) prod_{j in S} o_j prod_{j not in S, j != i} z_j,

and 0 for features not in U. A feature repeated on the path is one player (its edges
multiply into z_j and AND into o_j), exactly as shap's "unwind" step treats it. This is
the number shap's recursive algorithm computes, with the same covers (``count`` of
``_predictors[i][0].nodes``, which shap reads as ``node_sample_weight``) and the same
split rule as sklearn's predictor (x <= threshold goes left, NaN to the missing side);
only the order of the floating point operations differs (differences ~1e-15).

How it is fast
--------------
Because o is a 0/1 pattern, phi for a leaf is a table over its 2^k patterns, computed once
per model by an O(k^2) dynamic programme over the subset size |S| (``_leaf_tables``).
Going further, the leaves below one node share their prefix: for a group (a subtree and
the path that leads to it) every leaf's pattern is a function of a few bits - one per
internal node of the subtree (does the row go left there) and one per distinct feature on
the prefix (does the row follow every prefix edge on it) - so the group's leaf tables are
summed into one table indexed by those bits (at most ``max_bits``, default 8: a tree of
depth <= 3 is one group, depth 4 two, depth 5 eight). Per row and tree the kernel decides
every split once into a 64-bit word (internal nodes numbered in pre-order, so a
subtree's bits are consecutive), forms each group's index with a shift, a mask and one
comparison per prefix feature, and adds one table row per group: O(splits + groups x
depth) per row and tree, branch-free and vectorised over blocks of rows, against shap's
O(leaves x depth^2). Trees with more than 64 splits, or a path with more than
``MAX_LEAF_FEATURES`` distinct features, raise ``UnsupportedModel`` (the caller falls
back to shap); Lantern's trees have at most 15 splits.

The reference value (``expected_value``) is the model's baseline plus, per tree, the
cover-weighted mean of its leaves, sum_l v_l prod_j z_j; by the Shapley efficiency axiom
phi.sum(axis=1) + expected_value equals ``decision_function(X)`` up to rounding.

Where it lives: this module is the public API; ``treeshap_tables`` builds the tables from
a model's trees, ``treeshap_kernel`` holds the numba kernel that applies them to rows.

Compilation: the kernel is compiled by numba on its first call (a few seconds), once per
process; importing this module imports neither numba nor compiles anything. With
``cache=True`` numba keeps the machine code in ``core/explain/__pycache__`` (gitignored), so
later processes load it (about 0.3 s) instead of compiling; where that directory is not
writable numba uses its user cache, and without either the kernel compiles uncached.
"""

from __future__ import annotations

import numpy as np

from core.explain.treeshap_kernel import run_kernel
from core.explain.treeshap_tables import MAX_LEAF_FEATURES, TreeTables, UnsupportedModel, build_tables

__all__ = ("MAX_LEAF_FEATURES", "TreeTables", "UnsupportedModel", "expected_value", "shap_values", "warm_up")


def expected_value(tables: TreeTables) -> float:
    """The reference log-odds: baseline + the cover-weighted mean leaf value of every tree."""
    return tables.expected


def shap_values(tables: TreeTables, X: np.ndarray) -> np.ndarray:
    """Path-dependent TreeSHAP values in log-odds, shape (n_rows, n_features)."""
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    if X.ndim != 2 or X.shape[1] != tables.n_features:
        raise ValueError(f"X must have shape (n, {tables.n_features}), got {X.shape}")
    out = np.zeros(X.shape, dtype=np.float64)
    if X.shape[0] == 0 or len(tables.table) == 0:
        return out
    run_kernel(tables, X, out)
    return out


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernel now rather than on the first explanation."""
    tree = {
        "feature": np.array([0, 0, -1, -1, -1]), "threshold": np.array([0.0, -1.0, 0.0, 0.0, 0.0]),
        "missing_left": np.array([1, 0, 0, 0, 0], dtype=np.uint8), "left": np.array([1, 2, 0, 0, 0]),
        "right": np.array([4, 3, 0, 0, 0]), "is_leaf": np.array([False, False, True, True, True]),
        "count": np.array([4.0, 3.0, 1.0, 2.0, 1.0]), "value": np.array([0.0, 0.0, -1.0, 0.5, 1.0]),
    }
    shap_values(build_tables([tree], 1, 0.0, 1), np.array([[0.5], [np.nan]]))

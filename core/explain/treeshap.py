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

Compilation: the kernel is compiled by numba on its first call (a few seconds), once per
process; importing this module imports neither numba nor compiles anything. With
``cache=True`` numba keeps the machine code in ``core/explain/__pycache__`` (gitignored), so
later processes load it (about 0.3 s) instead of compiling; where that directory is not
writable numba uses its user cache, and without either the kernel compiles uncached.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np

MAX_LEAF_FEATURES = 12  # distinct features on one path; a leaf table has 2^k x k entries
MAX_INTERNAL_NODES = 64  # one bit per internal node in a 64-bit word
MAX_TABLE_ENTRIES = 40_000_000  # 320 MB of float64: refuse rather than exhaust memory
DEFAULT_MAX_BITS = 8
BLOCK_ROWS = 256

_lock = threading.Lock()
_kernel: Any = None


class UnsupportedModel(ValueError):  # noqa: N818 - the name the callers use
    """The model is not one this module explains exactly (the caller should use shap)."""


@dataclass(frozen=True)
class TreeTables:
    """Everything the kernel needs for one model: split tests, group index rules and tables.

    Build with ``TreeTables.from_hist_gradient_boosting(estimator)``; read-only afterwards.
    Internal nodes are numbered per tree in pre-order (left first), so the internal nodes
    of any subtree are consecutive bits of the word ``D`` (bit i set: the row goes left at
    internal node i). A group's table index is ``(D >> sub_shift) & sub_mask`` (its
    subtree's nodes) with one more bit per prefix feature above those: set when
    ``D & pref_mask == pref_want`` (the row follows every prefix edge on that feature).
    """

    n_features: int
    baseline: float
    expected: float
    tree_int_ptr: np.ndarray  # (n_trees + 1,) int64: each tree's internal nodes
    int_feature: np.ndarray  # int64
    int_threshold: np.ndarray  # float64: x <= threshold goes left
    int_missing_left: np.ndarray  # uint64 0/1: NaN goes left
    tree_group_ptr: np.ndarray  # (n_trees + 1,) int64
    group_sub_shift: np.ndarray  # int64
    group_sub_mask: np.ndarray  # uint64
    group_n_sub: np.ndarray  # int64: prefix bits start here
    group_pref_ptr: np.ndarray  # (n_groups + 1,) int64
    pref_mask: np.ndarray  # uint64
    pref_want: np.ndarray  # uint64
    group_col_ptr: np.ndarray  # (n_groups + 1,) int64
    col_feature: np.ndarray  # int64, the feature of each table column
    group_table_offset: np.ndarray  # (n_groups,) int64
    table: np.ndarray  # float64, every group's table, row-major (2^bits, n_cols)

    @property
    def n_trees(self) -> int:
        return len(self.tree_int_ptr) - 1

    @classmethod
    def from_hist_gradient_boosting(cls, estimator: Any, max_bits: int = DEFAULT_MAX_BITS) -> TreeTables:
        """Tables for a fitted binary ``HistGradientBoostingClassifier`` on numeric features.

        Raises ``UnsupportedModel`` for anything else (other estimators, multiclass,
        categorical splits, unfitted models, trees over 64 splits or paths over
        ``MAX_LEAF_FEATURES`` distinct features).
        """
        from sklearn.ensemble import HistGradientBoostingClassifier

        if not isinstance(estimator, HistGradientBoostingClassifier):
            raise UnsupportedModel(f"not a HistGradientBoostingClassifier: {type(estimator).__name__}")
        predictors = getattr(estimator, "_predictors", None)
        if predictors is None:
            raise UnsupportedModel("the model is not fitted")
        if getattr(estimator, "n_trees_per_iteration_", 1) != 1 or any(len(p) != 1 for p in predictors):
            raise UnsupportedModel("only binary classification (one tree per iteration) is supported")
        if getattr(estimator, "is_categorical_", None) is not None and np.any(estimator.is_categorical_):
            raise UnsupportedModel("native categorical features are not supported")
        baseline = np.asarray(estimator._baseline_prediction, dtype=np.float64)
        if baseline.size != 1:
            raise UnsupportedModel("only a single baseline prediction is supported")
        trees = [_parse_nodes(p[0].nodes) for p in predictors]
        return _build(trees, int(estimator.n_features_in_), float(baseline.ravel()[0]), max_bits)


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
    kernel = _get_kernel()
    t = tables
    # one call at a time: the kernel already uses every core, and numba's "workqueue"
    # threading layer (the fallback when neither TBB nor OpenMP loads) is not thread-safe
    with _lock, _threads_for(X.shape[0]):
        kernel(X, t.tree_int_ptr, t.int_feature, t.int_threshold, t.int_missing_left, t.tree_group_ptr,
               t.group_sub_shift, t.group_sub_mask, t.group_n_sub, t.group_pref_ptr, t.pref_mask, t.pref_want,
               t.group_col_ptr, t.col_feature, t.group_table_offset, t.table, BLOCK_ROWS, out)
    return out


@contextmanager
def _threads_for(n_rows: int) -> Iterator[None]:
    """One thread for a single block of rows (a patient, a what-if search): waking the pool costs more than it saves."""
    if n_rows > BLOCK_ROWS:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def warm_up() -> None:
    """Compile (or load from numba's cache) the kernel now rather than on the first explanation."""
    tree = {
        "feature": np.array([0, 0, -1, -1, -1]), "threshold": np.array([0.0, -1.0, 0.0, 0.0, 0.0]),
        "missing_left": np.array([1, 0, 0, 0, 0], dtype=np.uint8), "left": np.array([1, 2, 0, 0, 0]),
        "right": np.array([4, 3, 0, 0, 0]), "is_leaf": np.array([False, False, True, True, True]),
        "count": np.array([4.0, 3.0, 1.0, 2.0, 1.0]), "value": np.array([0.0, 0.0, -1.0, 0.5, 1.0]),
    }
    shap_values(_build([tree], 1, 0.0, 1), np.array([[0.5], [np.nan]]))


# --------------------------------------------------------------------------- build


def _parse_nodes(nodes: np.ndarray) -> dict[str, np.ndarray]:
    names = nodes.dtype.names or ()
    if "is_categorical" in names and np.any(nodes["is_categorical"][nodes["is_leaf"] == 0]):
        raise UnsupportedModel("categorical (bitset) splits are not supported")
    threshold_field = "num_threshold" if "num_threshold" in names else "threshold"
    is_leaf = nodes["is_leaf"].astype(bool)
    return {
        "feature": np.where(is_leaf, -1, nodes["feature_idx"]).astype(np.int64),
        "threshold": nodes[threshold_field].astype(np.float64),
        "missing_left": nodes["missing_go_to_left"].astype(np.uint8),
        "left": nodes["left"].astype(np.int64),
        "right": nodes["right"].astype(np.int64),
        "is_leaf": is_leaf,
        "count": nodes["count"].astype(np.float64),  # shap's node_sample_weight
        "value": nodes["value"].astype(np.float64),
    }


@dataclass
class _Leaf:
    value: float
    features: list[int]  # distinct path features, in order of first appearance
    z: np.ndarray  # cover fraction per distinct feature
    table: np.ndarray | None = None  # (2^k, k) once computed


def _leaf_tables(leaves: list[_Leaf]) -> None:
    """Set ``leaf.table[pattern, p]``: the leaf's Shapley value for its p-th feature when o = the pattern's bits."""
    by_k: dict[int, list[_Leaf]] = {}
    for leaf in leaves:
        by_k.setdefault(len(leaf.features), []).append(leaf)
    for k, group in by_k.items():
        n_patterns = 1 << k
        o = ((np.arange(n_patterns)[:, None] >> np.arange(k)[None, :]) & 1).astype(np.float64)  # (P, k)
        weights = np.array([factorial(s) * factorial(k - 1 - s) / factorial(k) for s in range(k)])
        chunk = max(1, 2_000_000 // (n_patterns * max(k, 1) ** 2))
        for start in range(0, len(group), chunk):
            part = group[start:start + chunk]
            z = np.array([leaf.z for leaf in part]).reshape(len(part), k)
            v = np.array([leaf.value for leaf in part])
            out = np.empty((len(part), n_patterns, k))
            for i in range(k):
                # coefficients, by the power of t (= |S|), of prod_{j != i} (z_j + o_j t)
                c = np.zeros((len(part), n_patterns, k))
                c[:, :, 0] = 1.0
                for j in range(k):
                    if j != i:
                        shifted = c[:, :, :-1] * o[None, :, j, None]
                        c *= z[:, j, None, None]
                        c[:, :, 1:] += shifted
                out[:, :, i] = v[:, None] * (o[None, :, i] - z[:, i, None]) * (c @ weights)
            for leaf, table in zip(part, out, strict=True):
                leaf.table = table


@dataclass
class _Group:
    tree: int
    sub_shift: int  # pre-order id of the subtree's root (when it is internal)
    sub_internal: list[int]  # the subtree's internal nodes, in pre-order: index bits 0..m-1
    prefix: list[tuple[int, int, int]]  # per prefix feature (feature, mask, want): the next bits
    cols: list[int]
    leaves: list[tuple[_Leaf, list[tuple[int, int]]]]  # each leaf with its edges in the subtree
    node_feature: dict[int, int]  # feature of each subtree internal node (by pre-order id)


def _build(trees: list[dict[str, np.ndarray]], n_features: int, baseline: float, max_bits: int) -> TreeTables:
    groups: list[_Group] = []
    all_leaves: list[_Leaf] = []
    expected = baseline
    int_feature: list[np.ndarray] = []
    int_threshold: list[np.ndarray] = []
    int_missing: list[np.ndarray] = []
    for t, tree in enumerate(trees):
        preorder = _internal_preorder(tree)
        int_feature.append(tree["feature"][preorder])
        int_threshold.append(tree["threshold"][preorder])
        int_missing.append(tree["missing_left"][preorder])
        expected += _tree_groups(t, tree, preorder, max_bits, groups, all_leaves)
    n_entries = sum((1 << (len(g.sub_internal) + len(g.prefix))) * len(g.cols) for g in groups)
    n_entries += sum((1 << len(leaf.features)) * len(leaf.features) for leaf in all_leaves)
    if n_entries > MAX_TABLE_ENTRIES:
        raise UnsupportedModel(f"the tables would need {n_entries:,} entries")
    _leaf_tables(all_leaves)

    tree_int_ptr = np.zeros(len(trees) + 1, dtype=np.int64)
    tree_int_ptr[1:] = np.cumsum([len(f) for f in int_feature])
    tree_group_ptr = np.zeros(len(trees) + 1, dtype=np.int64)
    tree_group_ptr[1:] = np.cumsum(np.bincount([g.tree for g in groups], minlength=len(trees)))
    pref_ptr, col_ptr, offsets = [0], [0], []
    pref_mask: list[int] = []
    pref_want: list[int] = []
    col_feature: list[int] = []
    tables: list[np.ndarray] = []
    offset = 0
    for g in groups:
        table = _group_table(g)
        for _, mask, want in g.prefix:
            pref_mask.append(mask)
            pref_want.append(want)
        pref_ptr.append(len(pref_mask))
        col_feature.extend(g.cols)
        col_ptr.append(len(col_feature))
        offsets.append(offset)
        offset += table.size
        tables.append(table.ravel())

    def ints(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.int64)

    def words(values: list[int]) -> np.ndarray:
        return np.asarray(values, dtype=np.uint64)

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    return TreeTables(
        n_features=n_features,
        baseline=baseline,
        expected=float(expected),
        tree_int_ptr=tree_int_ptr,
        int_feature=cat(int_feature, np.int64),
        int_threshold=cat(int_threshold, np.float64),
        int_missing_left=cat(int_missing, np.uint64),
        tree_group_ptr=tree_group_ptr,
        group_sub_shift=ints([g.sub_shift for g in groups]),
        group_sub_mask=words([(1 << len(g.sub_internal)) - 1 for g in groups]),
        group_n_sub=ints([len(g.sub_internal) for g in groups]),
        group_pref_ptr=ints(pref_ptr),
        pref_mask=words(pref_mask),
        pref_want=words(pref_want),
        group_col_ptr=ints(col_ptr),
        col_feature=ints(col_feature),
        group_table_offset=ints(offsets),
        table=cat(tables, np.float64),
    )


def _internal_preorder(tree: dict[str, np.ndarray]) -> np.ndarray:
    """The tree's internal nodes in pre-order, left child first (a subtree is then a run of ids)."""
    order: list[int] = []
    stack = [0]
    while stack:
        node = stack.pop()
        if not tree["is_leaf"][node]:
            order.append(node)
            stack.extend((int(tree["right"][node]), int(tree["left"][node])))
    if len(order) > MAX_INTERNAL_NODES:
        raise UnsupportedModel(f"a tree has {len(order)} splits (at most {MAX_INTERNAL_NODES} are supported)")
    return np.asarray(order, dtype=np.int64)


def _tree_groups(t: int, tree: dict[str, np.ndarray], preorder: np.ndarray, max_bits: int, groups: list[_Group],
                 all_leaves: list[_Leaf]) -> float:
    """Cut one tree into groups (appended to ``groups``); return its cover-weighted mean leaf value.

    A group is a node's subtree with the path leading to it; it is cut further while its
    index would need more than ``max_bits`` bits (a leaf is always a group).
    """
    feature, left, right, is_leaf, count = tree["feature"], tree["left"], tree["right"], tree["is_leaf"], tree["count"]
    pid = {int(node): i for i, node in enumerate(preorder)}
    n_internal = np.zeros(len(feature), dtype=np.int64)
    for node in preorder[::-1]:  # children come after their parent in pre-order
        n_internal[node] = 1 + n_internal[left[node]] + n_internal[right[node]]
    mean = 0.0

    def make_leaf(node: int, path: list[tuple[int, int]]) -> _Leaf:
        nonlocal mean
        feats: list[int] = []
        z: list[float] = []
        weight = 1.0
        for parent, went_left in path:
            ratio = count[left[parent] if went_left else right[parent]] / count[parent]
            f = int(feature[parent])
            if f in feats:
                p = feats.index(f)
                z[p] = ratio * z[p]
            else:
                feats.append(f)
                z.append(ratio)
            weight *= ratio
        value = float(tree["value"][node])
        mean += value * weight
        if len(feats) > MAX_LEAF_FEATURES:
            raise UnsupportedModel(f"a leaf has {len(feats)} distinct features on its path")
        leaf = _Leaf(value=value, features=feats, z=np.asarray(z, dtype=np.float64))
        all_leaves.append(leaf)
        return leaf

    def visit(node: int, prefix: list[tuple[int, int]]) -> None:
        prefix_features = list(dict.fromkeys(int(feature[p]) for p, _ in prefix))
        if len(prefix_features) + n_internal[node] > max_bits and not is_leaf[node]:
            visit(int(left[node]), [*prefix, (node, 1)])
            visit(int(right[node]), [*prefix, (node, 0)])
            return
        rules = []
        for f in prefix_features:
            mask = want = 0
            for p, went_left in prefix:
                if feature[p] == f:
                    mask |= 1 << pid[p]
                    want |= (1 << pid[p]) if went_left else 0
            rules.append((f, mask, want))
        sub_internal: list[int] = []
        leaves: list[tuple[_Leaf, list[tuple[int, int]]]] = []
        walk: list[tuple[int, list[tuple[int, int]]]] = [(node, [])]
        while walk:  # pre-order, left first
            current, sub_path = walk.pop()
            if is_leaf[current]:
                leaves.append((make_leaf(current, prefix + sub_path), [(pid[n], d) for n, d in sub_path]))
                continue
            sub_internal.append(pid[current])
            walk.append((int(right[current]), [*sub_path, (current, 0)]))
            walk.append((int(left[current]), [*sub_path, (current, 1)]))
        shift = sub_internal[0] if sub_internal else 0
        assert sub_internal == list(range(shift, shift + len(sub_internal)))  # a run of pre-order ids
        node_feature = {i: int(feature[preorder[i]]) for i in sub_internal}
        cols = list(dict.fromkeys(prefix_features + list(node_feature.values())))
        if cols:  # a single-leaf tree only adds to the expected value
            groups.append(_Group(t, shift, sub_internal, rules, cols, leaves, node_feature))

    visit(0, [])
    return mean


def _group_table(g: _Group) -> np.ndarray:
    """Sum the group's leaf tables into one table over the group's index."""
    m = len(g.sub_internal)
    n_index = 1 << (m + len(g.prefix))
    index = np.arange(n_index, dtype=np.int64)
    prefix_bit = {f: 1 << (m + b) for b, (f, _, _) in enumerate(g.prefix)}
    col = {f: c for c, f in enumerate(g.cols)}
    table = np.zeros((n_index, len(g.cols)))
    for leaf, sub_path in g.leaves:
        assert leaf.table is not None
        pattern = np.zeros(n_index, dtype=np.int64)
        for p, f in enumerate(leaf.features):
            # o_f = 1 where the index has the prefix bit of f set and, at each of the
            # leaf's subtree splits on f, the direction the leaf's path takes
            mask = want = prefix_bit.get(f, 0)
            for node, went_left in sub_path:
                if g.node_feature[node] == f:
                    bit = 1 << (node - g.sub_shift)
                    mask |= bit
                    want |= bit if went_left else 0
            pattern |= ((index & mask) == want).astype(np.int64) << p
        table[:, [col[f] for f in leaf.features]] += leaf.table[pattern]
    return table


# --------------------------------------------------------------------------- kernel


def _get_kernel() -> Any:
    """The compiled kernel; numba compiles it (or loads its cache) on the first call, once per process."""
    global _kernel
    if _kernel is None:
        with _lock:
            if _kernel is None:
                _kernel = _make_kernel()
    return _kernel


def _make_kernel() -> Any:
    import numba
    from numba import prange

    def kernel(X, tree_int_ptr, int_feature, int_threshold, int_missing_left, tree_group_ptr,
               group_sub_shift, group_sub_mask, group_n_sub, group_pref_ptr, pref_mask, pref_want,
               group_col_ptr, col_feature, group_table_offset, table, block_rows, out):
        # Blocks of rows in parallel; within a block, tree by tree, and within a tree each step
        # runs over the block's rows held feature-major (contiguous, so LLVM vectorises it).
        n_rows, n_features = X.shape
        n_trees = tree_int_ptr.shape[0] - 1
        n_blocks = (n_rows + block_rows - 1) // block_rows
        for blk in prange(n_blocks):
            start = blk * block_rows
            nb = min(start + block_rows, n_rows) - start
            xt = np.empty((n_features, nb))
            acc = np.zeros((n_features, nb))
            for j in range(nb):
                for f in range(n_features):
                    xt[f, j] = X[start + j, f]
            d = np.empty(nb, dtype=np.uint64)
            index = np.empty(nb, dtype=np.int64)
            for t in range(n_trees):
                i0 = tree_int_ptr[t]
                # every split decided once per row, branch-free: bit i of d[j] set = row j goes left
                for j in range(nb):
                    d[j] = 0
                for i in range(tree_int_ptr[t + 1] - i0):
                    xf = xt[int_feature[i0 + i]]
                    threshold = int_threshold[i0 + i]
                    missing_left = int_missing_left[i0 + i]
                    bit = np.uint64(i)
                    for j in range(nb):
                        x = xf[j]
                        d[j] |= (np.uint64(x <= threshold) | (np.uint64(x != x) & missing_left)) << bit
                for g in range(tree_group_ptr[t], tree_group_ptr[t + 1]):
                    shift = np.uint64(group_sub_shift[g])
                    mask = group_sub_mask[g]
                    for j in range(nb):
                        index[j] = np.int64((d[j] >> shift) & mask)
                    bit_at = group_n_sub[g]
                    for p in range(group_pref_ptr[g], group_pref_ptr[g + 1]):
                        pm = pref_mask[p]
                        pw = pref_want[p]
                        for j in range(nb):
                            index[j] |= np.int64((d[j] & pm) == pw) << bit_at
                        bit_at += 1
                    c0 = group_col_ptr[g]
                    n_cols = group_col_ptr[g + 1] - c0
                    offset = group_table_offset[g]
                    for j in range(nb):
                        index[j] = offset + index[j] * n_cols
                    for c in range(n_cols):
                        column = acc[col_feature[c0 + c]]
                        for j in range(nb):
                            column[j] += table[index[j] + c]
            for j in range(nb):
                for f in range(n_features):
                    out[start + j, f] = acc[f, j]

    options = {"parallel": True, "fastmath": False, "nogil": True}
    try:
        return numba.njit(cache=True, **options)(kernel)
    except RuntimeError:  # numba found nowhere to write its cache
        return numba.njit(cache=False, **options)(kernel)

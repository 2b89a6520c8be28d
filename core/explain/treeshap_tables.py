"""Building TreeSHAP's path tables from a fitted model's trees, once per model.

The maths is in core/explain/treeshap.py's docstring. Here each tree is cut into groups
(a subtree and the path leading to it), every leaf's Shapley values are tabulated over
its 0/1 patterns, and a group's leaf tables are summed into one table the kernel
(core/explain/treeshap_kernel.py) reads with a shift, a mask and a few comparisons.
Importing this module imports neither scikit-learn nor numba.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial
from typing import Any

import numpy as np

MAX_LEAF_FEATURES = 12  # distinct features on one path; a leaf table has 2^k x k entries
MAX_INTERNAL_NODES = 64  # one bit per internal node in a 64-bit word
MAX_TABLE_ENTRIES = 40_000_000  # 320 MB of float64: refuse rather than exhaust memory
DEFAULT_MAX_BITS = 8


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
        trees = [parse_nodes(p[0].nodes) for p in predictors]
        return build_tables(trees, int(estimator.n_features_in_), float(baseline.ravel()[0]), max_bits)


def parse_nodes(nodes: np.ndarray) -> dict[str, np.ndarray]:
    """A predictor's node records -> plain arrays by name (leaves get feature -1)."""
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


@dataclass
class _Group:
    tree: int
    sub_shift: int  # pre-order id of the subtree's root (when it is internal)
    sub_internal: list[int]  # the subtree's internal nodes, in pre-order: index bits 0..m-1
    prefix: list[tuple[int, int, int]]  # per prefix feature (feature, mask, want): the next bits
    cols: list[int]
    leaves: list[tuple[_Leaf, list[tuple[int, int]]]]  # each leaf with its edges in the subtree
    node_feature: dict[int, int]  # feature of each subtree internal node (by pre-order id)


def build_tables(trees: list[dict[str, np.ndarray]], n_features: int, baseline: float, max_bits: int) -> TreeTables:
    """Cut every tree into groups, tabulate the leaves and pack it all into flat arrays for the kernel."""
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
    return TreeTables(
        n_features=n_features,
        baseline=baseline,
        expected=float(expected),
        tree_int_ptr=tree_int_ptr,
        int_feature=_concat(int_feature, np.int64),
        int_threshold=_concat(int_threshold, np.float64),
        int_missing_left=_concat(int_missing, np.uint64),
        tree_group_ptr=tree_group_ptr,
        **_pack_groups(groups),
    )


def _pack_groups(groups: list[_Group]) -> dict[str, np.ndarray]:
    """The groups' index rules and summed tables as the flat arrays ``TreeTables`` holds."""
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
    return {
        "group_sub_shift": _ints([g.sub_shift for g in groups]),
        "group_sub_mask": _words([(1 << len(g.sub_internal)) - 1 for g in groups]),
        "group_n_sub": _ints([len(g.sub_internal) for g in groups]),
        "group_pref_ptr": _ints(pref_ptr),
        "pref_mask": _words(pref_mask),
        "pref_want": _words(pref_want),
        "group_col_ptr": _ints(col_ptr),
        "col_feature": _ints(col_feature),
        "group_table_offset": _ints(offsets),
        "table": _concat(tables, np.float64),
    }


def _ints(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def _words(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.uint64)


def _concat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


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
    cutter = _TreeCutter(t, tree, preorder, max_bits, groups, all_leaves)
    cutter.visit(0, [])
    return cutter.mean


class _TreeCutter:
    """One tree's walk: the recursion shares the tree's arrays, the groups found and the running mean."""

    def __init__(self, t: int, tree: dict[str, np.ndarray], preorder: np.ndarray, max_bits: int,
                 groups: list[_Group], all_leaves: list[_Leaf]) -> None:
        self.t, self.tree, self.preorder, self.max_bits = t, tree, preorder, max_bits
        self.groups, self.all_leaves = groups, all_leaves
        self.pid = {int(node): i for i, node in enumerate(preorder)}
        left, right = tree["left"], tree["right"]
        self.n_internal = np.zeros(len(tree["feature"]), dtype=np.int64)
        for node in preorder[::-1]:  # children come after their parent in pre-order
            self.n_internal[node] = 1 + self.n_internal[left[node]] + self.n_internal[right[node]]
        self.mean = 0.0

    def visit(self, node: int, prefix: list[tuple[int, int]]) -> None:
        """Make ``node``'s subtree one group, or cut it at ``node`` when its index would need too many bits."""
        feature = self.tree["feature"]
        prefix_features = list(dict.fromkeys(int(feature[p]) for p, _ in prefix))
        if len(prefix_features) + self.n_internal[node] > self.max_bits and not self.tree["is_leaf"][node]:
            self.visit(int(self.tree["left"][node]), [*prefix, (node, 1)])
            self.visit(int(self.tree["right"][node]), [*prefix, (node, 0)])
            return
        rules = [self._prefix_rule(f, prefix) for f in prefix_features]
        sub_internal, leaves = self._subtree(node, prefix)
        shift = sub_internal[0] if sub_internal else 0
        assert sub_internal == list(range(shift, shift + len(sub_internal)))  # a run of pre-order ids
        node_feature = {i: int(feature[self.preorder[i]]) for i in sub_internal}
        cols = list(dict.fromkeys(prefix_features + list(node_feature.values())))
        if cols:  # a single-leaf tree only adds to the expected value
            self.groups.append(_Group(self.t, shift, sub_internal, rules, cols, leaves, node_feature))

    def _prefix_rule(self, f: int, prefix: list[tuple[int, int]]) -> tuple[int, int, int]:
        """(feature, mask, want): the row follows every prefix edge on ``f`` when ``D & mask == want``."""
        mask = want = 0
        for p, went_left in prefix:
            if self.tree["feature"][p] == f:
                mask |= 1 << self.pid[p]
                want |= (1 << self.pid[p]) if went_left else 0
        return f, mask, want

    def _subtree(self, node: int, prefix: list[tuple[int, int]]
                 ) -> tuple[list[int], list[tuple[_Leaf, list[tuple[int, int]]]]]:
        """The subtree's internal nodes (pre-order ids) and its leaves, each with its edges below ``node``."""
        is_leaf, left, right = self.tree["is_leaf"], self.tree["left"], self.tree["right"]
        sub_internal: list[int] = []
        leaves: list[tuple[_Leaf, list[tuple[int, int]]]] = []
        walk: list[tuple[int, list[tuple[int, int]]]] = [(node, [])]
        while walk:  # pre-order, left first
            current, sub_path = walk.pop()
            if is_leaf[current]:
                leaves.append((self._leaf(current, prefix + sub_path), [(self.pid[n], d) for n, d in sub_path]))
                continue
            sub_internal.append(self.pid[current])
            walk.append((int(right[current]), [*sub_path, (current, 0)]))
            walk.append((int(left[current]), [*sub_path, (current, 1)]))
        return sub_internal, leaves

    def _leaf(self, node: int, path: list[tuple[int, int]]) -> _Leaf:
        """The leaf at the end of ``path``: its distinct features and their cover fractions z."""
        feature, left, right, count = self.tree["feature"], self.tree["left"], self.tree["right"], self.tree["count"]
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
        value = float(self.tree["value"][node])
        self.mean += value * weight
        if len(feats) > MAX_LEAF_FEATURES:
            raise UnsupportedModel(f"a leaf has {len(feats)} distinct features on its path")
        leaf = _Leaf(value=value, features=feats, z=np.asarray(z, dtype=np.float64))
        self.all_leaves.append(leaf)
        return leaf


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

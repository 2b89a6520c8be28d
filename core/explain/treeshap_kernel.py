"""The numba kernel that applies TreeSHAP's path tables to rows, compiled lazily once per process.

The maths and the table layout are in core/explain/treeshap.py and treeshap_tables.py.
The kernel runs blocks of rows in parallel; within a block, tree by tree, and within a
tree each step runs over the block's rows held feature-major (contiguous, so LLVM
vectorises it). Importing this module imports neither numba nor compiles anything: the
kernel is compiled (or loaded from numba's cache in ``core/explain/__pycache__``) on the
first call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from core.explain.treeshap_tables import TreeTables

BLOCK_ROWS = 256

_lock = threading.Lock()
_kernel: Any = None


def run_kernel(tables: TreeTables, X: np.ndarray, out: np.ndarray) -> None:
    """Add every tree's TreeSHAP values for the rows of ``X`` (C-contiguous float64) into ``out``."""
    kernel = _get_kernel()
    t = tables
    # one call at a time: the kernel already uses every core, and numba's "workqueue"
    # threading layer (the fallback when neither TBB nor OpenMP loads) is not thread-safe
    with _lock, _threads_for(X.shape[0]):
        kernel(X, t.tree_int_ptr, t.int_feature, t.int_threshold, t.int_missing_left, t.tree_group_ptr,
               t.group_sub_shift, t.group_sub_mask, t.group_n_sub, t.group_pref_ptr, t.pref_mask, t.pref_want,
               t.group_col_ptr, t.col_feature, t.group_table_offset, t.table, BLOCK_ROWS, out)


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


def _get_kernel() -> Any:
    """The compiled kernel; numba compiles it (or loads its cache) on the first call, once per process."""
    global _kernel
    if _kernel is None:
        with _lock:
            if _kernel is None:
                _kernel = _make_kernel()
    return _kernel


def _make_kernel() -> Any:
    """Compile the kernel, caching the machine code beside this module when numba can write there."""
    import numba

    kernel = _kernel_source(numba.prange)
    options = {"parallel": True, "fastmath": False, "nogil": True}
    try:
        return numba.njit(cache=True, **options)(kernel)
    except RuntimeError:  # numba found nowhere to write its cache
        return numba.njit(cache=False, **options)(kernel)


def _kernel_source(prange: Callable[[int], Any]) -> Callable[..., None]:
    """The kernel as Python, closing over numba's ``prange`` (so this module need not import numba)."""

    def kernel(X, tree_int_ptr, int_feature, int_threshold, int_missing_left, tree_group_ptr,
               group_sub_shift, group_sub_mask, group_n_sub, group_pref_ptr, pref_mask, pref_want,
               group_col_ptr, col_feature, group_table_offset, table, block_rows, out):
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

    return kernel

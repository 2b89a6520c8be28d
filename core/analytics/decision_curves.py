"""Decisions at a risk threshold: net benefit, decision curves, confusion counts, capacity.

A patient is *flagged* at threshold ``t`` when ``p >= t`` (everywhere: confusion matrix,
net benefit, capacity). Net benefit (Vickers AJ, Elkin EB, Decision curve analysis, Med
Decis Making 2006;26:565-574): NB = TP/N - FP/N * pt/(1-pt); treat all = prevalence -
(1 - prevalence) * pt/(1-pt); treat none = 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core.analytics.metric_inputs import ArrayLike, as_float, clean_pairs, ratio


def net_benefit(y: ArrayLike, p: ArrayLike, thresholds: ArrayLike | float) -> np.ndarray | float:
    """Net benefit of flagging p >= pt (Vickers & Elkin 2006): TP/N - FP/N * pt/(1-pt).

    Returns a float for a single threshold, otherwise an array aligned with ``thresholds``.
    """
    ya, pa = clean_pairs(y, p)
    t = _thresholds(thresholds)
    nb = _net_benefit_clean(ya, pa, t)
    return float(nb[0]) if np.ndim(thresholds) == 0 else nb.astype(float)


def decision_curve_df(
    y: ArrayLike,
    p: ArrayLike,
    thresholds: ArrayLike | None = None,
    comparators: Mapping[str, ArrayLike] | None = None,
) -> pd.DataFrame:
    """Long table [threshold, strategy, net_benefit] for "model", "treat all", "treat none" and comparators.

    Comparators are predicted probabilities for the same patients (e.g. LACE mapped to
    risk with :func:`score_to_risk`); a NaN comparator prediction counts as not flagged.
    Default thresholds 0.05 to 0.40 by 0.01, the plausible range for readmission programmes.
    """
    t = _default_thresholds() if thresholds is None else _thresholds(thresholds)
    ya_raw = as_float(y)
    pa_raw = as_float(p)
    keep = np.isfinite(ya_raw) & np.isfinite(pa_raw)
    ya, pa = clean_pairs(ya_raw[keep], pa_raw[keep])
    prevalence = float(ya.mean()) if ya.size else float("nan")
    curves: dict[str, np.ndarray] = {
        "model": _net_benefit_clean(ya, pa, t),
        "treat all": prevalence - (1 - prevalence) * t / (1 - t),
        "treat none": np.zeros(t.size),
    }
    for name, values in (comparators or {}).items():
        c = as_float(values)
        if c.size != keep.size:
            raise ValueError(f"Comparator '{name}' has {c.size} values for {keep.size} patients.")
        curves[str(name)] = _net_benefit_clean(ya, c[keep], t)
    frames = [
        pd.DataFrame({"threshold": t.astype(float), "strategy": name, "net_benefit": nb.astype(float)})
        for name, nb in curves.items()
    ]
    return pd.concat(frames, ignore_index=True)


def confusion_at(y: ArrayLike, p: ArrayLike, threshold: float) -> dict[str, Any]:
    """Counts and rates when patients with p >= threshold are flagged (rates NaN when undefined)."""
    ya, pa = clean_pairs(y, p)
    flagged = pa >= threshold
    tp = int(np.sum(flagged & (ya == 1)))
    fp = int(np.sum(flagged & (ya == 0)))
    fn = int(np.sum(~flagged & (ya == 1)))
    tn = int(np.sum(~flagged & (ya == 0)))
    n = tp + fp + fn + tn
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "threshold": float(threshold),
        "n": n,
        "flagged": tp + fp,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": ratio(tp + tn, n),
        "precision": precision,
        "recall": recall,
        "specificity": ratio(tn, tn + fp),
        "npv": ratio(tn, tn + fn),
        "f1": f1,
        "flagged_per_100": ratio(100 * (tp + fp), n),
    }


def threshold_for_capacity(p: ArrayLike, n_flag: int) -> float:
    """The threshold at which p >= threshold flags the ``n_flag`` highest-risk patients.

    It is the n_flag-th highest prediction, so ties at that value are flagged too (the
    count can exceed ``n_flag``). ``n_flag <= 0`` returns a value just above the highest
    prediction (flags nobody); ``n_flag >= n`` returns the lowest prediction.
    """
    pa = as_float(p)
    pa = np.sort(pa[np.isfinite(pa)])[::-1]
    if pa.size == 0:
        return float("nan")
    if n_flag <= 0:
        return float(np.nextafter(pa[0], np.inf))
    return float(pa[min(int(n_flag), pa.size) - 1])


def _default_thresholds() -> np.ndarray:
    return np.round(np.arange(0.05, 0.40 + 1e-9, 0.01), 2)


def _thresholds(thresholds: ArrayLike | float) -> np.ndarray:
    t = np.atleast_1d(np.asarray(thresholds, dtype=float))
    if np.any(~np.isfinite(t)) or np.any(t < 0) or np.any(t >= 1):
        raise ValueError("Thresholds must be in [0, 1).")
    return t


def _net_benefit_clean(y: np.ndarray, p: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Net benefit at each threshold; unflagged patients include NaN predictions."""
    n = y.size
    if n == 0:
        return np.full(t.size, np.nan)
    pos = np.sort(p[(y == 1) & np.isfinite(p)])
    neg = np.sort(p[(y == 0) & np.isfinite(p)])
    tp = pos.size - np.searchsorted(pos, t, side="left")
    fp = neg.size - np.searchsorted(neg, t, side="left")
    return tp / n - fp / n * t / (1 - t)

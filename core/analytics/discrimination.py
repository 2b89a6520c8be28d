"""Discrimination: how well predicted risks rank patients who were readmitted above those who were not.

The AUC (C-statistic) and the ROC and precision-recall curves for plotting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.metrics import precision_recall_curve, roc_curve

from core.analytics.metric_inputs import ArrayLike, clean_pairs, two_classes


def auc(y: ArrayLike, p: ArrayLike) -> float:
    """Area under the ROC curve (C-statistic); NaN when only one outcome class is present."""
    return auc_of_clean(*clean_pairs(y, p))


def auc_of_clean(y: np.ndarray, p: np.ndarray) -> float:
    """Mann-Whitney AUC from average ranks (ties count one half)."""
    n1 = float(y.sum())
    n0 = float(y.size - n1)
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve_df(y: ArrayLike, p: ArrayLike, max_points: int = 200) -> pd.DataFrame:
    """ROC curve for plotting: fpr and tpr rising from (0, 0) to (1, 1), at most ``max_points`` rows.

    The (0, 0) end point flags nobody; its threshold is shown as 1.0 instead of infinity.
    """
    ya, pa = clean_pairs(y, p)
    if not two_classes(ya):
        return pd.DataFrame(columns=["fpr", "tpr", "threshold"])
    fpr, tpr, thr = roc_curve(ya, pa, drop_intermediate=True)
    keep = _downsample(fpr.size, max_points)
    return pd.DataFrame(
        {"fpr": fpr[keep].astype(float), "tpr": tpr[keep].astype(float), "threshold": np.minimum(thr[keep], 1.0)}
    )


def pr_curve_df(y: ArrayLike, p: ArrayLike, max_points: int = 200) -> pd.DataFrame:
    """Precision-recall curve with recall rising from 0 to 1, at most ``max_points`` rows.

    The recall-0 end point (precision 1 by convention) flags nobody; its threshold is 1.0.
    """
    ya, pa = clean_pairs(y, p)
    if not two_classes(ya):
        return pd.DataFrame(columns=["recall", "precision", "threshold"])
    precision, recall, thr = precision_recall_curve(ya, pa)
    thr = np.append(thr, 1.0)
    precision, recall, thr = precision[::-1], recall[::-1], thr[::-1]
    keep = _downsample(recall.size, max_points)
    return pd.DataFrame(
        {
            "recall": recall[keep].astype(float),
            "precision": precision[keep].astype(float),
            "threshold": np.minimum(thr[keep], 1.0).astype(float),
        }
    )


def _downsample(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices into a curve of ``n`` points, always keeping both ends."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max(max_points, 2))).astype(int))

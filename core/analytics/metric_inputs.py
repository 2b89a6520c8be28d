"""The inputs every performance metric accepts: outcomes and risks, cleaned the same way.

``y`` is 0/1 (bools accepted), ``p`` a predicted probability. Pairs where either is
missing or not finite are dropped, so an upload with a few missing outcomes still scores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def as_float(values: ArrayLike | float) -> np.ndarray:
    """1-D float array; text or pandas NA that is not a number becomes NaN."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind in "biuf":
        return arr.astype(float).ravel()
    return np.asarray(pd.to_numeric(pd.Series(arr.ravel().astype(object)), errors="coerce"), dtype=float)


def clean_pairs(y: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Aligned float arrays with non-finite pairs dropped; y must be 0/1."""
    ya, pa = as_float(y), as_float(p)
    if ya.shape != pa.shape:
        raise ValueError(f"y and p have different lengths ({ya.size} and {pa.size}).")
    keep = np.isfinite(ya) & np.isfinite(pa)
    ya, pa = ya[keep], pa[keep]
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError("Outcome values must be 0 or 1.")
    return ya, pa


def two_classes(y: np.ndarray) -> bool:
    """Both outcomes present: without that, AUC, calibration and the bootstrap are undefined."""
    return y.size > 0 and 0 < y.sum() < y.size


def ratio(num: float, den: float) -> float:
    """num / den, or NaN when there is nothing to divide by (a rate over no patients is not 0)."""
    return float(num / den) if den else float("nan")

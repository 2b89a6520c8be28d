"""Age bands and risk bands: the groupings every page and output uses.

Kept apart from core/training/evaluate.py (which needs scipy and scikit-learn for its curves) so
that scoring imports only numpy and pandas.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from core.presentation.wording import NOT_RECORDED

AGE_BANDS = ((18, 44), (45, 64), (65, 74), (75, 84), (85, 200))


def age_band(age: np.ndarray | pd.Series) -> np.ndarray:
    """Age in years -> '18-44', '45-64', '65-74', '75-84', '85+' (or 'not recorded').

    Extracts that already hold bands as text (e.g. '[70-80)') keep their own bands.
    """
    s = pd.Series(np.asarray(age, dtype=object))
    a = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
    out = np.where(s.isna().to_numpy(), NOT_RECORDED, s.astype(str).to_numpy()).astype(object)
    for lo, hi in AGE_BANDS:
        label = f"{lo}+" if hi >= 200 else f"{lo}-{hi}"
        out[(a >= lo) & (a <= hi)] = label
    out[(a < AGE_BANDS[0][0])] = f"<{AGE_BANDS[0][0]}"
    return out


def risk_bands(risk_train: np.ndarray) -> list[dict[str, Any]]:
    """Low below the training median, high from the 80th percentile, rounded to whole percents."""
    mid = round(float(np.quantile(risk_train, 0.5)), 2)
    high = max(round(float(np.quantile(risk_train, 0.8)), 2), mid + 0.01)
    return [
        {"name": "low", "lower": 0.0, "upper": mid},
        {"name": "moderate", "lower": mid, "upper": high},
        {"name": "high", "lower": high, "upper": 1.0},
    ]


def band_of(risk: np.ndarray, bands: list[dict[str, Any]]) -> np.ndarray:
    """Band name for each risk (a risk on a cut point belongs to the higher band)."""
    cuts = [b["lower"] for b in bands[1:]]
    idx = np.searchsorted(np.asarray(cuts), np.asarray(risk, dtype=float), side="right")
    return np.asarray([b["name"] for b in bands], dtype=object)[idx]

"""Random-draw helpers shared by every stage of the generator.

Each stage takes the one ``numpy.random.Generator`` of a run and adds named per-encounter
arrays to ``Encounters``; the stages are called in a fixed order, so a seed gives the same draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.synthetic.tables import DIAGNOSIS_CODES

#: Per-encounter arrays by name (``cm_*`` flags under their column names), filled stage by stage.
Encounters = dict[str, Any]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def choose(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from an (n, k) matrix of non-negative weights."""
    cum = np.cumsum(weights, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(weights.shape[0])[:, None]
    return np.minimum((u > cum).sum(axis=1), weights.shape[1] - 1)


def neg_binomial(rng: np.random.Generator, mean: np.ndarray, shape: float) -> np.ndarray:
    """Gamma-Poisson counts: over-dispersed, mostly small with a long tail, as utilisation is."""
    return rng.poisson(mean * rng.gamma(shape, 1.0 / shape, size=mean.shape))


def has_diagnosis(enc: Encounters, code: str) -> np.ndarray:
    """True where the encounter's primary diagnosis is ``code`` (an ICD-10 category of ``DIAGNOSES``)."""
    return enc["dx"] == DIAGNOSIS_CODES.index(code)

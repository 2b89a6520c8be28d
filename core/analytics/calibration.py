"""Calibration: whether predicted risks match observed rates, overall and across the range of risk.

- Brier = mean((p - y)^2); scaled Brier = 1 - Brier / (ybar (1 - ybar)).
- Calibration intercept (calibration-in-the-large): ``a`` in logit P(y=1) = a + offset(logit p),
  ideal 0; calibration slope: ``b`` in logit P(y=1) = a + b logit p, ideal 1 (b < 1 means
  predictions too extreme). Van Calster B et al., Calibration: the Achilles heel of
  predictive analytics, BMC Med 2019;17:230 (which also advises against Hosmer-Lemeshow).
- Observed/expected = sum(y) / sum(p).
- Wilson score interval for observed proportions (Wilson EB, JASA 1927).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit, logit

from core.analytics.metric_inputs import ArrayLike, clean_pairs, ratio, two_classes

_EPS = 1e-6
_Z95 = 1.959963984540054


def brier(y: ArrayLike, p: ArrayLike) -> float:
    """Mean squared error of the predicted probabilities (lower is better)."""
    ya, pa = clean_pairs(y, p)
    return float(np.mean((pa - ya) ** 2)) if ya.size else float("nan")


def scaled_brier(y: ArrayLike, p: ArrayLike) -> float:
    """1 - Brier / Brier of always predicting the prevalence: 0 = no better than that, 1 = perfect."""
    ya, pa = clean_pairs(y, p)
    if not two_classes(ya):
        return float("nan")
    ybar = ya.mean()
    return float(1 - np.mean((pa - ya) ** 2) / (ybar * (1 - ybar)))


def observed_expected(y: ArrayLike, p: ArrayLike) -> float:
    """Observed events / predicted events: > 1 means the model under-predicts risk."""
    ya, pa = clean_pairs(y, p)
    return ratio(ya.sum(), pa.sum())


def calibration_intercept_slope(y: ArrayLike, p: ArrayLike) -> tuple[float, float]:
    """(calibration intercept, calibration slope) by logistic recalibration.

    Intercept ``a`` from logit P(y=1) = a + offset(logit p) (calibration-in-the-large, ideal 0);
    slope ``b`` from logit P(y=1) = a + b logit p (ideal 1). p is clipped to [1e-6, 1 - 1e-6].
    NaN when there is one outcome class only (and slope NaN when all predictions are equal).
    """
    ya, pa = clean_pairs(y, p)
    if not two_classes(ya):
        return float("nan"), float("nan")
    lp = logit(np.clip(pa, _EPS, 1 - _EPS))
    ones = np.ones((ya.size, 1))
    intercept = fit_logistic(ones, ya, offset=lp)[0]
    slope = np.nan if np.ptp(lp) == 0 else fit_logistic(np.column_stack([ones, lp]), ya)[1]
    return float(intercept), float(slope)


def calibration_curve_df(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Observed vs mean predicted risk in quantile bins of p, with Wilson 95% intervals.

    Quantile (equal-count) bins keep every point equally precise; tied predictions stay in
    one bin, so there may be fewer than ``n_bins`` bins.
    """
    columns = ["bin", "mean_predicted", "observed", "n", "lo", "hi"]
    ya, pa = clean_pairs(y, p)
    if ya.size == 0:
        return pd.DataFrame(columns=columns)
    edges = np.unique(np.quantile(pa, np.linspace(0, 1, max(int(n_bins), 1) + 1)))
    idx = np.searchsorted(edges[1:-1], pa, side="right")
    frame = pd.DataFrame({"b": idx, "y": ya, "p": pa}).groupby("b", sort=True)
    out = frame.agg(mean_predicted=("p", "mean"), events=("y", "sum"), n=("y", "size")).reset_index(drop=True)
    lo, hi = wilson_interval(out["events"].to_numpy(float), out["n"].to_numpy(float))
    return pd.DataFrame(
        {
            "bin": np.arange(1, len(out) + 1, dtype=np.int64),
            "mean_predicted": out["mean_predicted"].astype(float),
            "observed": (out["events"] / out["n"]).astype(float),
            "n": out["n"].astype(np.int64),
            "lo": lo,
            "hi": hi,
        }
    )[columns]


def wilson_interval(events: np.ndarray, n: np.ndarray, z: float = _Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval: sensible near 0% and 100% and in small bins, unlike Wald."""
    n = n.astype(float)
    phat = events / n
    denom = 1 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / denom
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None, max_iter: int = 100, tol: float = 1e-10
) -> np.ndarray:
    """Maximum-likelihood logistic regression by Newton-Raphson with step halving.

    ``x`` is the design matrix (include a column of ones for an intercept). Small and
    dependency-free so calibration needs no statsmodels; returns NaNs if the fit is singular.
    """
    off = np.zeros(y.size) if offset is None else offset
    beta = np.zeros(x.shape[1])

    def loglik(b: np.ndarray) -> float:
        eta = off + x @ b
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(max_iter):
        mu = expit(off + x @ beta)
        grad = x.T @ (y - mu)
        hess = (x * (mu * (1 - mu))[:, None]).T @ x
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            return np.full(x.shape[1], np.nan)
        if not np.all(np.isfinite(step)):
            return np.full(x.shape[1], np.nan)
        t = 1.0
        while t > 1e-8:
            candidate = beta + t * step
            new = loglik(candidate)
            if new >= current - 1e-12:
                break
            t /= 2
        beta, previous, current = candidate, current, new
        if np.max(np.abs(t * step)) < tol or abs(current - previous) < tol:
            break
    return beta

"""Performance of predicted risks against observed outcomes: held-out test set and uploads.

One implementation for the model card, the validation page and the CLI, so a number means
the same thing everywhere. Everything is deterministic given ``seed`` and returns plain
Python floats/ints, lists and DataFrames (JSON-serialisable after
``to_dict(orient="records")``).

Conventions:

- ``y`` is 0/1 (bools accepted), ``p`` a predicted probability. Pairs where either is
  missing or not finite are dropped, so an upload with a few missing outcomes still scores.
- A patient is *flagged* at threshold ``t`` when ``p >= t`` (everywhere: confusion matrix,
  net benefit, capacity).
- Anything that cannot be estimated (e.g. AUC with one outcome class) is NaN, not an error.

Formulas and sources (/work/shared/clinical-reference.md, section 5):

- Brier = mean((p - y)^2); scaled Brier = 1 - Brier / (ybar (1 - ybar)).
- Calibration intercept (calibration-in-the-large): ``a`` in logit P(y=1) = a + offset(logit p),
  ideal 0; calibration slope: ``b`` in logit P(y=1) = a + b logit p, ideal 1 (b < 1 means
  predictions too extreme). Van Calster B et al., Calibration: the Achilles heel of
  predictive analytics, BMC Med 2019;17:230 (which also advises against Hosmer-Lemeshow).
- Net benefit (Vickers AJ, Elkin EB, Decision curve analysis, Med Decis Making
  2006;26:565-574): NB = TP/N - FP/N * pt/(1-pt); treat all = prevalence - (1 - prevalence)
  * pt/(1-pt); treat none = 0.
- Observed/expected = sum(y) / sum(p).
- Wilson score interval for observed proportions (Wilson EB, JASA 1927).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from scipy.stats import rankdata
from sklearn.metrics import precision_recall_curve, roc_curve

ArrayLike = Sequence[float] | np.ndarray | pd.Series
Statistic = Callable[[np.ndarray, np.ndarray], float]

TOO_FEW_NOTE = "too few patients or events to estimate"
NOT_RECORDED = "not recorded"
_EPS = 1e-6
_Z95 = 1.959963984540054
_BOOT_CHUNK = 100


# ---------------------------------------------------------------------------- helpers


def _as_float(values: ArrayLike | float) -> np.ndarray:
    """1-D float array; text or pandas NA that is not a number becomes NaN."""
    arr = np.atleast_1d(np.asarray(values))
    if arr.dtype.kind in "biuf":
        return arr.astype(float).ravel()
    return np.asarray(pd.to_numeric(pd.Series(arr.ravel().astype(object)), errors="coerce"), dtype=float)


def _clean(y: ArrayLike, p: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Aligned float arrays with non-finite pairs dropped; y must be 0/1."""
    ya, pa = _as_float(y), _as_float(p)
    if ya.shape != pa.shape:
        raise ValueError(f"y and p have different lengths ({ya.size} and {pa.size}).")
    keep = np.isfinite(ya) & np.isfinite(pa)
    ya, pa = ya[keep], pa[keep]
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError("Outcome values must be 0 or 1.")
    return ya, pa


def _two_classes(y: np.ndarray) -> bool:
    return y.size > 0 and 0 < y.sum() < y.size


def _ratio(num: float, den: float) -> float:
    return float(num / den) if den else float("nan")


def _auc_clean(y: np.ndarray, p: np.ndarray) -> float:
    """Mann-Whitney AUC from average ranks (ties count one half)."""
    n1 = float(y.sum())
    n0 = float(y.size - n1)
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _stratified_draws(rng: np.random.Generator, n1: int, n0: int) -> tuple[np.ndarray, np.ndarray]:
    """One stratified bootstrap replicate: indices into the positives and into the negatives."""
    return rng.integers(0, n1, n1), rng.integers(0, n0, n0)


def _counts(draws: list[np.ndarray], n: int) -> np.ndarray:
    """How often each of ``n`` items was drawn, one row per replicate."""
    k = len(draws)
    flat = (np.stack(draws) + (np.arange(k) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=k * n).reshape(k, n)


def _bootstrap_auc(pos: np.ndarray, neg: np.ndarray, rng: np.random.Generator, n_boot: int) -> np.ndarray:
    """Bootstrap AUCs without re-ranking: counts of each negative below/tied with each positive.

    Uses exactly the draws of the generic path, so ``bootstrap_ci(y, p, auc)`` equals the
    slow loop to rounding, but 1000 replicates of 10,000 rows take well under a second.
    """
    n1, n0 = pos.size, neg.size
    order = np.argsort(neg, kind="stable")
    neg_sorted = neg[order]
    less = np.searchsorted(neg_sorted, pos, side="left")
    upto = np.searchsorted(neg_sorted, pos, side="right")
    out = np.empty(n_boot)
    for start in range(0, n_boot, _BOOT_CHUNK):
        k = min(_BOOT_CHUNK, n_boot - start)
        pairs = [_stratified_draws(rng, n1, n0) for _ in range(k)]
        pos_counts = _counts([a for a, _ in pairs], n1).astype(float)
        neg_counts = _counts([b for _, b in pairs], n0)[:, order]
        cum = np.zeros((k, n0 + 1))
        np.cumsum(neg_counts, axis=1, out=cum[:, 1:])
        below = cum[:, less]
        tied = cum[:, upto] - below
        out[start : start + k] = (pos_counts * (below + 0.5 * tied)).sum(axis=1) / (n1 * n0)
    return out


def _fit_logistic(
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


def wilson_interval(events: np.ndarray, n: np.ndarray, z: float = _Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval: sensible near 0% and 100% and in small bins, unlike Wald."""
    n = n.astype(float)
    phat = events / n
    denom = 1 + z**2 / n
    centre = (phat + z**2 / (2 * n)) / denom
    half = z * np.sqrt(phat * (1 - phat) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def _downsample(n: int, max_points: int) -> np.ndarray:
    """Evenly spaced indices into a curve of ``n`` points, always keeping both ends."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max(max_points, 2))).astype(int))


# ---------------------------------------------------------------------------- discrimination


def auc(y: ArrayLike, p: ArrayLike) -> float:
    """Area under the ROC curve (C-statistic); NaN when only one outcome class is present."""
    return _auc_clean(*_clean(y, p))


def bootstrap_ci(
    y: ArrayLike,
    p: ArrayLike,
    statistic: Statistic,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> tuple[float, float]:
    """Percentile bootstrap interval for ``statistic(y, p)``.

    Resamples positives and negatives separately (stratified), so every replicate keeps
    the observed event count and AUC is always defined. :func:`auc` takes a vectorised
    path. Returns (NaN, NaN) when there is only one outcome class.
    """
    ya, pa = _clean(y, p)
    if not _two_classes(ya) or n_boot < 1:
        return float("nan"), float("nan")
    pos, neg = pa[ya == 1], pa[ya == 0]
    rng = np.random.default_rng(seed)
    if statistic is auc:
        stats = _bootstrap_auc(pos, neg, rng, n_boot)
    else:
        ones, zeros = np.ones(pos.size), np.zeros(neg.size)
        stats = np.empty(n_boot)
        for b in range(n_boot):
            i, j = _stratified_draws(rng, pos.size, neg.size)
            stats[b] = statistic(np.concatenate([ones, zeros]), np.concatenate([pos[i], neg[j]]))
    if np.isnan(stats).all():
        return float("nan"), float("nan")
    lo, hi = np.nanquantile(stats, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def auc_ci(y: ArrayLike, p: ArrayLike, n_boot: int = 1000, seed: int = 0) -> tuple[float, float]:
    """95% stratified percentile bootstrap interval for the AUC."""
    return bootstrap_ci(y, p, auc, n_boot=n_boot, seed=seed)


# ---------------------------------------------------------------------------- calibration


def brier(y: ArrayLike, p: ArrayLike) -> float:
    """Mean squared error of the predicted probabilities (lower is better)."""
    ya, pa = _clean(y, p)
    return float(np.mean((pa - ya) ** 2)) if ya.size else float("nan")


def scaled_brier(y: ArrayLike, p: ArrayLike) -> float:
    """1 - Brier / Brier of always predicting the prevalence: 0 = no better than that, 1 = perfect."""
    ya, pa = _clean(y, p)
    if not _two_classes(ya):
        return float("nan")
    ybar = ya.mean()
    return float(1 - np.mean((pa - ya) ** 2) / (ybar * (1 - ybar)))


def observed_expected(y: ArrayLike, p: ArrayLike) -> float:
    """Observed events / predicted events: > 1 means the model under-predicts risk."""
    ya, pa = _clean(y, p)
    return _ratio(ya.sum(), pa.sum())


def calibration_intercept_slope(y: ArrayLike, p: ArrayLike) -> tuple[float, float]:
    """(calibration intercept, calibration slope) by logistic recalibration.

    Intercept ``a`` from logit P(y=1) = a + offset(logit p) (calibration-in-the-large, ideal 0);
    slope ``b`` from logit P(y=1) = a + b logit p (ideal 1). p is clipped to [1e-6, 1 - 1e-6].
    NaN when there is one outcome class only (and slope NaN when all predictions are equal).
    """
    ya, pa = _clean(y, p)
    if not _two_classes(ya):
        return float("nan"), float("nan")
    lp = logit(np.clip(pa, _EPS, 1 - _EPS))
    ones = np.ones((ya.size, 1))
    intercept = _fit_logistic(ones, ya, offset=lp)[0]
    slope = np.nan if np.ptp(lp) == 0 else _fit_logistic(np.column_stack([ones, lp]), ya)[1]
    return float(intercept), float(slope)


def calibration_curve_df(y: ArrayLike, p: ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """Observed vs mean predicted risk in quantile bins of p, with Wilson 95% intervals.

    Quantile (equal-count) bins keep every point equally precise; tied predictions stay in
    one bin, so there may be fewer than ``n_bins`` bins.
    """
    columns = ["bin", "mean_predicted", "observed", "n", "lo", "hi"]
    ya, pa = _clean(y, p)
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


# ---------------------------------------------------------------------------- curves


def roc_curve_df(y: ArrayLike, p: ArrayLike, max_points: int = 200) -> pd.DataFrame:
    """ROC curve for plotting: fpr and tpr rising from (0, 0) to (1, 1), at most ``max_points`` rows.

    The (0, 0) end point flags nobody; its threshold is shown as 1.0 instead of infinity.
    """
    ya, pa = _clean(y, p)
    if not _two_classes(ya):
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
    ya, pa = _clean(y, p)
    if not _two_classes(ya):
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


# ---------------------------------------------------------------------------- decisions


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


def net_benefit(y: ArrayLike, p: ArrayLike, thresholds: ArrayLike | float) -> np.ndarray | float:
    """Net benefit of flagging p >= pt (Vickers & Elkin 2006): TP/N - FP/N * pt/(1-pt).

    Returns a float for a single threshold, otherwise an array aligned with ``thresholds``.
    """
    ya, pa = _clean(y, p)
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
    ya_raw = _as_float(y)
    pa_raw = _as_float(p)
    keep = np.isfinite(ya_raw) & np.isfinite(pa_raw)
    ya, pa = _clean(ya_raw[keep], pa_raw[keep])
    prevalence = float(ya.mean()) if ya.size else float("nan")
    curves: dict[str, np.ndarray] = {
        "model": _net_benefit_clean(ya, pa, t),
        "treat all": prevalence - (1 - prevalence) * t / (1 - t),
        "treat none": np.zeros(t.size),
    }
    for name, values in (comparators or {}).items():
        c = _as_float(values)
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
    ya, pa = _clean(y, p)
    flagged = pa >= threshold
    tp = int(np.sum(flagged & (ya == 1)))
    fp = int(np.sum(flagged & (ya == 0)))
    fn = int(np.sum(~flagged & (ya == 1)))
    tn = int(np.sum(~flagged & (ya == 0)))
    n = tp + fp + fn + tn
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "threshold": float(threshold),
        "n": n,
        "flagged": tp + fp,
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": _ratio(tp + tn, n),
        "precision": precision,
        "recall": recall,
        "specificity": _ratio(tn, tn + fp),
        "npv": _ratio(tn, tn + fn),
        "f1": f1,
        "flagged_per_100": _ratio(100 * (tp + fp), n),
    }


def threshold_for_capacity(p: ArrayLike, n_flag: int) -> float:
    """The threshold at which p >= threshold flags the ``n_flag`` highest-risk patients.

    It is the n_flag-th highest prediction, so ties at that value are flagged too (the
    count can exceed ``n_flag``). ``n_flag <= 0`` returns a value just above the highest
    prediction (flags nobody); ``n_flag >= n`` returns the lowest prediction.
    """
    pa = _as_float(p)
    pa = np.sort(pa[np.isfinite(pa)])[::-1]
    if pa.size == 0:
        return float("nan")
    if n_flag <= 0:
        return float(np.nextafter(pa[0], np.inf))
    return float(pa[min(int(n_flag), pa.size) - 1])


# ---------------------------------------------------------------------------- summaries


def summary(y: ArrayLike, p: ArrayLike, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """Headline discrimination and calibration numbers for a model card or upload report."""
    ya, pa = _clean(y, p)
    intercept, slope = calibration_intercept_slope(ya, pa)
    lo, hi = auc_ci(ya, pa, n_boot=n_boot, seed=seed)
    return {
        "auc": _auc_clean(ya, pa),
        "auc_ci": [lo, hi],
        "brier": brier(ya, pa),
        "scaled_brier": scaled_brier(ya, pa),
        "calibration_intercept": intercept,
        "calibration_slope": slope,
        "observed_expected": observed_expected(ya, pa),
        "n": int(ya.size),
        "events": int(ya.sum()),
        "prevalence": float(ya.mean()) if ya.size else float("nan"),
    }


def _level_labels(column: pd.Series) -> tuple[pd.Series, list[str]]:
    """Level labels as text (missing -> "not recorded") and their display order."""
    present = column.dropna()
    if isinstance(column.dtype, pd.CategoricalDtype):
        order = [str(c) for c in column.cat.categories]
    else:
        try:
            order = [str(v) for v in sorted(present.unique())]
        except TypeError:
            order = sorted({str(v) for v in present.unique()})
    labels = column.astype(object).where(column.notna(), NOT_RECORDED).map(str)
    seen = set(labels)
    order = list(dict.fromkeys(o for o in order if o in seen))
    if NOT_RECORDED in seen and NOT_RECORDED not in order:
        order.append(NOT_RECORDED)
    return labels, order


def subgroup_table(
    groups: pd.DataFrame,
    y: ArrayLike,
    p: ArrayLike,
    min_n: int = 30,
    min_events: int = 5,
    n_boot: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Performance per level of each column of ``groups`` (rows aligned by position with y, p).

    Counts, observed rate and mean predicted risk are always shown; AUC, its interval and
    O/E are NaN with a note when a level has fewer than ``min_n`` patients or fewer than
    ``min_events`` events or non-events, because such estimates are too noisy to act on.
    """
    columns = [
        "variable", "level", "n", "events", "observed_rate", "mean_predicted",
        "auc", "auc_lo", "auc_hi", "observed_expected", "note",
    ]
    ya_raw = _as_float(y)
    pa_raw = _as_float(p)
    if len(groups) != ya_raw.size or ya_raw.size != pa_raw.size:
        raise ValueError("groups, y and p must have the same number of rows.")
    keep = np.isfinite(ya_raw) & np.isfinite(pa_raw)
    ya, pa = _clean(ya_raw[keep], pa_raw[keep])
    rows: list[dict[str, Any]] = []
    for variable in groups.columns:
        labels, order = _level_labels(groups[variable].reset_index(drop=True)[keep].reset_index(drop=True))
        values = labels.to_numpy()
        for level in order:
            mask = values == level
            yl, pl = ya[mask], pa[mask]
            n, events = int(mask.sum()), int(yl.sum())
            enough = n >= min_n and events >= min_events and n - events >= min_events
            lo, hi = auc_ci(yl, pl, n_boot=n_boot, seed=seed) if enough else (float("nan"), float("nan"))
            rows.append(
                {
                    "variable": str(variable),
                    "level": level,
                    "n": n,
                    "events": events,
                    "observed_rate": _ratio(events, n),
                    "mean_predicted": float(pl.mean()) if n else float("nan"),
                    "auc": _auc_clean(yl, pl) if enough else float("nan"),
                    "auc_lo": lo,
                    "auc_hi": hi,
                    "observed_expected": _ratio(yl.sum(), pl.sum()) if enough else float("nan"),
                    "note": "" if enough else TOO_FEW_NOTE,
                }
            )
    return pd.DataFrame(rows, columns=columns)


# ---------------------------------------------------------------------------- baseline scores as risks


@dataclass(frozen=True)
class ScoreRiskMap:
    """Risk = expit(intercept + slope * score), fitted on training data.

    A one-feature logistic regression, the same form van Walraven used to turn LACE points
    into expected risk: monotone in the score, smooth where high scores are sparse (a
    per-point event rate would jump to 0% or 100% on a handful of patients), and just two
    numbers to store in a model bundle. Missing scores map to NaN.
    """

    intercept: float
    slope: float

    def __call__(self, score: ArrayLike | float) -> np.ndarray | float:
        s = _as_float(score)
        risk = expit(self.intercept + self.slope * s)
        return float(risk[0]) if np.ndim(score) == 0 else risk

    def to_dict(self) -> dict[str, float]:
        return {"intercept": float(self.intercept), "slope": float(self.slope)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ScoreRiskMap:
        return cls(intercept=float(d["intercept"]), slope=float(d["slope"]))


def score_to_risk(score_train: ArrayLike, y_train: ArrayLike) -> ScoreRiskMap:
    """Map an integer score (LACE/HOSPITAL total) to 30-day risk observed on the training data.

    Lets a baseline score sit on the same decision curve as the model. The fit uses the
    app's own outcome, not the one the score was published for. Raises ValueError when the
    training outcome has a single class.
    """
    ya, s = _clean(y_train, score_train)
    if not _two_classes(ya):
        raise ValueError("Mapping a score to risk needs training data with both outcomes.")
    beta = _fit_logistic(np.column_stack([np.ones(s.size), s]), ya)
    if not np.all(np.isfinite(beta)):
        raise ValueError("Could not fit the score-to-risk mapping (all scores equal?).")
    return ScoreRiskMap(intercept=float(beta[0]), slope=float(beta[1]))

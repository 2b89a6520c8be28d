"""Compare an upload's inputs with the data the model learned from, feature by feature.

A model is only as good as the match between the patients it scores and the patients it
learned from. The bundle keeps aggregate training distributions (no patient rows):
for numeric and yes/no inputs 101 quantiles, mean, SD and the share missing; for
categorical inputs the share of each level (including "not recorded"); and the number
of training patients ``n``. This module compares an upload's validated values with them.

Methods and thresholds are the defaults users of monitoring tools know (Evidently):

- training reference of at most 1,000 patients: two-sample Kolmogorov-Smirnov test for
  numeric inputs, chi-square test for categorical and yes/no inputs; drift at p < 0.05.
- larger reference: Wasserstein distance divided by the training SD for numeric inputs,
  Jensen-Shannon distance (natural log, as Evidently) for categorical and yes/no inputs;
  drift at >= 0.1.
- Population stability index for every input, as a second opinion: >= 0.1 moderate,
  >= 0.25 major shift. Numeric PSI uses the training deciles as bins plus a "not recorded"
  bin, so a change in how often a value is missing also counts.

The training distribution is known only through its percentiles, so its CDF is a step
function with 1% resolution; statistics are exact for the upload and accurate to about
one percentage point for the reference. All functions are pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, kstwo

from core.data.schema import FeatureSpec, Schema
from core.explain.explainer import format_value
from core.presentation.wording import NOT_RECORDED

_EPS = 1e-4
_RARE_SHARE = 0.01


@dataclass(frozen=True)
class Thresholds:
    """Where drift starts: the defaults users of Evidently know (KS or chi-square below 1,000 reference rows)."""

    small_reference: int = 1000
    p_value: float = 0.05
    distance: float = 0.1
    psi_moderate: float = 0.1
    psi_major: float = 0.25
    missing_change: float = 0.10


DEFAULT = Thresholds()

COLUMNS = (
    "feature", "label", "kind", "method", "statistic", "p_value", "drifted", "psi", "psi_level",
    "reference_missing", "current_missing", "reference_summary", "current_summary", "n_current", "sentence",
)


# ---------------------------------------------------------------------------- building blocks


def reference_cdf(quantiles: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Training share at or below each ``x``, from the stored percentiles (a right-continuous step)."""
    q = np.asarray(quantiles, dtype=float)
    levels = np.linspace(0.0, 1.0, q.size)
    count = np.searchsorted(q, np.asarray(x, dtype=float), side="right")
    return np.where(count == 0, 0.0, levels[np.clip(count - 1, 0, q.size - 1)])


def ks_statistic(quantiles: np.ndarray, values: np.ndarray) -> float:
    """Largest gap between the training and upload CDFs (Kolmogorov-Smirnov D)."""
    v = np.sort(np.asarray(values, dtype=float))
    if v.size == 0 or np.size(quantiles) == 0:
        return float("nan")
    points = np.unique(np.concatenate([v, np.asarray(quantiles, dtype=float)]))
    cur = np.searchsorted(v, points, side="right") / v.size
    ref = reference_cdf(quantiles, points)
    return float(np.max(np.abs(cur - ref)))


def ks_p_value(d: float, n_ref: int, n_cur: int) -> float:
    """Two-sample KS p-value (the asymptotic form scipy's ks_2samp uses for large samples)."""
    if not np.isfinite(d) or n_ref < 1 or n_cur < 1:
        return float("nan")
    en = n_ref * n_cur / (n_ref + n_cur)
    return float(np.clip(kstwo.sf(d, max(round(en), 1)), 0.0, 1.0))


def wasserstein_normalised(quantiles: np.ndarray, values: np.ndarray, sd: float | None) -> float:
    """Earth mover's distance between the two distributions, in training standard deviations."""
    q = np.asarray(quantiles, dtype=float)
    v = np.asarray(values, dtype=float)
    if v.size == 0 or q.size == 0:
        return float("nan")
    levels = np.linspace(0.0, 1.0, q.size)
    w = float(np.trapezoid(np.abs(np.quantile(v, levels) - q), levels))
    scale = float(sd) if sd is not None and sd > 0 else float(np.subtract(*np.quantile(q, [0.75, 0.25])) or 1.0)
    return w / scale


def psi(reference_shares: np.ndarray, current_shares: np.ndarray) -> float:
    """Population stability index: sum((cur - ref) * ln(cur / ref)), shares floored at 1e-4."""
    r = np.clip(np.asarray(reference_shares, dtype=float), _EPS, None)
    c = np.clip(np.asarray(current_shares, dtype=float), _EPS, None)
    return float(np.sum((c - r) * np.log(c / r)))


def psi_level(value: float, thresholds: Thresholds = DEFAULT) -> str:
    if not np.isfinite(value):
        return ""
    return "major" if value >= thresholds.psi_major else "moderate" if value >= thresholds.psi_moderate else "none"


def numeric_psi(quantiles: np.ndarray, ref_missing: float, values: np.ndarray, n_missing: int) -> float:
    """PSI over the training deciles plus a "not recorded" bin."""
    q = np.asarray(quantiles, dtype=float)
    v = np.sort(np.asarray(values, dtype=float))
    n = v.size + n_missing
    if n == 0 or q.size == 0:
        return float("nan")
    edges = np.unique(np.quantile(q, np.linspace(0.1, 0.9, 9)))
    ref_cdf = np.concatenate([[0.0], reference_cdf(q, edges), [1.0]])
    cur_cdf = np.concatenate([[0.0], np.searchsorted(v, edges, side="right") / max(v.size, 1), [1.0]])
    ref = np.append(np.diff(ref_cdf) * (1 - ref_missing), ref_missing)
    cur = np.append(np.diff(cur_cdf) * (v.size / n), n_missing / n)
    return psi(ref, cur)


def _pool_rare(ref: pd.Series, cur: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Align two share tables on the union of levels; levels rare in both go into one bin."""
    levels = list(dict.fromkeys([*ref.index, *cur.index]))
    ref = ref.reindex(levels, fill_value=0.0)
    cur = cur.reindex(levels, fill_value=0.0)
    rare = (ref < _RARE_SHARE) & (cur < _RARE_SHARE)
    if rare.sum() > 1:
        ref = pd.concat([ref[~rare], pd.Series({"(rare levels)": ref[rare].sum()})])
        cur = pd.concat([cur[~rare], pd.Series({"(rare levels)": cur[rare].sum()})])
    return ref, cur


def categorical_drift(
    reference_shares: dict[str, float], n_ref: int, labels: pd.Series, thresholds: Thresholds = DEFAULT
) -> dict[str, Any]:
    """Chi-square (small reference) or Jensen-Shannon (large) plus PSI for one categorical input.

    ``labels`` are the upload's values as text with missing as "not recorded".
    """
    ref = pd.Series(reference_shares, dtype=float)
    ref = ref / ref.sum() if ref.sum() > 0 else ref
    n_cur = len(labels)
    cur = labels.value_counts(normalize=True).astype(float) if n_cur else pd.Series(dtype=float)
    ref, cur = _pool_rare(ref, cur)
    out: dict[str, Any] = {"psi": psi(ref.to_numpy(), cur.to_numpy()) if n_cur else float("nan"),
                           "n_current": n_cur}
    if n_ref <= thresholds.small_reference:
        table = np.vstack([ref.to_numpy() * n_ref, cur.to_numpy() * n_cur])
        table = table[:, table.sum(axis=0) > 0]
        p = float(chi2_contingency(table)[1]) if table.shape[1] > 1 and n_cur else 1.0
        stat = float(chi2_contingency(table)[0]) if table.shape[1] > 1 and n_cur else 0.0
        out.update(method="chi-square test", statistic=stat, p_value=p, drifted=bool(p < thresholds.p_value))
    else:
        d = float(jensenshannon(ref.to_numpy(), cur.to_numpy())) if n_cur else float("nan")
        out.update(method="Jensen-Shannon distance", statistic=d, p_value=float("nan"),
                   drifted=bool(np.isfinite(d) and d >= thresholds.distance))
    diff = (cur - ref).drop(labels=["(rare levels)"], errors="ignore")
    if len(diff):
        level = str(diff.abs().idxmax())
        out.update(top_level=level, top_ref=float(ref.get(level, 0.0)), top_cur=float(cur.get(level, 0.0)))
    return out


def numeric_drift(
    reference: dict[str, Any], n_ref: int, values: np.ndarray, thresholds: Thresholds = DEFAULT
) -> dict[str, Any]:
    """KS (small reference) or normalised Wasserstein (large) plus PSI for one numeric input.

    ``values`` may contain NaN (not recorded); tests use the recorded values only and the
    missing share is compared separately.
    """
    v = np.asarray(values, dtype=float)
    recorded = v[np.isfinite(v)]
    q = np.asarray(reference.get("quantiles") or [], dtype=float)
    ref_missing = float(reference.get("missing") or 0.0)
    out: dict[str, Any] = {
        "psi": numeric_psi(q, ref_missing, recorded, int(v.size - recorded.size)),
        "n_current": int(v.size),
        "current_missing": float(1 - recorded.size / v.size) if v.size else float("nan"),
        "reference_median": float(q[q.size // 2]) if q.size else float("nan"),
        "current_median": float(np.median(recorded)) if recorded.size else float("nan"),
        "reference_mean": reference.get("mean"),
        "current_mean": float(recorded.mean()) if recorded.size else float("nan"),
    }
    if n_ref <= thresholds.small_reference:
        d = ks_statistic(q, recorded)
        p = ks_p_value(d, n_ref, recorded.size)
        out.update(method="KS test", statistic=d, p_value=p, drifted=bool(np.isfinite(p) and p < thresholds.p_value))
    else:
        w = wasserstein_normalised(q, recorded, reference.get("sd"))
        out.update(method="Wasserstein distance / SD", statistic=w, p_value=float("nan"),
                   drifted=bool(np.isfinite(w) and w >= thresholds.distance))
    return out


# ---------------------------------------------------------------------------- whole upload


def _labels(values: pd.Series, spec: FeatureSpec) -> pd.Series:
    if spec.kind == "binary":
        x = pd.to_numeric(values, errors="coerce")
        return pd.Series(np.where(x.isna(), NOT_RECORDED, np.where(x >= 0.5, "yes", "no")), index=values.index)
    return values.astype(object).where(values.notna(), NOT_RECORDED).map(str)


def _binary_shares(ref: dict[str, Any]) -> dict[str, float]:
    miss = float(ref.get("missing") or 0.0)
    mean = float(ref.get("mean") or 0.0)
    return {"yes": mean * (1 - miss), "no": (1 - mean) * (1 - miss), NOT_RECORDED: miss}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _numeric_sentence(spec: FeatureSpec, res: dict[str, Any], is_age: bool) -> str:
    ref_m, cur_m = res["reference_median"], res["current_median"]
    measure = "median"
    if not (np.isfinite(ref_m) and np.isfinite(cur_m)) or ref_m == cur_m:
        ref_m, cur_m, measure = float(res.get("reference_mean") or np.nan), res["current_mean"], "mean"
    if not (np.isfinite(ref_m) and np.isfinite(cur_m)) or ref_m == cur_m:
        return f"The spread of {spec.display_label.lower()} in this file differs from the training data."
    higher = cur_m > ref_m
    shown = f"{measure} {format_value(spec, round(cur_m, 1))} vs {format_value(spec, round(ref_m, 1))}"
    if is_age:
        word = "older" if higher else "younger"
        return f"Patients in this file are {word} than those the model learned from ({shown})."
    word = "higher" if higher else "lower"
    return f"{spec.display_label} is {word} in this file than in the data the model learned from ({shown})."


def _categorical_sentence(spec: FeatureSpec, res: dict[str, Any]) -> str:
    level = res.get("top_level")
    if level is None:
        return f"The mix of {spec.display_label.lower()} differs from the training data."
    more = res["top_cur"] > res["top_ref"]
    amount = f"{_pct(res['top_cur'])} vs {_pct(res['top_ref'])} in training"
    if spec.kind == "binary" and level in ("yes", "no"):
        yes_more = more == (level == "yes")
        return f"{'More' if yes_more else 'Fewer'} patients in this file have {spec.display_label.lower()} " \
               f"({_pct(res['top_cur'] if level == 'yes' else 1 - res['top_cur'])} vs " \
               f"{_pct(res['top_ref'] if level == 'yes' else 1 - res['top_ref'])} in training)."
    if level == NOT_RECORDED:
        return f"{spec.display_label} is {'more' if more else 'less'} often not recorded in this file ({amount})."
    return f"{'More' if more else 'Fewer'} patients in this file have {spec.display_label.lower()} " \
           f"'{level}' ({amount})."


def feature_drift(
    reference: dict[str, Any], current: pd.DataFrame, schema: Schema, thresholds: Thresholds = DEFAULT
) -> pd.DataFrame:
    """One row per model input: method, statistic, p-value, drift flag, PSI and a plain sentence.

    ``reference`` is ``bundle.reference`` (needs ``n`` and ``features``); ``current`` holds
    validated values (``ValidationResult.clean``) with a column per feature. Inputs missing
    from either side are skipped. Sorted with drifted inputs first, largest PSI first.
    """
    n_ref = int(reference.get("n") or 0)
    ref_feats: dict[str, Any] = reference.get("features") or {}
    age_col = schema.roles.get("age")
    rows: list[dict[str, Any]] = []
    for spec in schema.features:
        ref = ref_feats.get(spec.name)
        if ref is None or spec.name not in current.columns:
            continue
        ref_missing = float(ref.get("missing") or 0.0)
        res, sentence, ref_sum, cur_sum, cur_missing = _compare_feature(
            spec, ref, n_ref, current[spec.name], thresholds, spec.name == age_col)
        missing_jump = np.isfinite(cur_missing) and abs(cur_missing - ref_missing) >= thresholds.missing_change
        if missing_jump and spec.kind == "numeric":
            word = "more" if cur_missing > ref_missing else "less"
            sentence += f" It is {word} often not recorded ({_pct(cur_missing)} vs {_pct(ref_missing)} in training)."
        level = psi_level(res["psi"], thresholds)
        rows.append({
            "feature": spec.name,
            "label": spec.display_label,
            "kind": spec.kind,
            "method": res["method"],
            "statistic": float(res["statistic"]),
            "p_value": float(res["p_value"]),
            "drifted": bool(res["drifted"] or (missing_jump and spec.kind == "numeric")),
            "psi": float(res["psi"]),
            "psi_level": level,
            "reference_missing": ref_missing,
            "current_missing": float(cur_missing),
            "reference_summary": ref_sum,
            "current_summary": cur_sum,
            "n_current": int(res["n_current"]),
            "sentence": sentence,
        })
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    if table.empty:
        return table
    return table.sort_values(["drifted", "psi"], ascending=[False, False], kind="stable").reset_index(drop=True)



def _compare_feature(
    spec: FeatureSpec, ref: dict[str, Any], n_ref: int, col: pd.Series, thresholds: Thresholds, is_age: bool
) -> tuple[dict[str, Any], str, str, str, float]:
    """One input's drift test and its words: (result, sentence, training summary, current summary, missing share).

    Numeric inputs with stored quantiles get the numeric test; the rest are compared as levels.
    """
    if spec.kind == "numeric" and ref.get("quantiles"):
        res = numeric_drift(ref, n_ref, pd.to_numeric(col, errors="coerce").to_numpy(dtype=float), thresholds)
        sentence = _numeric_sentence(spec, res, is_age)
        ref_sum = f"median {format_value(spec, res['reference_median'])}"
        cur_sum = f"median {format_value(spec, res['current_median'])}" if np.isfinite(
            res["current_median"]) else NOT_RECORDED
        return res, sentence, ref_sum, cur_sum, res["current_missing"]
    shares = _binary_shares(ref) if spec.kind == "binary" else dict(ref.get("shares") or {})
    labels = _labels(col, spec)
    res = categorical_drift(shares, n_ref, labels, thresholds)
    cur_missing = float((labels == NOT_RECORDED).mean()) if len(labels) else float("nan")
    top = res.get("top_level", "")
    ref_sum = f"{top}: {_pct(res['top_ref'])}" if top else ""
    cur_sum = f"{top}: {_pct(res['top_cur'])}" if top else ""
    return res, _categorical_sentence(spec, res), ref_sum, cur_sum, cur_missing

def summary_sentences(table: pd.DataFrame, max_items: int = 5) -> list[str]:
    """Plain-language summary: what differs most, or that nothing does."""
    if table.empty:
        return ["There is nothing to compare: the bundle has no training reference for these inputs."]
    drifted = table[table["drifted"]]
    if drifted.empty:
        return [f"None of the {len(table)} inputs differs noticeably from the data the model learned from."]
    head = (f"{len(drifted)} of {len(table)} inputs differ from the data the model learned from; "
            "check that the model still fits these patients before acting on its scores.")
    lines = [head, *drifted["sentence"].head(max_items).tolist()]
    if len(drifted) > max_items:
        lines.append(f"... and {len(drifted) - max_items} more (see the table).")
    return lines


def method_note(n_ref: int, thresholds: Thresholds = DEFAULT) -> str:
    """Which tests were used and why, for the screen."""
    if n_ref <= thresholds.small_reference:
        return (f"The model learned from {n_ref:,} patients (at most {thresholds.small_reference:,}), so numeric "
                f"inputs are compared with a Kolmogorov-Smirnov test and categorical ones with a chi-square test; "
                f"drift means p < {thresholds.p_value}.")
    return (f"The model learned from {n_ref:,} patients (more than {thresholds.small_reference:,}), so numeric "
            f"inputs are compared by the Wasserstein distance in training standard deviations and categorical ones "
            f"by the Jensen-Shannon distance; drift means {thresholds.distance} or more.")

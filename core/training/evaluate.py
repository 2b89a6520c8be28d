"""Held-out evaluation, reference statistics and the manifest, computed once at training time.

Everything the model page shows (curves, subgroups, comparison with LACE and HOSPITAL,
global importance) is computed here and stored with the bundle, so the page opens at
once and shows numbers that a test can compare with the manifest.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from core.analytics import metrics
from core.clinical import scores
from core.clinical.bands import age_band, risk_bands
from core.data.schema import Schema
from core.explain.explainer import Explainer
from core.model.estimator import LanternModel

LANTERN_VERSION = "0.1.0"
SAMPLE_ROWS = 400
#: The held-out summary numbers the manifest records, in its order (LACE and HOSPITAL AUCs follow).
HEADLINE_METRICS = ("auc", "auc_ci", "brier", "scaled_brier", "calibration_slope", "calibration_intercept",
                    "observed_expected")


def _clinical_scores(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    if scores.has_inputs(frame.columns, "lace"):
        out["LACE"] = scores.lace_points(frame)["total"].to_numpy(dtype=float)
    if scores.has_inputs(frame.columns, "hospital"):
        out["HOSPITAL"] = scores.hospital_points(frame)["total"].to_numpy(dtype=float)
    return out


def _records(df: pd.DataFrame, digits: int = 5) -> list[dict[str, Any]]:
    clean = df.replace([np.inf, -np.inf], np.nan).round(digits)
    return [{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()} for r in
            clean.to_dict(orient="records")]


@dataclass(frozen=True)
class Split:
    """Training and held-out rows with their outcomes; no patient is on both sides."""

    train: pd.DataFrame
    test: pd.DataFrame
    y_train: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class HeldOut:
    """Held-out evaluation: the content of performance.json and the headline numbers for the manifest."""

    performance: dict[str, Any]
    metrics: dict[str, Any]
    bands: list[dict[str, Any]]
    threshold: float


def held_out(model: LanternModel, schema: Schema, split: Split, risk_tr: np.ndarray, seed: int) -> HeldOut:
    """Performance on held-out patients, with the bands and flag threshold chosen from training risks."""
    te, y_te = split.test, split.y_test
    risk = model.predict_risk(te)
    summary = metrics.summary(y_te, risk, n_boot=1000, seed=seed)
    bands = risk_bands(risk_tr)
    threshold = bands[-1]["lower"]
    comparison, comparator_risk = _baseline_comparison(split, summary, seed)
    subgroups = _subgroups(schema, te, y_te, risk, seed)
    importance, sample = _explanation_sample(model, schema, te, float(risk_tr.mean()), seed)
    performance = {
        "n_test": len(te),
        "threshold": threshold,
        **_curves(y_te, risk, comparator_risk, threshold),
        "subgroups": _records(subgroups) if len(subgroups) else [],
        "baseline_comparison": _records(pd.DataFrame(comparison)),
        "importance": _records(importance),
        "explanation_sample": sample,
    }
    headline = {key: summary[key] for key in HEADLINE_METRICS}
    for name in ("LACE", "HOSPITAL"):
        headline[f"{name.lower()}_auc"] = next((c["auc"] for c in comparison if c["name"] == name), None)
    return HeldOut(performance=performance, metrics=headline, bands=bands, threshold=threshold)


def _baseline_comparison(
    split: Split, summary: dict[str, Any], seed: int
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """AUC of the model, LACE and HOSPITAL on the same held-out patients; the scores as risks for the decision curve."""
    y_te, y_tr = split.y_test, split.y_train
    comparators_te, comparators_tr = _clinical_scores(split.test), _clinical_scores(split.train)
    comparator_risk = {
        name: metrics.score_to_risk(comparators_tr[name], y_tr)(values) for name, values in comparators_te.items()
    }
    comparison = [{"name": "Lantern model", "auc": summary["auc"], "auc_lo": summary["auc_ci"][0],
                   "auc_hi": summary["auc_ci"][1]}]
    for name, values in comparators_te.items():
        lo, hi = metrics.auc_ci(y_te, values, n_boot=1000, seed=seed)
        comparison.append({"name": name, "auc": metrics.auc(y_te, values), "auc_lo": lo, "auc_hi": hi})
    return comparison, comparator_risk


def _curves(
    y_te: np.ndarray, risk: np.ndarray, comparator_risk: dict[str, np.ndarray], threshold: float
) -> dict[str, Any]:
    return {
        "roc": _records(metrics.roc_curve_df(y_te, risk)),
        "pr": _records(metrics.pr_curve_df(y_te, risk)),
        "calibration": _records(metrics.calibration_curve_df(y_te, risk)),
        "decision_curve": _records(metrics.decision_curve_df(y_te, risk, comparators=comparator_risk)),
        "confusion": metrics.confusion_at(y_te, risk, threshold),
    }


def _subgroups(schema: Schema, te: pd.DataFrame, y_te: np.ndarray, risk: np.ndarray, seed: int) -> pd.DataFrame:
    """Discrimination and calibration by sex, insurance, service, site and age band, where those columns exist."""
    group_cols = {}
    for role in ("sex", "insurance", "service", "site"):
        col = schema.roles.get(role)
        if col and col in te.columns:
            group_cols[role] = te[col].astype(object).to_numpy()
    if schema.roles.get("age") in te.columns:
        group_cols["age band"] = age_band(te[schema.roles["age"]])
    if not group_cols:
        return pd.DataFrame()
    return metrics.subgroup_table(pd.DataFrame(group_cols), y_te, risk, n_boot=200, seed=seed)


def _explanation_sample(
    model: LanternModel, schema: Schema, te: pd.DataFrame, baseline: float, seed: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Global importance over a seeded random sample of held-out patients, and that sample's points."""
    rng = np.random.default_rng(seed)
    take = np.sort(rng.choice(len(te), size=min(SAMPLE_ROWS, len(te)), replace=False))
    sample = te.iloc[take]
    exp = Explainer(model, baseline).explain(sample)
    importance = pd.DataFrame({
        "feature": schema.names,
        "label": [f.display_label for f in schema.features],
        "mean_abs_points": np.abs(exp.contributions.to_numpy()).mean(axis=0),
    }).sort_values("mean_abs_points", ascending=False)
    values = {
        f.name: [None if pd.isna(v) else (float(v) if f.kind != "categorical" else str(v)) for v in sample[f.name]]
        for f in schema.features
    }
    return importance, {
        "n": len(sample),
        "seed": seed,
        "source": "random sample of held-out patients",
        "values": values,
        "points": {k: [round(float(x), 5) for x in v] for k, v in exp.contributions.items()},
    }


def reference_stats(schema: Schema, tr: pd.DataFrame, risk_tr: np.ndarray) -> dict[str, Any]:
    """Aggregate training distributions for drift and percentiles (no patient-level rows)."""
    feats: dict[str, Any] = {}
    qs = np.linspace(0, 1, 101)
    for spec in schema.features:
        v = tr[spec.name]
        miss = float(pd.isna(v).mean())
        if spec.kind == "categorical":
            shares = v.fillna("not recorded").value_counts(normalize=True)
            feats[spec.name] = {"kind": spec.kind, "missing": miss,
                                "shares": {str(k): round(float(s), 6) for k, s in shares.items()}}
        else:
            x = np.asarray(v, dtype=float)
            x = x[np.isfinite(x)]
            feats[spec.name] = {
                "kind": spec.kind,
                "missing": round(miss, 6),
                "mean": float(x.mean()) if len(x) else None,
                "sd": float(x.std()) if len(x) else None,
                "quantiles": [round(float(q), 6) for q in np.quantile(x, qs)] if len(x) else [],
            }
    ref: dict[str, Any] = {
        "n": len(tr),
        "baseline_risk": float(risk_tr.mean()),
        "risk_quantiles": [round(float(q), 6) for q in np.quantile(risk_tr, qs)],
        "features": feats,
    }
    age_col, sex_col = schema.roles.get("age"), schema.roles.get("sex")
    if age_col in tr.columns and sex_col in tr.columns:
        df = pd.DataFrame({"age_band": age_band(tr[age_col]), "sex": tr[sex_col].astype(object), "risk": risk_tr})
        grouped = df.dropna().groupby(["age_band", "sex"])["risk"].agg(["mean", "median", "size"]).reset_index()
        grouped = grouped[grouped["size"] >= 20]
        ref["by_age_sex"] = _records(grouped.rename(columns={"size": "n"}), 6)
    return ref


@dataclass(frozen=True)
class TrainingFacts:
    """What the trainer knows when it writes the manifest: the data, the split and the chosen model."""

    schema: Schema
    model: LanternModel
    raw: pd.DataFrame
    y: np.ndarray
    split: Split
    risk_train: np.ndarray
    source: dict[str, Any]
    group_column: str | None
    seed: int
    comparison: list[dict[str, Any]]
    calibration: dict[str, Any]
    warnings: list[str]
    notes: list[str]


BANDS_METHOD = ("low below the training median of predicted risk; high from the training 80th percentile "
                "(the top fifth of patients), rounded to whole percents")


def build_manifest(facts: TrainingFacts, held: HeldOut) -> dict[str, Any]:
    """Every manifest part but ``files`` (save_bundle adds those), in manifest.json's order."""
    content = hashlib.sha256(pd.util.hash_pandas_object(facts.raw, index=False).to_numpy().tobytes()).hexdigest()
    return {
        "name": _bundle_name(facts.source),
        "version": f"{LANTERN_VERSION}+{content[:8]}",
        "created": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "target": _target(facts.schema, facts.source),
        "data": _data(facts, content),
        "splits": _splits(facts.split, facts.group_column, facts.seed),
        "metrics": _metrics(held, facts.split),
        "model": {"family": facts.model.family, "params": facts.model.params,
                  "n_features": len(facts.schema.features), "calibration": facts.calibration},
        "comparison": facts.comparison,
        "risk_bands": held.bands,
        "risk_bands_method": BANDS_METHOD,
        "decision_threshold": held.threshold,
        "reference": reference_stats(facts.schema, facts.split.train, facts.risk_train),
        "warnings": facts.warnings,
        "schema_notes": facts.notes,
        "versions": _versions(),
    }


def _bundle_name(source: dict[str, Any]) -> str:
    if source.get("name"):
        return str(source["name"])
    if source.get("kind") == "synthetic":
        return "Lantern default 30-day readmission model"
    return f"Lantern model for {source.get('file', 'uploaded data')}"


def _target(schema: Schema, source: dict[str, Any]) -> dict[str, Any]:
    return {
        "column": schema.target,
        "positive": schema.positive,
        "label": schema.target_label,
        "definition": source.get("target_definition")
        or f"{schema.target_label} (the column '{schema.target}' equals '{schema.positive}').",
    }


def _data(facts: TrainingFacts, content: str) -> dict[str, Any]:
    """Where the data came from: source, fingerprint (counts, columns, hash), date range and sites."""
    raw, schema = facts.raw, facts.schema
    date_col, site_col = schema.roles.get("date"), schema.roles.get("site")
    dates = {}
    if date_col and date_col in raw.columns:
        d = pd.to_datetime(raw[date_col], errors="coerce").dropna()
        if len(d):
            dates = {"column": date_col, "from": str(d.min().date()), "to": str(d.max().date())}
    return {
        "source": facts.source,
        "fingerprint": {"rows": len(raw), "events": int(facts.y.sum()), "columns": list(map(str, raw.columns)),
                        "sha256": content},
        "dates": dates,
        "sites": sorted(raw[site_col].dropna().astype(str).unique().tolist()) if site_col in raw.columns else [],
        "group_column": facts.group_column,
    }


def _split_counts(frame: pd.DataFrame, y: np.ndarray) -> dict[str, Any]:
    return {"rows": len(frame), "events": int(y.sum()), "event_rate": round(float(y.mean()), 4)}


def _splits(split: Split, group_column: str | None, seed: int) -> dict[str, Any]:
    return {"train": _split_counts(split.train, split.y_train), "test": _split_counts(split.test, split.y_test),
            "method": f"grouped by {group_column}" if group_column else "by row", "test_share": 0.25, "seed": seed}


def _metrics(held: HeldOut, split: Split) -> dict[str, Any]:
    return {
        **held.metrics,
        "n_train": len(split.train),
        "n_test": len(split.test),
        "events_train": int(split.y_train.sum()),
        "events_test": int(split.y_test.sum()),
    }


def _versions() -> dict[str, str]:
    """The software this bundle is built with; scikit-learn must match when it loads."""
    import joblib
    import pandas
    import shap
    import sklearn

    return {
        "lantern": LANTERN_VERSION,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "shap": shap.__version__,
        "pandas": pandas.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
    }

"""Held-out evaluation, reference statistics and the manifest, computed once at training time.

Everything the model page shows (curves, subgroups, comparison with LACE and HOSPITAL,
global importance) is computed here and stored with the bundle, so the page opens at
once and shows numbers that a test can compare with the manifest.
"""

from __future__ import annotations

import hashlib
import platform
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


def held_out(
    model: LanternModel,
    schema: Schema,
    te: pd.DataFrame,
    y_te: np.ndarray,
    tr: pd.DataFrame,
    y_tr: np.ndarray,
    risk_tr: np.ndarray,
    baseline: float,
    seed: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Performance on held-out patients: (performance.json content, headline metrics)."""
    risk = model.predict_risk(te)
    summary = metrics.summary(y_te, risk, n_boot=1000, seed=seed)
    bands = risk_bands(risk_tr)
    threshold = bands[-1]["lower"]
    comparators_te = _clinical_scores(te)
    comparators_tr = _clinical_scores(tr)
    comparator_risk = {
        name: metrics.score_to_risk(comparators_tr[name], y_tr)(values) for name, values in comparators_te.items()
    }
    comparison = [{"name": "Lantern model", "auc": summary["auc"], "auc_lo": summary["auc_ci"][0],
                   "auc_hi": summary["auc_ci"][1]}]
    for name, values in comparators_te.items():
        lo, hi = metrics.auc_ci(y_te, values, n_boot=1000, seed=seed)
        comparison.append({"name": name, "auc": metrics.auc(y_te, values), "auc_lo": lo, "auc_hi": hi})
    group_cols = {}
    for role, label in (("sex", "sex"), ("insurance", "insurance"), ("service", "service"), ("site", "site")):
        col = schema.roles.get(role)
        if col and col in te.columns:
            group_cols[label] = te[col].astype(object).to_numpy()
    if schema.roles.get("age") in te.columns:
        group_cols["age band"] = age_band(te[schema.roles["age"]])
    subgroups = metrics.subgroup_table(pd.DataFrame(group_cols), y_te, risk, n_boot=200, seed=seed) \
        if group_cols else pd.DataFrame()
    explainer = Explainer(model, baseline)
    rng = np.random.default_rng(seed)
    take = np.sort(rng.choice(len(te), size=min(SAMPLE_ROWS, len(te)), replace=False))
    sample = te.iloc[take]
    exp = explainer.explain(sample)
    importance = pd.DataFrame({
        "feature": schema.names,
        "label": [f.display_label for f in schema.features],
        "mean_abs_points": np.abs(exp.contributions.to_numpy()).mean(axis=0),
    }).sort_values("mean_abs_points", ascending=False)
    sample_values = {
        f.name: [None if pd.isna(v) else (float(v) if f.kind != "categorical" else str(v)) for v in sample[f.name]]
        for f in schema.features
    }
    performance = {
        "n_test": len(te),
        "threshold": threshold,
        "roc": _records(metrics.roc_curve_df(y_te, risk)),
        "pr": _records(metrics.pr_curve_df(y_te, risk)),
        "calibration": _records(metrics.calibration_curve_df(y_te, risk)),
        "decision_curve": _records(metrics.decision_curve_df(y_te, risk, comparators=comparator_risk)),
        "confusion": metrics.confusion_at(y_te, risk, threshold),
        "subgroups": _records(subgroups) if len(subgroups) else [],
        "baseline_comparison": _records(pd.DataFrame(comparison)),
        "importance": _records(importance),
        "explanation_sample": {
            "n": len(sample),
            "seed": seed,
            "source": "random sample of held-out patients",
            "values": sample_values,
            "points": {k: [round(float(x), 5) for x in v] for k, v in exp.contributions.items()},
        },
    }
    headline = {
        "auc": summary["auc"],
        "auc_ci": summary["auc_ci"],
        "brier": summary["brier"],
        "scaled_brier": summary["scaled_brier"],
        "calibration_slope": summary["calibration_slope"],
        "calibration_intercept": summary["calibration_intercept"],
        "observed_expected": summary["observed_expected"],
        "lace_auc": next((c["auc"] for c in comparison if c["name"] == "LACE"), None),
        "hospital_auc": next((c["auc"] for c in comparison if c["name"] == "HOSPITAL"), None),
        "threshold": threshold,
        "bands": bands,
    }
    return performance, headline


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


def build_manifest(
    *,
    schema: Schema,
    model: LanternModel,
    raw: pd.DataFrame,
    y: np.ndarray,
    tr: pd.DataFrame,
    y_tr: np.ndarray,
    te: pd.DataFrame,
    y_te: np.ndarray,
    risk_tr: np.ndarray,
    baseline: float,
    held_out: dict[str, Any],
    comparison: list[dict[str, Any]],
    calibration: dict[str, Any],
    warnings: list[str],
    notes: list[str],
    source: dict[str, Any],
    group_column: str | None,
    seed: int,
) -> dict[str, Any]:
    import joblib
    import pandas
    import shap
    import sklearn

    content = hashlib.sha256(pd.util.hash_pandas_object(raw, index=False).to_numpy().tobytes()).hexdigest()
    date_col = schema.roles.get("date")
    dates = {}
    if date_col and date_col in raw.columns:
        d = pd.to_datetime(raw[date_col], errors="coerce").dropna()
        if len(d):
            dates = {"column": date_col, "from": str(d.min().date()), "to": str(d.max().date())}
    site_col = schema.roles.get("site")
    sites = sorted(raw[site_col].dropna().astype(str).unique().tolist()) if site_col in raw.columns else []
    created = datetime.now(UTC).replace(microsecond=0).isoformat()

    def split_info(frame: pd.DataFrame, yy: np.ndarray) -> dict[str, Any]:
        return {"rows": len(frame), "events": int(yy.sum()), "event_rate": round(float(yy.mean()), 4)}

    return {
        "name": source.get("name") or ("Lantern default 30-day readmission model" if source.get("kind") == "synthetic"
                                       else f"Lantern model for {source.get('file', 'uploaded data')}"),
        "version": f"{LANTERN_VERSION}+{content[:8]}",
        "created": created,
        "target": {
            "column": schema.target,
            "positive": schema.positive,
            "label": schema.target_label,
            "definition": source.get("target_definition")
            or f"{schema.target_label} (the column '{schema.target}' equals '{schema.positive}').",
        },
        "data": {
            "source": source,
            "fingerprint": {"rows": len(raw), "events": int(y.sum()), "columns": list(map(str, raw.columns)),
                            "sha256": content},
            "dates": dates,
            "sites": sites,
            "group_column": group_column,
        },
        "splits": {"train": split_info(tr, y_tr), "test": split_info(te, y_te),
                   "method": f"grouped by {group_column}" if group_column else "by row", "test_share": 0.25,
                   "seed": seed},
        "metrics": {
            "auc": held_out["auc"],
            "auc_ci": held_out["auc_ci"],
            "brier": held_out["brier"],
            "scaled_brier": held_out["scaled_brier"],
            "calibration_slope": held_out["calibration_slope"],
            "calibration_intercept": held_out["calibration_intercept"],
            "observed_expected": held_out["observed_expected"],
            "lace_auc": held_out["lace_auc"],
            "hospital_auc": held_out["hospital_auc"],
            "n_train": len(tr),
            "n_test": len(te),
            "events_train": int(y_tr.sum()),
            "events_test": int(y_te.sum()),
        },
        "model": {"family": model.family, "params": model.params, "n_features": len(schema.features),
                  "calibration": calibration},
        "comparison": comparison,
        "risk_bands": held_out["bands"],
        "risk_bands_method": "low below the training median of predicted risk; high from the training 80th percentile "
                             "(the top fifth of patients), rounded to whole percents",
        "decision_threshold": held_out["threshold"],
        "reference": reference_stats(schema, tr, risk_tr),
        "warnings": warnings,
        "schema_notes": notes,
        "versions": {
            "lantern": LANTERN_VERSION,
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "shap": shap.__version__,
            "pandas": pandas.__version__,
            "numpy": np.__version__,
            "joblib": joblib.__version__,
        },
    }

"""Build a model bundle from a CSV: ``python -m core.train [--data FILE.csv --target COL ...] --out DIR``.

With no arguments it rebuilds the default bundle in ``artifacts/default`` from the
synthetic generator (fixed seed). With ``--data`` it builds a bundle from any hospital
extract: infer the schema, split by patient, compare model families by grouped
cross-validation, prefer the cheaper-to-explain of equally accurate models, check and
fix calibration, evaluate on held-out patients and write the bundle.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from core.analytics import metrics
from core.data.csvio import CsvError, read_csv_bytes, read_csv_path
from core.data.infer import SchemaError, infer_schema, load_schema_file, target_vector
from core.data.schema import Schema
from core.data.validate import ValidationError, validate
from core.model.bundle import DEFAULT_BUNDLE, save_bundle
from core.model.estimator import Family, LanternModel, logit
from core.model.linear import LinearLogOdds
from core.model.manifest import Manifest
from core.project_files import project_path
from core.training import evaluate
from core.training.candidates import Candidate, default_candidates, log_loss
from core.training.population import record_population

LEAKAGE_AUC = 0.85
SEARCH_ROWS = 30_000
EQUAL_AUC = 0.005
DEMO_SCHEMA = project_path("data", "demo_schema.json")

Progress = Callable[[str], None]


def _say(msg: str) -> None:
    print(msg, flush=True)


@dataclass(frozen=True)
class Prepared:
    """The usable rows of a training file: schema, rows kept, their outcomes and patient groups."""

    schema: Schema
    notes: list[str]
    raw: pd.DataFrame
    clean: pd.DataFrame
    y: np.ndarray
    groups: np.ndarray


def train_bundle(
    raw: pd.DataFrame,
    target: str,
    out: Path,
    positive: str | None = None,
    id_columns: tuple[str, ...] = (),
    group_column: str | None = None,
    overrides: dict[str, Any] | None = None,
    seed: int = 42,
    source: dict[str, Any] | None = None,
    candidates: list[Candidate] | None = None,
    progress: Progress = _say,
    row_problems: dict[int, str] | None = None,
) -> Manifest:
    """Train, evaluate and save a bundle. Returns the manifest.

    ``row_problems`` are rows the CSV reader found broken (0-based): they are left out.
    """
    start = time.perf_counter()
    if group_column and group_column not in raw.columns:
        raise SchemaError(f"--group-col '{group_column}' is not a column; the columns are: {', '.join(raw.columns)}.")
    progress(f"Read {len(raw):,} rows x {raw.shape[1]} columns.")
    data = prepare(raw, target, positive, id_columns, group_column, overrides or {}, row_problems, progress)
    split, train_groups = split_rows(data, group_column, seed, progress)
    warnings = leakage_warnings(data.schema, split.train, split.y_train)
    for w in warnings:
        progress(f"  WARNING: {w}")
    comparison, chosen, oof_margin, oof_y = compare_candidates(
        data.schema, split.train, split.y_train, train_groups, candidates or default_candidates(), seed, progress
    )
    progress(f"Chosen: {chosen.label}.")
    model = fit_final(data.schema, chosen, split.train, split.y_train, seed)
    calibration = recalibration(oof_margin, oof_y)
    if calibration["applied"]:
        model.calibration_a, model.calibration_b = calibration["a"], calibration["b"]
        progress(f"  recalibrated: cross-validated slope {calibration['slope_before']:.2f}, "
                 f"intercept {calibration['intercept_before']:.2f}.")
    risk_tr = model.predict_risk(split.train)
    progress("Evaluating on held-out patients ...")
    held = evaluate.held_out(model, data.schema, split, risk_tr, seed)
    warnings += held_out_warnings(held, progress)
    importance = {row["feature"]: row["mean_abs_points"] for row in held.performance["importance"]}
    model.schema = record_population(data.schema, data.clean, overrides or {}, importance)
    progress(f"  required inputs: {', '.join(model.schema.required_names) or 'none'}.")
    facts = evaluate.TrainingFacts(
        schema=model.schema, model=model, raw=data.raw, y=data.y, split=split, risk_train=risk_tr,
        source=source or {}, group_column=group_column, seed=seed, comparison=comparison,
        calibration=calibration, warnings=warnings, notes=data.notes,
    )
    manifest = save_bundle(out, model, evaluate.build_manifest(facts, held), held.performance)
    _report(held, progress)
    progress(f"Bundle written to {out} in {time.perf_counter() - start:.0f} s.")
    return manifest


def prepare(
    raw: pd.DataFrame,
    target: str,
    positive: str | None,
    id_columns: tuple[str, ...],
    group_column: str | None,
    overrides: dict[str, Any],
    row_problems: dict[int, str] | None,
    progress: Progress,
) -> Prepared:
    """Infer the schema, keep rows with an outcome and valid values, and refuse too little data."""
    schema, notes = infer_schema(raw, target, positive, id_columns, group_column, overrides)
    for note in notes:
        progress(f"  schema: {note}")
    y_all, _ = target_vector(raw[target], schema.positive)
    labelled = ~np.isnan(y_all)
    raw = raw.loc[labelled].reset_index(drop=True)
    y_all = y_all[labelled]
    result = validate(raw, schema, row_problems=_kept_problems(row_problems, labelled))
    if result.n_rejected:
        progress(f"  {result.n_rejected:,} rows with impossible or unreadable values left out of training.")
    kept = result.clean.index.to_numpy()
    clean, y = result.clean.reset_index(drop=True), y_all[kept]
    groups = raw[group_column].astype(str).to_numpy()[kept] if group_column else np.arange(len(clean)).astype(str)
    if len(clean) < 200 or y.sum() < 20 or (1 - y).sum() < 20:
        raise SchemaError(
            f"Too little data to train: {len(clean)} usable rows with {int(y.sum())} events; "
            "Lantern needs at least 200 rows and 20 events of each outcome."
        )
    return Prepared(schema=schema, notes=notes, raw=raw, clean=clean, y=y, groups=groups)


def split_rows(
    data: Prepared, group_column: str | None, seed: int, progress: Progress
) -> tuple[evaluate.Split, np.ndarray]:
    """Training and held-out sets with no patient on both sides, and the training rows' patient groups."""
    train_idx, test_idx = grouped_split(data.groups, seed)
    split = evaluate.Split(
        train=data.clean.iloc[train_idx].reset_index(drop=True), test=data.clean.iloc[test_idx].reset_index(drop=True),
        y_train=data.y[train_idx], y_test=data.y[test_idx],
    )
    by = f"patient ({group_column})" if group_column else "row"
    progress(
        f"Split by {by}: {len(split.train):,} training rows ({int(split.y_train.sum()):,} events), "
        f"{len(split.test):,} held-out ({int(split.y_test.sum()):,} events)."
    )
    return split, data.groups[train_idx]


def held_out_warnings(held: evaluate.HeldOut, progress: Progress) -> list[str]:
    """A held-out AUC too good to be true for readmission."""
    auc = held.metrics["auc"]
    if auc <= LEAKAGE_AUC:
        return []
    warning = (f"Held-out AUC is {auc:.3f}, above {LEAKAGE_AUC}: for readmission this almost always means "
               "leakage (a post-discharge variable, a patient in both sets) or a mis-defined target.")
    progress(f"  WARNING: {warning}")
    return [warning]


def _report(held: evaluate.HeldOut, progress: Progress) -> None:
    m = held.metrics
    progress(
        f"Held-out AUC {m['auc']:.3f} (95% CI {m['auc_ci'][0]:.3f}-{m['auc_ci'][1]:.3f}), "
        f"calibration slope {m['calibration_slope']:.2f}, Brier {m['brier']:.3f}."
    )
    for name in ("lace_auc", "hospital_auc"):
        if m.get(name) is not None:
            progress(f"  {name.split('_')[0].upper()} on the same patients: AUC {m[name]:.3f}")


def _kept_problems(problems: dict[int, str] | None, kept: np.ndarray) -> dict[int, str]:
    """Re-number reader problems after rows without an outcome were dropped."""
    if not problems:
        return {}
    new_index = np.cumsum(kept) - 1
    return {int(new_index[i]): why for i, why in problems.items() if kept[i]}


def grouped_split(groups: np.ndarray, seed: int, test_size: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of train and test such that no group (patient) is on both sides."""
    split = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    train_idx, test_idx = next(split.split(np.zeros(len(groups)), groups=groups))
    return np.sort(train_idx), np.sort(test_idx)


def leakage_warnings(schema: Schema, frame: pd.DataFrame, y: np.ndarray) -> list[str]:
    """Any single feature that separates the outcome too well is probably leaking it."""
    out = []
    for spec in schema.features:
        v = frame[spec.name]
        if spec.kind == "categorical":
            rates = pd.Series(y).groupby(v.fillna("not recorded").to_numpy()).transform("mean").to_numpy()
            score = rates
        else:
            x = np.asarray(v, dtype=float)
            score = np.where(np.isnan(x), np.nanmedian(x) if np.isfinite(x).any() else 0.0, x)
        auc = metrics.auc(y, score)
        auc = max(auc, 1 - auc) if np.isfinite(auc) else auc
        if np.isfinite(auc) and auc > LEAKAGE_AUC:
            out.append(f"'{spec.name}' alone has AUC {auc:.3f} (> {LEAKAGE_AUC}): probable leakage; check it.")
    return out


def compare_candidates(
    schema: Schema,
    frame: pd.DataFrame,
    y: np.ndarray,
    groups: np.ndarray,
    candidates: list[Candidate],
    seed: int,
    progress: Progress,
) -> tuple[list[dict[str, Any]], Candidate, np.ndarray, np.ndarray]:
    """Grouped k-fold AUC and log-loss for each candidate; pick the cheapest of the best."""
    rng = np.random.default_rng(seed)
    unique = np.unique(groups)
    if len(frame) > SEARCH_ROWS:
        keep_groups = rng.choice(unique, size=int(len(unique) * SEARCH_ROWS / len(frame)), replace=False)
        mask = np.isin(groups, keep_groups)
        frame, y, groups = frame[mask].reset_index(drop=True), y[mask], groups[mask]
        progress(f"Model search on a grouped sample of {len(frame):,} training rows.")
    n_splits = 5 if len(frame) <= 20_000 else 3
    folds = list(GroupKFold(n_splits=n_splits).split(frame, y, groups))
    rows: list[dict[str, Any]] = []
    oof: dict[str, np.ndarray] = {}
    for i, cand in enumerate(candidates, 1):
        t0 = time.perf_counter()
        margin = np.zeros(len(frame))
        aucs, losses = [], []
        n_cols = 0
        for fit_idx, val_idx in folds:
            f_fit, f_val = frame.iloc[fit_idx], frame.iloc[val_idx]
            enc = cand.encoder(schema).fit(f_fit, y[fit_idx])
            X_fit, X_val = enc.transform(f_fit), enc.transform(f_val)
            n_cols = X_fit.shape[1]
            est = cand.estimator(seed).fit(X_fit, y[fit_idx])
            m = est.decision_function(X_val)
            margin[val_idx] = m
            p = 1 / (1 + np.exp(-m))
            aucs.append(metrics.auc(y[val_idx], p))
            losses.append(log_loss(y[val_idx], p))
        oof[cand.label] = margin
        row = {
            "family": cand.family,
            "params": cand.params,
            "cv_auc": round(float(np.mean(aucs)), 4),
            "cv_auc_sd": round(float(np.std(aucs)), 4),
            "cv_log_loss": round(float(np.mean(losses)), 4),
            "explain_cost": cand.explain_cost(n_cols),
            "selected": False,
        }
        rows.append(row)
        progress(
            f"  [{i}/{len(candidates)}] {cand.label}: grouped {n_splits}-fold AUC {row['cv_auc']:.3f} "
            f"+/- {row['cv_auc_sd']:.3f}, log-loss {row['cv_log_loss']:.4f} ({time.perf_counter() - t0:.1f} s)"
        )
    best = max(r["cv_auc"] for r in rows)
    equal = [i for i, r in enumerate(rows) if r["cv_auc"] >= best - EQUAL_AUC]
    pick = min(equal, key=lambda i: (rows[i]["explain_cost"], -rows[i]["cv_auc"]))
    rows[pick]["selected"] = True
    chosen = candidates[pick]
    return rows, chosen, oof[chosen.label], y


def fit_final(schema: Schema, cand: Candidate, frame: pd.DataFrame, y: np.ndarray, seed: int) -> LanternModel:
    enc = cand.encoder(schema).fit(frame, y)
    X = enc.transform(frame)
    est = cand.estimator(seed).fit(X, y)
    if hasattr(est, "coef_"):  # linear families: plain arrays, so scoring never imports scikit-learn
        est = LinearLogOdds.from_fitted(est)
    model = LanternModel(family=cand.family, schema=schema, encoder=enc, estimator=est, params=dict(cand.params))
    margin = model.margin(X)
    model.expected_margin = float(margin.mean())
    model.encoded_means = X.mean(axis=0)
    return model


def recalibration(oof_margin: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Logistic recalibration fitted on cross-validated predictions, applied only when needed.

    Needed means a cross-validated calibration slope outside 0.9-1.1 or an intercept
    outside -0.1-0.1; the held-out set is never used to fit it.
    """
    p = 1 / (1 + np.exp(-oof_margin))
    intercept, slope = metrics.calibration_intercept_slope(y, p)
    fit = LogisticRegression(C=1e6, max_iter=1000).fit(logit(p).reshape(-1, 1), y)
    a, b = float(fit.intercept_[0]), float(fit.coef_[0, 0])
    applied = bool(abs(slope - 1) > 0.1 or abs(intercept) > 0.1)
    return {
        "method": "logistic recalibration on grouped cross-validated predictions",
        "slope_before": round(float(slope), 4),
        "intercept_before": round(float(intercept), 4),
        "applied": applied,
        "a": a if applied else 0.0,
        "b": b if applied else 1.0,
    }


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m core.train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="a CSV with one row per discharge (default: the synthetic cohort)")
    ap.add_argument("--target", help="the outcome column")
    ap.add_argument("--positive", help="the outcome value that counts as the event (default: 1/yes/true)")
    ap.add_argument("--id-cols", default="", help="comma-separated identifier columns (never features)")
    ap.add_argument("--group-col", help="patient column: the same patient is never in both train and test")
    ap.add_argument("--schema", type=Path, help="JSON/YAML file with labels, units, ranges, modifiable, exclude")
    ap.add_argument("--out", type=Path, help="bundle folder to write")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rows", type=int, default=20_000, help="synthetic rows when no --data is given")
    ap.add_argument("--family", choices=get_args(Family), default=None,
                    help="compare only this model family's configurations (default: all three families)")
    return ap.parse_args(argv)


def _candidates(family: str | None) -> list[Candidate] | None:
    """The default grid, or only one family's part of it (None: the trainer's default, all families)."""
    return None if family is None else [c for c in default_candidates() if c.family == family]


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        if args.data is None:
            from core.synthetic.generator import generate

            raw, _ = read_csv_bytes(generate(args.rows, args.seed).to_csv(index=False).encode("utf-8"))
            overrides = load_schema_file(DEMO_SCHEMA)
            source = {"kind": "synthetic", "generator": "core.synth", "rows": args.rows, "seed": args.seed}
            train_bundle(
                raw, "readmitted_30d", args.out or DEFAULT_BUNDLE, positive="1",
                id_columns=("encounter_id",), group_column="patient_id",
                overrides=overrides, seed=args.seed, source=source, candidates=_candidates(args.family),
            )
            return 0
        if not args.target or not args.out:
            print("error: --data needs --target COL and --out DIR as well.", file=sys.stderr)
            return 2
        raw, info = read_csv_path(args.data)
        overrides = load_schema_file(args.schema) if args.schema else {}
        ids = tuple(c.strip() for c in args.id_cols.split(",") if c.strip())
        missing = [c for c in ids if c not in raw.columns]
        if missing:
            raise SchemaError(f"--id-cols names columns that are not in the file: {', '.join(missing)}.")
        source = {"kind": "csv", "file": args.data.name,
                  **{k: v for k, v in info.items() if k != "row_problems"}}
        train_bundle(
            raw, args.target, args.out, positive=args.positive, id_columns=ids,
            group_column=args.group_col, overrides=overrides, seed=args.seed, source=source,
            row_problems=info.get("row_problems"), candidates=_candidates(args.family),
        )
        return 0
    except (SchemaError, CsvError, ValidationError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

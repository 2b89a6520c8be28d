"""How much faster core.explain.treeshap explains boosted trees than shap, and that it agrees.

    .venv/bin/python -m bench.explain_speed [--rows 100000] [--data synth|random] [--depths 3 4 5]

Trains a HistGradientBoostingClassifier per depth (300 iterations, max_leaf_nodes=2**depth,
as core.training.candidates builds them) on the synthetic cohort encoded by the trainer's
TreeEncoder (or on random data with NaNs), then explains ``--rows`` rows with
``shap.TreeExplainer(model).shap_values`` (one run; it is slow) and with
``core.explain.treeshap.shap_values`` (warm: after one compiling call; best of 3).
Prints seconds, the speed ratio and the largest absolute difference in log-odds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from core.explain import treeshap as fast_treeshap

TRAIN_ROWS = 20_000


def synth_matrix(rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The synthetic cohort as the trainer encodes it for trees (one numeric column per feature, NaN missing)."""
    from core.data.csvio import read_csv_bytes
    from core.data.infer import infer_schema, load_schema_file, target_vector
    from core.data.validate import validate
    from core.model.encode import TreeEncoder
    from core.synthetic.generator import generate
    from core.training.train import DEMO_SCHEMA

    raw, _ = read_csv_bytes(generate(rows, seed).to_csv(index=False).encode("utf-8"), max_rows=rows + 1)
    schema, _ = infer_schema(raw, "readmitted_30d", "1", ("encounter_id",), "patient_id",
                             load_schema_file(DEMO_SCHEMA))
    y_all, _ = target_vector(raw["readmitted_30d"], schema.positive)
    clean = validate(raw, schema).clean
    y = y_all[clean.index.to_numpy()]
    keep = ~np.isnan(y)
    clean, y = clean.loc[keep], y[keep]
    X = TreeEncoder(schema).fit(clean, y).transform(clean)
    return X, y.astype(int)


def random_matrix(rows: int, seed: int, n_features: int = 20) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, n_features))
    logit = X[:, :5] @ np.array([0.8, -0.5, 0.4, 0.3, -0.2]) + 0.5 * X[:, 0] * X[:, 1] - 1.5
    X[rng.random(X.shape) < 0.1] = np.nan
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def compare(
    X: np.ndarray, y: np.ndarray, depth: int, iterations: int = 300, with_shap: bool = True
) -> dict[str, float]:
    """Train one boosted model of this depth, explain X both ways; seconds, largest difference, additivity."""
    import shap

    model = HistGradientBoostingClassifier(
        max_depth=depth, max_leaf_nodes=2**depth, learning_rate=0.05, max_iter=iterations,
        min_samples_leaf=50, l2_regularization=1.0, early_stopping=False, random_state=0,
    ).fit(X[:TRAIN_ROWS], y[:TRAIN_ROWS])
    t = time.perf_counter()
    tables = fast_treeshap.TreeTables.from_hist_gradient_boosting(model)
    build = time.perf_counter() - t
    fast_treeshap.shap_values(tables, X[:100])  # warm
    best = np.inf
    for _ in range(3):
        t = time.perf_counter()
        phi = fast_treeshap.shap_values(tables, X)
        best = min(best, time.perf_counter() - t)
    additivity = float(np.max(np.abs(phi.sum(axis=1) + fast_treeshap.expected_value(tables)
                                     - model.decision_function(X))))
    slow, diff = float("nan"), float("nan")
    if with_shap:
        t = time.perf_counter()
        ref = np.asarray(shap.TreeExplainer(model).shap_values(X), dtype=np.float64)
        slow = time.perf_counter() - t
        diff = float(np.max(np.abs(ref - phi)))
    return {"build_s": build, "fast_s": best, "shap_s": slow, "max_diff": diff, "additivity": additivity}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--data", choices=("synth", "random"), default="synth")
    ap.add_argument("--depths", type=int, nargs="+", default=[3, 4, 5])
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--no-shap", action="store_true", help="time the fast path only")
    args = ap.parse_args(argv)
    make = synth_matrix if args.data == "synth" else random_matrix
    X, y = make(args.rows, 7)
    while len(X) < args.rows:  # validation may drop a few rows: repeat to the requested count
        X, y = np.vstack([X, X]), np.concatenate([y, y])
    X, y = X[: args.rows], y[: args.rows]
    print(f"data: {args.data}, {X.shape[0]:,} rows x {X.shape[1]} features, "
          f"{np.isnan(X).mean():.1%} missing cells; models: {args.iterations} iterations")

    t = time.perf_counter()
    fast_treeshap.warm_up()
    print(f"first kernel call (compile or load cache): {time.perf_counter() - t:.2f} s")

    header = f"{'rows':>8} {'depth':>5} {'build s':>8} {'shap s':>9} {'fast s':>8} {'ratio':>7} {'max abs diff':>13}"
    lines = [header]
    for depth in args.depths:
        r = compare(X, y, depth, args.iterations, with_shap=not args.no_shap)
        lines.append(f"{len(X):>8,} {depth:>5} {r['build_s']:>8.2f} {r['shap_s']:>9.2f} {r['fast_s']:>8.3f} "
                     f"{r['shap_s'] / r['fast_s']:>6.1f}x {r['max_diff']:>13.2e}   (additivity {r['additivity']:.1e})")
        print(lines[-1], flush=True)
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

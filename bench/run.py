"""Lantern's benchmark table: ``python -m bench.run [--sizes 1000,10000,100000] [--browser]``.

Measured side by side in one run, on the same bundle and data:
- one patient: validate + score + explain, p50 and p95 over 200 patients (in process, warm);
- cohorts: read CSV bytes + validate + score + explain + top reasons + write CSV, wall seconds,
  rows per second and peak RSS, each size in a fresh process (so RSS is that size's own);
- the batch path on a file (``core.scoring.batch.score_file``, what ``python -m core.score --explain``
  runs: streamed in chunks, writing overlapped with scoring) in a warm process, and the whole
  ``python -m core.score --explain`` process (interpreter start and imports included), median
  of 3 runs with its peak RSS;
- the reference: the same explanation work done by one raw shap call on the same model
  (TreeExplainer for trees, LinearExplainer for linear models) and the ratio to Lantern's;
  and, since the shipped model may be linear, the same comparison on a boosted-tree model of
  depth 3 (300 trees, as the trainer builds them) against ``shap.TreeExplainer``;
- with ``--browser``: app cold start to first paint and a patient what-if round trip in a
  real Chromium.

Ratios against the reference in the same run are what to compare across machines; these
machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cohort_bytes(rows: int, seed: int) -> bytes:
    from core.synthetic.generator import generate

    return generate(rows, seed, labelled=False).to_csv(index=False).encode("utf-8")


def one_cohort(rows: int) -> dict[str, float]:
    """Child process: time the whole upload path for one cohort size."""
    from core.data.csvio import read_csv_bytes, to_csv_bytes
    from core.scoring.engine import Engine

    engine = Engine.load()
    data = _cohort_bytes(rows, seed=101)
    engine.score(read_csv_bytes(_cohort_bytes(200, seed=5))[0])  # warm caches / compile once
    start = time.perf_counter()
    raw, info = read_csv_bytes(data)
    result = engine.score(raw, row_problems=info["row_problems"])
    out = to_csv_bytes(result.output)
    wall = time.perf_counter() - start
    assert result.counts["read"] == rows and len(out) > 0
    clean = result.validation.clean
    X = engine.bundle.model.encode(clean)
    t0 = time.perf_counter()
    engine.explainer.log_odds(X)
    ours = time.perf_counter() - t0
    _reference_explain(engine, X[:50])  # import shap and warm it outside the timing, as ours is warm
    t0 = time.perf_counter()
    _reference_explain(engine, X)
    ref = time.perf_counter() - t0
    return {"rows": rows, "wall_s": wall, "rows_per_s": rows / wall, "explain_s": ours, "reference_s": ref,
            "peak_rss_mb": _peak_rss_mb()}


#: ``python -m core.score`` that prints its own VmHWM (reset at exec) last on stderr. A child's ru_maxrss
#: would include the parent's peak, which Linux carries into a spawned child.
_CLI_REPORTING_PEAK = (
    "import atexit, runpy, sys\n"
    "def _peak():\n"
    "    hwm = next(line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
    "    print('VmHWM', hwm, file=sys.stderr)\n"
    "atexit.register(_peak)\n"
    "sys.argv = ['core.score', *sys.argv[1:]]\n"
    "runpy.run_module('core.score', run_name='__main__')\n"
)


def batch_file(rows: int) -> dict[str, float]:
    """Child process: the CLI's file path (streamed, writing overlapped) warm, then the whole CLI process."""
    import statistics
    import tempfile

    from core.data.limits import max_cell
    from core.scoring.batch import score_file
    from core.scoring.engine import Engine

    engine = Engine.load()
    with tempfile.TemporaryDirectory(prefix="lantern-bench-") as tmp:  # synthetic data only
        src, out = Path(tmp) / "cohort.csv", Path(tmp) / "scored.csv"
        src.write_bytes(_cohort_bytes(200, seed=5))
        score_file(engine, src, out, explain=True, max_cell=max_cell())  # warm caches / compile once
        src.write_bytes(_cohort_bytes(rows, seed=101))
        start = time.perf_counter()
        counts = score_file(engine, src, out, explain=True, max_cell=max_cell())
        warm = time.perf_counter() - start
        assert counts.read == rows and out.stat().st_size > 0
        walls, peaks = [], []
        for _ in range(3):
            start = time.perf_counter()
            proc = subprocess.run([sys.executable, "-c", _CLI_REPORTING_PEAK, "--input", str(src), "--output",
                                   str(out), "--explain"], cwd=ROOT, capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            assert proc.returncode == 0, proc.stderr[-2000:]
            peaks.append(int(proc.stderr.strip().splitlines()[-1].split()[1]) / 1024)
    return {"rows": rows, "warm_s": warm, "process_s": statistics.median(walls), "process_rss_mb": max(peaks)}


def tree_reference(rows: int) -> dict[str, float]:
    """Child process: fast TreeSHAP vs shap.TreeExplainer on a depth-3 boosted model of the synthetic cohort."""
    from bench.explain_speed import compare, synth_matrix

    X, y = synth_matrix(rows, 7)
    while len(X) < rows:  # validation may drop a few rows: repeat to the requested count
        X, y = np.vstack([X, X]), np.concatenate([y, y])
    return {"rows": rows, **compare(X[:rows], y[:rows], depth=3)}


def _reference_explain(engine, X: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    import shap

    model = engine.bundle.model
    if model.is_linear:
        masker = shap.maskers.Independent(np.asarray([model.encoded_means]))
        return shap.LinearExplainer(model.estimator, masker).shap_values(X)
    return shap.TreeExplainer(model.estimator).shap_values(X)


def one_patient(n: int = 200) -> dict[str, float]:
    from core.data.csvio import read_csv_bytes
    from core.scoring.engine import Engine

    engine = Engine.load()
    raw, _ = read_csv_bytes(_cohort_bytes(n, seed=77))
    rows = raw.to_dict(orient="records")
    engine.patient(rows[0])
    times = []
    for row in rows:
        t0 = time.perf_counter()
        engine.patient(row)
        times.append(time.perf_counter() - t0)
    ms = np.asarray(times) * 1000
    return {"n": n, "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


def _child(rows: int, kind: str = "cohort") -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.run", "--child", str(rows), "--child-kind", kind], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    mem = next((int(ln.split()[1]) // 1024 // 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                if ln.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--browser", action="store_true", help="also time the app in a real Chromium")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child-kind", choices=("cohort", "batch", "tree"), default="cohort", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child = {"cohort": one_cohort, "batch": batch_file, "tree": tree_reference}[args.child_kind]
        print(json.dumps(child(args.child)))
        return 0
    from core.model.bundle import load_bundle

    bundle = load_bundle()
    print(f"Machine: {machine()}")
    print(f"Bundle: {bundle.name} {bundle.version} ({bundle.model.family})\n")
    p = one_patient()
    print("| measurement | result |\n|---|---|")
    print(f"| one patient: validate + score + explain (n={p['n']}) | p50 {p['p50_ms']:.1f} ms, "
          f"p95 {p['p95_ms']:.1f} ms |")
    rows_out = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        r = _child(size)
        rows_out.append(r)
        print(f"| cohort {size:,} rows: read + validate + score + explain + reasons + write | {r['wall_s']:.2f} s, "
              f"{r['rows_per_s']:,.0f} rows/s, peak RSS {r['peak_rss_mb']:.0f} MB |")
        print(f"| explanation alone, {size:,} rows: Lantern vs raw shap | {r['explain_s']:.3f} s vs "
              f"{r['reference_s']:.3f} s ({r['reference_s'] / max(r['explain_s'], 1e-9):.0f}x) |")
    largest = max([int(s) for s in args.sizes.split(",") if s], default=0)
    if largest:
        b = _child(largest, "batch")
        print(f"| batch file {largest:,} rows, warm process: read + validate + score + explain + reasons + write "
              f"(`core.scoring.batch.score_file`, --explain) | {b['warm_s']:.2f} s, "
              f"{largest / b['warm_s']:,.0f} rows/s |")
        print(f"| whole `python -m core.score --explain` process, {largest:,} rows (median of 3) | "
              f"{b['process_s']:.2f} s, peak RSS {b['process_rss_mb']:.0f} MB |")
        t = _child(largest, "tree")
        print(f"| explanation alone, {largest:,} rows, boosted trees depth 3 x 300: Lantern vs raw "
              f"shap.TreeExplainer | {t['fast_s']:.3f} s vs {t['shap_s']:.2f} s ({t['shap_s'] / t['fast_s']:.0f}x), "
              f"max difference {t['max_diff']:.1e} in log-odds |")
    if args.browser:
        from bench.browser import browser_timings

        b = browser_timings()
        print(f"| app cold start to first paint (server start + page) | {b['cold_start_s']:.2f} s |")
        print(f"| patient what-if round trip in Chromium | {b['whatif_ms']:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

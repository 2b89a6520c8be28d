"""How long the FHIR mapping takes per real bundle, after JSON parsing (the target is 20 ms or less).

    .venv/bin/python -m bench.fhir_speed [--dir tests/fixtures/fhir-synthea] [--runs 21]

Parses each bundle once, maps it once to warm the terminology tables, then times ``--runs``
calls of ``core.interop.fhir.bundle_to_patient`` (with complete Condition, Procedure and
Encounter searches, the heaviest path) and prints the median and the worst run per bundle,
with the bundle's size. Only timings and sizes are printed, never a mapped value.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from core.interop.fhir import bundle_to_patient
from core.model.bundle import DEFAULT_BUNDLE
from core.scoring.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "fhir-synthea"
SEARCHED = frozenset({"Condition", "Procedure", "Encounter"})


def time_bundle(bundle: dict, schema: object, runs: int) -> list[float]:
    """Milliseconds per mapping call, ``runs`` times, after one warm-up call."""
    bundle_to_patient(bundle, schema, complete=SEARCHED)
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        bundle_to_patient(bundle, schema, complete=SEARCHED)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=FIXTURES)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    schema = Engine.load(DEFAULT_BUNDLE).schema
    print(f"{'bundle':<12} {'entries':>7} {'MB':>5} {'median ms':>10} {'max ms':>8}")
    medians = []
    for n, path in enumerate(sorted(args.dir.glob("*.json")), start=1):
        bundle = json.loads(path.read_text(encoding="utf-8"))
        times = time_bundle(bundle, schema, args.runs)
        medians.append(statistics.median(times))
        size = path.stat().st_size / 1e6
        print(f"bundle {n:<5} {len(bundle.get('entry', [])):>7} {size:>5.2f} {medians[-1]:>10.2f} {max(times):>8.2f}")
    if medians:
        print(f"largest median: {max(medians):.2f} ms (target: 20 ms or less)")


if __name__ == "__main__":
    main()

"""Batch scoring: ``python -m core.score --bundle DIR --input FILE.csv --output FILE.csv [--explain]``.

Add ``--engine dask [--scheduler ADDRESS]`` to score the chunks on a Dask cluster
(core/scoring/dask_engine.py); the output is byte for byte the same.

Writes one output row per input record, in input order: the identifier columns,
``status`` (scored / rejected), ``reason``, ``risk`` (probability 0-1), ``risk_band``,
``flags`` and ``top_reasons`` (the three largest drivers in plain words). With
``--explain`` also ``baseline`` (probability), ``risk_percent``, ``baseline_percent`` and
one ``contrib_<feature>`` column per feature in percentage points, so that
``baseline_percent + sum(contrib_*) == risk_percent`` on every scored row.

The file is read and scored in chunks of 25,000 rows (core/scoring/batch.py), so files larger
than memory work; the output equals scoring the whole file at once.

Exit 0 when the file was processed (even with rejected rows); 1 with one plain line
for a file that cannot be read, is over the limits (``LANTERN_MAX_CELL``, and
``LANTERN_MAX_ROWS`` only when set: see core/data/limits.py) or lacks required columns, a bundle that cannot
be loaded, or a limit set to something unusable; 2 for wrong arguments. Text cells that a
spreadsheet would run as a formula are neutralised in the output.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from core.data.csvio import CsvError
from core.data.limits import LimitError, max_cell, max_rows_if_set
from core.data.validate import ValidationError
from core.model.bundle import BundleError, configured_bundle_path


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m core.score", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", type=Path, default=None, help="bundle folder (default: LANTERN_BUNDLE or the default)")
    ap.add_argument("--input", type=Path, required=True, help="CSV to score")
    ap.add_argument("--output", type=Path, required=True, help="CSV to write")
    ap.add_argument("--explain", action="store_true", help="add baseline and per-feature contribution columns")
    ap.add_argument("--engine", choices=("local", "dask"), default="local",
                    help="score in this process (default) or on a Dask cluster (core/scoring/dask_engine.py)")
    ap.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="with --engine dask: a running scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    args = ap.parse_args(argv)
    if args.scheduler and args.engine != "dask":
        ap.error("--scheduler needs --engine dask")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    start = time.perf_counter()
    try:
        if args.engine == "dask":
            from core.scoring.dask_engine import score_file_on_dask

            counts = score_file_on_dask(args.bundle or configured_bundle_path(), args.input, args.output,
                                        args.explain, max_cell(), max_rows_if_set(), scheduler=args.scheduler)
        else:
            from core.scoring.batch import score_file
            from core.scoring.engine import Engine

            engine = Engine.load(args.bundle or configured_bundle_path())
            counts = score_file(engine, args.input, args.output, args.explain, max_cell(), max_rows_if_set())
    # ConnectionError: core.scoring.dask_engine.ClusterError (a Dask scheduler that cannot be reached or used)
    except (BundleError, ConnectionError, CsvError, LimitError, ValidationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: could not write or read a file ({exc.strerror}: {exc.filename}).", file=sys.stderr)
        return 1
    print(
        f"read {counts.read:,} rows: {counts.scored:,} scored, {counts.rejected:,} rejected, "
        f"{counts.not_eligible:,} not eligible, {counts.insufficient_data:,} insufficient data "
        f"in {time.perf_counter() - start:.2f} s -> {args.output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

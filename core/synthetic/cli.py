"""``python -m core.synth``: write a synthetic cohort as CSV and say what was written."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.synthetic.generator import generate, write_csv
from core.synthetic.tables import OUTCOME


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m core.synth --rows N --seed S --out FILE.csv [--unlabelled]``."""
    parser = argparse.ArgumentParser(
        prog="python -m core.synth", description="Write a synthetic 30-day readmission cohort as CSV."
    )
    parser.add_argument("--rows", type=int, required=True, help="number of encounters")
    parser.add_argument("--seed", type=int, required=True, help="random seed (same seed -> same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="output CSV path")
    parser.add_argument("--unlabelled", action="store_true", help="omit the readmitted_30d outcome")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be >= 1")
    df = generate(args.rows, args.seed, labelled=not args.unlabelled)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(df, args.out)
    prevalence = f"prevalence {df[OUTCOME].mean():.1%}" if OUTCOME in df else "unlabelled"
    print(f"wrote {len(df)} rows to {args.out} ({df['patient_id'].nunique()} patients, {prevalence})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

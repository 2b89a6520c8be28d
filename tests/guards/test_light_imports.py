"""Scoring a linear bundle imports only what it needs: no scikit-learn, scipy, shap or dask.

Those imports cost about a second of every ``python -m core.score`` run and every app
start. Linear bundles keep their coefficients as plain arrays (core/model/linear.py) and the
engine imports only numpy, pandas and pyarrow; this pins it, in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CHILD = """
import json, sys
from pathlib import Path
from core.scoring.batch import score_file
from core.scoring.engine import Engine

engine = Engine.load()
assert engine.bundle.model.is_linear
engine.patient(engine.typical_patient())
score_file(engine, Path(sys.argv[1]), Path(sys.argv[2]), explain=True, max_cell=10_000)
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy", "shap", "dask", "numba"})))
"""


def test_scoring_the_default_bundle_imports_no_heavy_library(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT / "data" / "demo_unlabelled.csv"),
                           str(tmp_path / "out.csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
    assert (tmp_path / "out.csv").stat().st_size > 0

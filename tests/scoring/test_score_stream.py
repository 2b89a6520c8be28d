"""``python -m core.score`` streams: files larger than memory, bounded memory, the same output.

The CLI reads and scores files in chunks (core/scoring/batch.py). Scoring chunk by chunk must
give byte for byte the output of scoring the whole file in memory (the app's path), with
chunk boundaries anywhere, broken rows included; and a 2,000,000-row file generated on
the fly must be scored in a child process whose peak memory stays under a bound far
below what holding the file in memory would take.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.data.csvio import CsvError, read_csv_bytes, to_csv_bytes
from core.scoring.batch import score_file
from core.scoring.engine import Engine
from core.synthetic.generator import generate

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
#: Peak RSS allowed for 2,000,000 rows. Holding the file's text cells alone would take
#: several GB; chunks of 25,000 rows keep the process at a few hundred MB.
RSS_BOUND_MB = 700


def _in_memory(engine: Engine, data: bytes, explain: bool) -> bytes:
    raw, info = read_csv_bytes(data)
    return to_csv_bytes(engine.score(raw, explain_columns=explain, row_problems=info["row_problems"]).output)


@pytest.mark.parametrize("name", ["every_10th_broken_2000.csv", "quoted_newlines_commas.csv", "ragged_mixed.csv",
                                  "formula_injection.csv", "latin1_hospital.csv", "utf16_tab.csv",
                                  "impossible_values.csv", "excel_sep_line.csv"])
@pytest.mark.parametrize("explain", [False, True])
def test_chunked_output_equals_whole_file_output(engine: Engine, tmp_path: Path, name: str, explain: bool) -> None:
    out = tmp_path / "out.csv"
    counts = score_file(engine, CORPUS / name, out, explain, max_cell=10_000, chunk_rows=7)
    expected = _in_memory(engine, (CORPUS / name).read_bytes(), explain)
    assert out.read_bytes() == expected
    assert counts.read == counts.scored + counts.rejected == len(read_csv_bytes((CORPUS / name).read_bytes())[0])


def test_chunked_output_equals_whole_file_output_for_a_tree_bundle(tree_bundle: Path, tmp_path: Path) -> None:
    """Fast TreeSHAP gives each row the same bits wherever it sits in a batch (blocks of 256 rows, threads)."""
    from tests.conftest import other_frame

    engine = Engine.load(tree_bundle)
    src = tmp_path / "other.csv"
    src.write_bytes(to_csv_bytes(other_frame(1_500, seed=13)))
    for explain in (False, True):
        out = tmp_path / f"out_{explain}.csv"
        score_file(engine, src, out, explain, max_cell=10_000, chunk_rows=333)
        assert out.read_bytes() == _in_memory(engine, src.read_bytes(), explain)


def test_a_failed_run_leaves_no_output(engine: Engine, tmp_path: Path) -> None:
    """The error is found in the last chunk, after earlier chunks were written: no half file remains."""
    src = tmp_path / "late_problem.csv"
    src.write_bytes((CORPUS / "every_10th_broken_2000.csv").read_bytes() + b'E9,"' + b"x\n" * 3)
    out = tmp_path / "out.csv"
    with pytest.raises(CsvError, match="is never closed"):
        score_file(engine, src, out, explain=False, max_cell=10_000, chunk_rows=100)
    assert list(tmp_path.iterdir()) == [src]


#: The child reports its own high-water mark (VmHWM, reset at exec). Not ru_maxrss: Linux carries the
#: parent's peak into a spawned child's ru_maxrss, so it reads the size of the pytest process instead.
_CHILD = """
import json, sys
from core.scoring.cli import main
code = main(sys.argv[1:])
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"code": code, "peak_mb": hwm / 1024}))
"""


def test_two_million_rows_stream_under_a_memory_bound(engine: Engine, tmp_path: Path) -> None:
    base = generate(2_000, seed=31, labelled=False)
    base.loc[::97, "age"] = -4  # some rows are rejected, so rejections stream too
    header, *lines = to_csv_bytes(base).decode().splitlines(keepends=True)
    blocks = 1_000
    src = tmp_path / "two_million.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        f.write(header)
        for _ in range(blocks):
            f.writelines(lines)
    n = blocks * len(lines)
    assert n == 2_000_000

    out = tmp_path / "scored.csv"
    proc = subprocess.run([sys.executable, "-c", _CHILD, "--input", str(src), "--output", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["code"] == 0
    rejected = blocks * len(range(0, 2_000, 97))
    assert f"read {n:,} rows: {n - rejected:,} scored, {rejected:,} rejected" in proc.stdout
    assert report["peak_mb"] < RSS_BOUND_MB, f"peak RSS {report['peak_mb']:.0f} MB for {n:,} rows"

    # a sample of rows, from every part of the file, equals the in-memory path's output for them
    picks = np.r_[np.arange(0, n, 9_973), n - 1]
    with out.open("r", encoding="utf-8", newline="") as f:
        out_header = f.readline()
        wanted, got = set(picks.tolist()), {}
        for i, line in enumerate(f):
            if i in wanted:
                got[i] = line
    assert len(got) == len(picks)
    sample = header + "".join(lines[i % len(lines)] for i in picks)
    expected = _in_memory(engine, sample.encode(), explain=False).decode().splitlines(keepends=True)
    assert expected[0] == out_header
    assert [got[i] for i in picks] == expected[1:]

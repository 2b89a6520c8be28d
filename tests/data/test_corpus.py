"""Every malformed file in tests/corpus gives the behaviour its expectation pins.

Three paths, same answer: the batch CLI in a real subprocess (exit codes, no traceback)
for a handful of files, the CLI in-process for all of them, and the app's upload path
(``read_csv_bytes`` + ``Engine.score``) for all of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.data.csvio import CsvError, read_csv_bytes
from core.data.validate import ValidationError, match_columns
from core.scoring.cli import main as score_main
from core.scoring.engine import Engine
from tests.corpus import make_corpus

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
EXPECTATIONS: dict[str, dict[str, Any]] = json.loads((CORPUS / "expectations.json").read_text(encoding="utf-8"))
NAMES = sorted(EXPECTATIONS)
SUBPROCESS_NAMES = ["empty.csv", "binary_garbage.csv", "missing_two_columns.csv", "formula_injection.csv",
                    "ragged_mixed.csv"]
SUMMARY = "read {read:,} rows: {scored:,} scored, {rejected:,} rejected"


def _counts(exp: dict[str, Any]) -> dict[str, int]:
    """The counts ``ScoreResult.counts`` gives for a processed file."""
    return {"read": exp["read"], "scored": exp["scored"], "rejected": exp["rejected"],
            "not_eligible": exp.get("not_eligible", 0), "insufficient_data": exp.get("insufficient_data", 0)}


def _unscored(exp: dict[str, Any]) -> int:
    return exp.get("not_eligible", 0) + exp.get("insufficient_data", 0)


def _texts(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _read_output(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=object, keep_default_na=False, na_filter=False)


def check_output(out: pd.DataFrame, exp: dict[str, Any], where: str) -> None:
    """The output table (as written or as returned) against the expectation."""
    assert len(out) == exp["read"], f"{where}: one output row per input row"
    status = out["status"].astype(str)
    assert (status == "scored").sum() == exp["scored"], where
    assert (status == "rejected").sum() == exp["rejected"], where
    assert (status == "not eligible").sum() == exp.get("not_eligible", 0), where
    assert (status == "insufficient data").sum() == exp.get("insufficient_data", 0), where
    reasons = out["reason"].astype(str)
    assert (reasons[status == "rejected"] != "").all(), f"{where}: every rejected row says why"
    assert (reasons[status == "scored"] == "").all(), f"{where}: scored rows carry no rejection reason"
    for row, texts in exp.get("reason_contains", {}).items():
        i = int(row) - 1
        assert status.iloc[i] == "rejected", f"{where}: row {row} should be rejected"
        for text in _texts(texts):
            assert text in reasons.iloc[i], f"{where}: row {row} reason {reasons.iloc[i]!r} lacks {text!r}"
    for row, texts in exp.get("flags_contains", {}).items():
        i = int(row) - 1
        assert status.iloc[i] == "scored", f"{where}: row {row} should be scored"
        for text in _texts(texts):
            assert text in str(out["flags"].iloc[i]), f"{where}: row {row} flags {out['flags'].iloc[i]!r} lack {text!r}"


def check_written_cells(out: pd.DataFrame, exp: dict[str, Any], where: str) -> None:
    for row, cells in exp.get("output_equals", {}).items():
        for column, value in cells.items():
            assert out[column].iloc[int(row) - 1] == value, f"{where}: row {row} {column}"
    for row, cells in exp.get("output_startswith", {}).items():
        for column, prefix in cells.items():
            cell = out[column].iloc[int(row) - 1]
            assert cell.startswith(prefix), f"{where}: row {row} {column} = {cell!r}, expected to start {prefix!r}"


# ---- the corpus itself -------------------------------------------------------------------------
def test_corpus_files_match_their_generator() -> None:
    files, expectations = make_corpus.build()
    assert len(files) >= 32
    on_disk = sorted(p.name for p in CORPUS.glob("*.csv"))
    assert on_disk == sorted(files), "run tests/corpus/make_corpus.py: committed files differ from the generator's"
    for name, data in files.items():
        assert (CORPUS / name).read_bytes() == data, f"{name} is stale; run tests/corpus/make_corpus.py"
    assert (CORPUS / "expectations.json").read_text(encoding="utf-8") == make_corpus.expectations_text(expectations)


def test_expectations_are_well_formed() -> None:
    assert set(NAMES) == {p.name for p in CORPUS.glob("*.csv")}
    for name, exp in EXPECTATIONS.items():
        assert exp["exit"] in (0, 1), name
        if exp["exit"] == 1:
            assert exp["message_contains"].strip(), name
        else:
            assert exp["read"] == exp["scored"] + exp["rejected"] + _unscored(exp), name
            assert len(exp.get("reason_contains", {})) <= exp["rejected"], name
    assert sum(e["exit"] == 1 for e in EXPECTATIONS.values()) >= 10
    assert sum(e["exit"] == 0 and e["rejected"] > 0 for e in EXPECTATIONS.values()) >= 5


# ---- the batch CLI -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", SUBPROCESS_NAMES)
def test_cli_subprocess_exit_codes(name: str, engine: Engine, tmp_path: Path) -> None:
    exp = EXPECTATIONS[name]
    out = tmp_path / "scored.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "core.score", "--bundle", str(engine.bundle.path), "--input", str(CORPUS / name),
         "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == exp["exit"], proc.stderr
    if exp["exit"] == 1:
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert lines[0].startswith("error: ") and exp["message_contains"] in lines[0], lines[0]
        assert not out.exists()
    else:
        assert SUMMARY.format(**exp) in proc.stdout
        check_output(_read_output(out), exp, name)


@pytest.mark.parametrize("name", NAMES)
def test_cli_in_process(
    name: str, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    exp = EXPECTATIONS[name]
    out = tmp_path / "scored.csv"
    loaded: list[Path] = []

    def load(cls: type[Engine], path: Path | None = None) -> Engine:  # the session's engine: no reload per file
        loaded.append(Path(path))
        return engine

    monkeypatch.setattr(Engine, "load", classmethod(load))
    code = score_main(["--bundle", str(engine.bundle.path), "--input", str(CORPUS / name), "--output", str(out)])
    captured = capsys.readouterr()
    assert loaded == [engine.bundle.path]
    assert "Traceback" not in captured.err
    assert code == exp["exit"], captured.err
    if exp["exit"] == 1:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1, captured.err
        assert lines[0].startswith("error: ") and exp["message_contains"] in lines[0], lines[0]
        assert not out.exists()
        return
    assert captured.err == ""
    assert SUMMARY.format(**exp) in captured.out
    written = _read_output(out)
    check_output(written, exp, name)
    check_written_cells(written, exp, name)
    text_cells = written.drop(columns=["risk", "risk_band"], errors="ignore")
    risky = text_cells.apply(lambda s: s.str.match(r"^[=+@]|^-(?![\d.])")).to_numpy()
    assert not risky.any(), f"{name}: a cell a spreadsheet would run as a formula"


# ---- the app's upload path -----------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_upload_path(name: str, engine: Engine) -> None:
    exp = EXPECTATIONS[name]
    data = (CORPUS / name).read_bytes()
    if exp["exit"] == 1:
        with pytest.raises((CsvError, ValidationError)) as err:
            raw, info = read_csv_bytes(data)
            engine.score(raw, row_problems=info["row_problems"])
        assert exp["message_contains"] in str(err.value)
        assert "\n" not in str(err.value)
        return
    raw, info = read_csv_bytes(data)
    assert len(raw) == exp["read"] == info["rows"]
    for key in ("encoding", "delimiter"):
        if key in exp:
            assert info[key] == exp[key], key
    for row, cells in exp.get("cells", {}).items():
        for column, value in cells.items():
            assert raw[column].iloc[int(row) - 1] == value, (row, column)
    result = engine.score(raw, row_problems=info["row_problems"])
    v = result.validation
    assert result.counts == _counts(exp)
    assert v.n_read == v.n_scored + v.n_rejected + _unscored(exp)
    unscored = set(result.unscored["row"] - 1)
    assert list(v.clean.index) == sorted(set(range(v.n_read)) - set(v.rejected["row"] - 1) - unscored)
    out = result.output
    check_output(out, exp, name)
    scored = out["status"] == "scored"
    assert out.loc[scored, "risk"].between(0, 1).all()
    assert out.loc[~scored, "risk"].isna().all()
    found = match_columns(list(raw.columns), engine.schema)
    if "encounter_id" in found:  # input order, one output row per input record
        assert out["encounter_id"].tolist() == raw[found["encounter_id"]].tolist()
    for row, values in exp.get("values", {}).items():
        for feature, value in values.items():
            got = v.clean.loc[int(row) - 1, feature]
            if isinstance(value, str):
                assert got == value, (row, feature, got)
            else:
                assert np.isclose(float(got), value), (row, feature, got)


def test_every_10th_row_broken_counts_and_positions(engine: Engine) -> None:
    raw, info = read_csv_bytes((CORPUS / "every_10th_broken_2000.csv").read_bytes())
    result = engine.score(raw, row_problems=info["row_problems"])
    rejected_rows = result.validation.rejected["row"].to_numpy()
    np.testing.assert_array_equal(rejected_rows, np.arange(10, 2001, 10))
    assert len(info["row_problems"]) == 80  # two ragged kinds out of five


@pytest.mark.parametrize("name", NAMES)
def test_cohort_page_upload_function(name: str, engine: Engine) -> None:
    """The exact function the cohort page calls on uploaded bytes (identifier scan first)."""
    from core.scoring.upload import score_upload

    exp = EXPECTATIONS[name]
    data = (CORPUS / name).read_bytes()
    if exp["exit"] == 1:
        with pytest.raises((CsvError, ValidationError)) as err:
            score_upload(engine, data)
        assert exp["message_contains"] in str(err.value) and "\n" not in str(err.value)
        return
    upload = score_upload(engine, data)
    assert upload.result.counts == _counts(exp)
    check_output(upload.result.output, exp, f"{name} via the cohort page")
    check_reading(upload.tables, exp, name)


def check_reading(tables: Any, exp: dict[str, Any], where: str) -> None:
    """Outcomes and dates as the cohort page reads them: counts that add up, and the notices shown."""
    outcome = tables.table["outcome"].to_numpy(dtype=float)
    if "outcomes" in exp:
        o = exp["outcomes"]
        got = {"events": int((outcome == 1).sum()), "non_events": int((outcome == 0).sum()),
               "unlabelled": int(np.isnan(outcome).sum()) - o["unreadable"], "unreadable": o["unreadable"]}
        assert got == {k: o[k] for k in got} and sum(got.values()) == exp["scored"], where
        notices = [n for n in tables.notices if "outcome" in n]
        assert (len(notices) == 1) == bool(o["unreadable"]), (where, tables.notices)
        assert all(o.get("notice_contains", "") in n for n in notices), (where, notices)
    if "dates" in exp:
        d = exp["dates"]
        assert int(tables.table["date"].isna().sum()) == d["unreadable"] + d["missing"], where
        assert any(d["notice_contains"] in n for n in tables.notices), (where, tables.notices)
    elif not exp.get("outcomes", {}).get("unreadable"):
        assert not [n for n in tables.notices if "could not be read" in n], (where, tables.notices)

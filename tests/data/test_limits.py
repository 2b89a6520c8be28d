"""Size limits for CSVs (rows per file, characters per cell) in the CLI and the app, and pages that stay quick.

``LANTERN_MAX_ROWS`` / ``LANTERN_MAX_CELL`` are read by core/data/limits.py on every file; the
cohort upload (core.scoring.upload.score_upload) passes both to the CSV reader; the batch CLI
(core.score) streams files in chunks and passes the cell limit, and the row limit only
when it is set. The last tests check that the pages without a progress bar (patient,
model) compute nothing long on a rerun.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.data import limits
from core.data.csvio import DEFAULT_MAX_CELL, DEFAULT_MAX_ROWS
from core.scoring.cli import main as score_main
from tests.conftest import DEMO_COHORT, ROOT

APP = str(ROOT / "streamlit_app.py")
COHORT_PAGE = str(ROOT / "views" / "cohort.py")


def _rows(n: int) -> bytes:
    return pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(n).to_csv(index=False).encode()


def _cohort(data: bytes) -> AppTest:
    at = AppTest.from_file(COHORT_PAGE, default_timeout=60)
    at.session_state["cohort_upload"] = ("big.csv", data)
    return at.run()


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(limits.ROWS_ENV, raising=False)
    monkeypatch.setenv(limits.CELL_ENV, "")
    assert limits.max_rows() == DEFAULT_MAX_ROWS == 1_000_000
    assert limits.max_cell() == DEFAULT_MAX_CELL == 10_000


@pytest.mark.parametrize("raw, value", [("50", 50), (" 2000 ", 2000), ("1_000", 1000), ("250,000", 250_000)])
def test_whole_numbers_are_read(monkeypatch: pytest.MonkeyPatch, raw: str, value: int) -> None:
    monkeypatch.setenv(limits.ROWS_ENV, raw)
    monkeypatch.setenv(limits.CELL_ENV, raw)
    assert limits.max_rows() == value and limits.max_cell() == value


@pytest.mark.parametrize("raw, words", [
    ("abc", "whole number"), ("1.5", "whole number"), ("-5", "whole number"), ("1e6", "whole number"),
    ("0", "at least 1"), ("000", "at least 1"),
])
def test_bad_values_are_refused_plainly(monkeypatch: pytest.MonkeyPatch, raw: str, words: str) -> None:
    monkeypatch.setenv(limits.ROWS_ENV, raw)
    with pytest.raises(limits.LimitError, match=words) as info:
        limits.max_rows()
    assert limits.ROWS_ENV in str(info.value)


def test_cli_refuses_a_file_over_the_row_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "sixty.csv"
    src.write_bytes(_rows(60))
    out = tmp_path / "out.csv"
    monkeypatch.setenv(limits.ROWS_ENV, "50")
    assert score_main(["--input", str(src), "--output", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The file has more than 50 rows, Lantern's limit.") and "Traceback" not in err
    assert not out.exists()
    monkeypatch.setenv(limits.ROWS_ENV, "60")
    assert score_main(["--input", str(src), "--output", str(out)]) == 0  # exactly at the limit is fine


def test_cli_rejects_the_row_of_a_long_cell_and_refuses_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frame = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(5)
    frame.loc[2, "primary_diagnosis"] = "x" * 150
    src = tmp_path / "long.csv"
    src.write_bytes(frame.to_csv(index=False).encode())
    monkeypatch.setenv(limits.CELL_ENV, "100")
    assert score_main(["--input", str(src), "--output", str(tmp_path / "o.csv")]) == 0
    assert "read 5 rows: 4 scored, 1 rejected" in capsys.readouterr().out
    out = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert out["status"].tolist() == ["scored", "scored", "rejected", "scored", "scored"]
    assert "column 'primary_diagnosis' has a cell of 150 characters, over Lantern's limit of 100" in out["reason"][2]
    monkeypatch.setenv(limits.CELL_ENV, "lots")
    assert score_main(["--input", str(src), "--output", str(tmp_path / "o.csv")]) == 1
    assert capsys.readouterr().err.strip() == "error: LANTERN_MAX_CELL must be a whole number such as 10,000, " \
        "not 'lots'."


def test_app_refuses_an_upload_over_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.ROWS_ENV, "50")
    at = _cohort(_rows(60))
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This file could not be used. The file has more than 50 rows, Lantern's limit. Split it into smaller files."]
    assert not at.metric and not at.dataframe
    monkeypatch.setenv(limits.ROWS_ENV, "60")
    at = _cohort(_rows(60))
    assert not at.error and {m.label: m.value for m in at.metric}["Rows read"] == "60"


def test_app_names_a_bad_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(limits.ROWS_ENV, "ten")
    at = _cohort(_rows(5))
    assert not at.exception
    (message,) = [e.value for e in at.error]
    assert message.startswith("Lantern's upload limits are set wrongly") and "LANTERN_MAX_ROWS" in message
    assert "administrator" in message


# ---------------------------------------------------------------------------- no long computation without progress


def test_cohort_scoring_reports_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cohort page hands score_upload a progress callback, and scoring calls it up to 100%."""
    import views.components.cohort_upload as upload

    calls: list[tuple[float, str]] = []
    real = upload.score_upload

    def watched(engine, data, progress=None):  # type: ignore[no-untyped-def]
        assert progress is not None, "the cohort page must show progress while it scores"
        return real(engine, data, progress=lambda f, msg: (calls.append((f, msg)), progress(f, msg)))

    monkeypatch.setattr(upload, "score_upload", watched)
    at = _cohort(DEMO_COHORT.read_bytes())
    assert not at.exception and not at.error
    assert calls and calls[-1][0] == 1.0
    assert re.fullmatch(r"Scored and explained 2,000 of 2,000 rows \([\d,]+ rows/s\)", calls[-1][1]), calls[-1][1]
    assert [f for f, _ in calls] == sorted(f for f, _ in calls)


def _timed_rerun(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    return time.perf_counter() - start


def test_patient_and_model_pages_rerun_quickly() -> None:
    """Pages without a progress bar must not compute anything long: a rerun takes well under a few seconds."""
    at = AppTest.from_file(APP, default_timeout=60).run()  # the patient page (loads the engine once)
    assert not at.exception
    patient = min(_timed_rerun(at) for _ in range(2))
    at.switch_page("views/model.py").run()
    assert not at.exception and not at.error
    model = min(_timed_rerun(at) for _ in range(2))
    assert patient < 5.0, f"patient page rerun took {patient:.1f} s"
    assert model < 5.0, f"model page rerun took {model:.1f} s"


def test_a_file_over_a_million_rows_is_refused_plainly() -> None:
    """The default limit, for real: 1,000,001 data rows get one plain message from the upload reader.

    The batch CLI streams files in chunks, so it applies a row limit only when
    ``LANTERN_MAX_ROWS`` is set (test_cli_refuses_a_file_over_the_row_limit); scoring files
    larger than memory is pinned in tests/scoring/test_score_stream.py.
    """
    from core.data.csvio import CsvError, read_csv_bytes

    data = b"encounter_id,age\n" + b"E1,50\n" * 1_000_001
    with pytest.raises(CsvError, match="more than 1,000,000 rows"):
        read_csv_bytes(data)

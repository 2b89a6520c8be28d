"""Issue 16: a number only when it means something, on the table path (CSV, CLI, app, /score) and one patient.

A batch file where one row is a child of 10 and one row has every input empty: those two rows
are not scored, each with its reason; every other row is scored, and rows in equal rows out.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from core.data.csvio import read_csv_bytes
from core.scoring.batch import score_file
from core.scoring.engine import Engine
from tests.conftest import DEMO_UNLABELLED as DEMO


def _batch(n: int = 30) -> pd.DataFrame:
    frame = pd.read_csv(DEMO, dtype=str, keep_default_na=False, nrows=n)
    frame.loc[4, "age"] = "10"
    features = [c for c in frame.columns if c not in ("encounter_id", "patient_id")]
    frame.loc[9, features] = ""
    return frame


def _check(output: pd.DataFrame, n: int) -> None:
    assert len(output) == n  # rows in == rows out
    assert output.loc[4, "status"] == "not eligible" and "Age 10" in output.loc[4, "reason"]
    assert output.loc[9, "status"] == "insufficient data"
    assert output.loc[9, "reason"] == "not enough information to estimate: needs Age, Length of stay"
    for i in (4, 9):  # no risk, band or contributions
        assert math.isnan(output.loc[i, "risk"]) and output.loc[i, "risk_band"] == ""
        assert output.loc[i, "top_reasons"] == ""
        contrib = [c for c in output.columns if c.startswith("contrib_")]
        assert output.loc[i, contrib].isna().all()
    others = output.drop(index=[4, 9])
    assert (others["status"] == "scored").all() and others["risk"].notna().all()


def test_a_child_and_an_empty_row_are_not_scored_each_with_its_reason(engine: Engine) -> None:
    raw = _batch()
    result = engine.score(raw, explain_columns=True)
    _check(result.output, len(raw))
    assert result.counts == {"read": 30, "scored": 28, "rejected": 0, "not_eligible": 1, "insufficient_data": 1}
    assert len(result.rows.risk) == len(result.clean_rows()) == 28  # the analysis tables hold the scored rows only


def test_the_cli_file_path_writes_the_same_statuses_and_counts_that_add_up(engine: Engine, tmp_path: Path) -> None:
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    _batch().to_csv(source, index=False)
    counts = score_file(engine, source, target, explain=False, max_cell=10_000, chunk_rows=7)
    output = read_csv_bytes(target.read_bytes())[0]
    assert output["status"].tolist() == engine.score(_batch()).output["status"].tolist()
    assert (counts.read, counts.scored, counts.rejected, counts.not_eligible, counts.insufficient_data) == \
        (30, 28, 0, 1, 1)
    assert counts.read == counts.scored + counts.rejected + counts.not_eligible + counts.insufficient_data


def test_one_patient_outside_the_population_or_without_required_inputs_gets_no_number(engine: Engine) -> None:
    typical = engine.typical_patient()
    child = engine.patient({**typical, "age": 10})
    assert "Age 10" in child.not_eligible and math.isnan(child.risk) and child.band == ""
    assert child.contributions.empty and not child.estimated
    empty = engine.patient({})
    assert empty.needed == ["Age", "Length of stay"] and math.isnan(empty.risk) and not empty.estimated
    deceased = engine.patient(typical, facts={"alive": False})
    assert "deceased" in deceased.not_eligible and math.isnan(deceased.risk)
    hospice = engine.patient({**typical, "discharge_disposition": "hospice"})
    assert "hospice" in hospice.not_eligible
    assert engine.patient(typical).estimated and engine.patient({**typical, "age": 18}).estimated

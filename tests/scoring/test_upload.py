"""The upload path (core/scoring/upload.py): one pass, columns checked and matched once, the
analysis table built from the engine's arrays, and the accessors the cohort page reads."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.analytics import cohort_tables
from core.analytics.cohort_tables import build_tables
from core.data import columns as column_checks
from core.data.csvio import CsvError, read_csv_bytes
from core.data.validate import ValidationError
from core.scoring.engine import Engine, ScoredRows
from core.scoring.upload import UploadResult, score_upload
from tests.conftest import DEMO_COHORT, DEMO_UNLABELLED

DEMO_BYTES = DEMO_COHORT.read_bytes()


@pytest.fixture(scope="module")
def demo(engine: Engine) -> UploadResult:
    return score_upload(engine, DEMO_BYTES)


def _count_calls(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any]) -> list[int]:
    """Wrap ``function`` in every loaded Lantern module that holds it, and count the calls."""
    calls = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return function(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("core", "views", "service") and getattr(module, function.__name__, None) is function:
            monkeypatch.setattr(module, function.__name__, counted)
    return calls


# ---------------------------------------------------------------------------- one pass


@pytest.mark.parametrize("data", [DEMO_BYTES, DEMO_UNLABELLED.read_bytes()], ids=["labelled", "unlabelled"])
def test_columns_are_checked_once_and_matched_once_per_upload(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    checked = _count_calls(monkeypatch, column_checks.check_columns)
    matched = _count_calls(monkeypatch, column_checks.match_columns)
    up = score_upload(engine, data)
    assert up.result.counts["scored"] > 0
    assert (checked[0], matched[0]) == (1, 1)


def test_the_file_is_still_checked_as_uploaded(engine: Engine) -> None:
    """The one check runs before identifier columns are dropped, so a message names the file's own columns."""
    raw = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(20).drop(columns=["age"])
    raw.insert(0, "Patient Name", [f"Jane Doe{i}" for i in range(20)])
    raw = raw[["Patient Name", "encounter_id"]]
    with pytest.raises(ValidationError, match="None of the model's") as err:
        score_upload(engine, raw.to_csv(index=False).encode())
    assert "Patient Name" in str(err.value)


def test_engine_score_alone_checks_and_matches_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch CLI and the service call ``Engine.score`` directly: the output table reuses the match."""
    raw, info = read_csv_bytes(DEMO_BYTES)
    checked = _count_calls(monkeypatch, column_checks.check_columns)
    matched = _count_calls(monkeypatch, column_checks.match_columns)
    result = engine.score(raw, row_problems=info["row_problems"])
    assert (checked[0], matched[0]) == (1, 1)
    assert result.validation.columns["encounter_id"] == "encounter_id"


def test_upload_drops_identifier_columns_before_validation(engine: Engine) -> None:
    raw = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(50)
    raw.insert(1, "Patient Name", [f"Jane Doe{i}" for i in range(50)])
    raw["email"] = [f"p{i}@example.org" for i in range(50)]
    raw["notes_ssn"] = "123-45-6789"
    up = score_upload(engine, raw.to_csv(index=False).encode())
    assert [f["column"] for f in up.identifiers] == ["Patient Name", "email", "notes_ssn"]
    assert not {"Patient Name", "email", "notes_ssn"} & set(up.result.extra_columns)
    assert not {"Patient Name", "email", "notes_ssn"} & set(up.result.output.columns)
    assert up.result.counts["scored"] == 50


def test_unreadable_or_incomplete_files_raise_plain_errors(engine: Engine) -> None:
    with pytest.raises(CsvError):
        score_upload(engine, b'{"not": "a csv"}')
    with pytest.raises(ValidationError, match=r"None of the model's"):
        score_upload(engine, b"a,b\n1,2\n")


# ---------------------------------------------------------------------------- the analysis table


def test_analysis_table_comes_from_the_engine_arrays_not_the_output(demo: UploadResult, engine: Engine) -> None:
    """Without the CSV-shaped output the table is the same: it reads ``result.rows`` and the validated values."""
    rows = demo.result.rows
    assert isinstance(rows, ScoredRows) and len(rows.risk) == demo.result.counts["scored"]
    no_output = dataclasses.replace(demo.result, output=pd.DataFrame())
    again = build_tables(no_output, engine.schema)
    pd.testing.assert_frame_equal(again.table, demo.tables.table)
    pd.testing.assert_frame_equal(again.ids, demo.tables.ids)
    pd.testing.assert_frame_equal(again.context, demo.tables.context)
    t, out = demo.tables.table, demo.result.output.loc[demo.tables.table.index]
    np.testing.assert_array_equal(t["risk"].to_numpy(), out["risk"].to_numpy(dtype=float))
    for table_column, output_column in (("band", "risk_band"), ("top_reasons", "top_reasons"), ("flags", "flags")):
        assert t[table_column].tolist() == out[output_column].tolist()


def test_validated_inputs_are_not_read_again(demo: UploadResult, engine: Engine, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """Typed inputs (age, sex, service, insurance) are used as validation left them; context columns are
    parsed once (deciding which are numeric already parses them)."""
    seen: list[str] = []
    real_as_text, real_parse = cohort_tables.as_text, cohort_tables.parse_numeric
    monkeypatch.setattr(cohort_tables, "as_text", lambda col: (seen.append(f"text {col.name}"), real_as_text(col))[1])
    monkeypatch.setattr(cohort_tables, "parse_numeric",
                        lambda col: (seen.append(f"number {col.name}"), real_parse(col))[1])
    tables = build_tables(demo.result, engine.schema)
    pd.testing.assert_frame_equal(tables.table, demo.tables.table)
    features = set(engine.schema.names)
    assert not [s for s in seen if s.split(" ", 1)[1] in features], seen
    parsed = [s for s in seen if s.startswith("number ")]
    assert len(parsed) == len(set(parsed)) and set(tables.context.columns) <= {p.split(" ", 1)[1] for p in parsed}


def test_outcome_is_read_per_distinct_value_with_the_trainers_rules(demo: UploadResult, engine: Engine) -> None:
    from core.data.infer import target_vector

    clean = demo.result.clean_rows()
    expected, _ = target_vector(clean[engine.schema.target], engine.schema.positive)
    np.testing.assert_array_equal(demo.tables.table["outcome"].to_numpy(), expected)


# ---------------------------------------------------------------------------- accessors the views read


def test_result_accessors(demo: UploadResult, engine: Engine) -> None:
    result = demo.result
    v = result.validation
    assert result.scored_index.equals(v.clean.index)
    assert result.rejected is v.rejected and result.extra_columns == v.extra_columns
    assert result.flag_counts() == v.flag_counts()
    pd.testing.assert_frame_equal(result.clean_rows(), v.clean)
    some = result.scored_index[[3, 1, 7]]
    pd.testing.assert_frame_equal(result.clean_rows(some), v.clean.loc[some])


def test_clean_inputs_feed_the_patient_explanation(demo: UploadResult, engine: Engine) -> None:
    index = int(demo.result.scored_index[10])
    values = demo.result.clean_inputs(index)
    assert list(values) == engine.schema.names
    assert all(v is None or isinstance(v, float | str) for v in values.values())
    patient = engine.patient(values)
    assert patient.risk == pytest.approx(float(demo.tables.table.at[index, "risk"]), abs=1e-12)

"""One patient and a table go through the same rules and the same model, and give the same answer.

``Engine.patient`` checks one-cell columns with ``check_record`` and encodes a mapping of
arrays instead of building DataFrames (issue 7: one patient in a few milliseconds). These
tests hold it to the table path (``validate`` / ``Engine.score``) on many rows with every
oddity ``tests/data/test_validate.py`` and the corpus pin: missing markers, unseen categories,
out-of-range and impossible values, unreadable numbers, yes/no words, typed form values
and alternative units. Speed itself is measured in ``bench/`` only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.clinical import scores
from core.data.csvio import CsvError, read_csv_bytes
from core.data.schema import Schema
from core.data.validate import SchemaRules, ValidationError, check_record, match_columns, validate
from core.explain.explainer import reason_phrase
from core.model.encode import AdditiveEncoder, TreeEncoder
from core.scoring.engine import Engine, PatientResult
from tests.conftest import DEMO_COHORT
from tests.data.test_validate import SCHEMA

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

#: Cell texts test_validate.py pins, for numbers, yes/no and categories (rejected, flagged or read).
NUMBER_CELLS = ("abc", "67 years", "inf", "-inf", "1 6", "250", "-1", "\u22121", "1,000", "1e3", "1e999", "0x10",
                "12 kg", "1,2,3", "12.5.3", " 12 ", "12,5", "12,500", "1,5000", "1 000", "1\u00a0000,5", "1'000",
                "1.234,5", "\u22123", "+4", ".5", "x" * 100, "135", "300", "40", "4", "110", "0")
MISSING_CELLS = ("", " ", "?", "NA", "n/a", "N/A", "NULL", "null", "None", "NaN", "#N/A", "-", "--", "missing",
                 "Not recorded")
BINARY_CELLS = ("yes", "Y", "TRUE", "t", "1.0", "no", "N", "false", "F", "0", " 0.0 ", "maybe", "2", "perhaps")
TYPED_CELLS: tuple[Any, ...] = (67, 70.0, 13.5, True, False, 0, 1, 1.0, None, float("nan"), np.float64(2.5),
                                np.int64(4), -3, 1e20)


def _category_cells(categories: tuple[str, ...]) -> tuple[str, ...]:
    known = [c.upper() for c in categories[:3]] + [f"  {c.title()}  " for c in categories[:3]]
    return (*known, "Dermatology", "ICU", "other level", "  General   Medicine ", "MALE")


def _odd_rows(engine: Engine, base: list[dict[str, Any]], count: int, seed: int) -> list[dict[str, Any]]:
    """Real rows with one to four cells replaced by an oddity of the right kind (or of the wrong kind)."""
    rng = np.random.default_rng(seed)
    specs = engine.schema.features
    rows = []
    for k in range(count):
        row = dict(base[k % len(base)])
        for _ in range(int(rng.integers(1, 5))):
            spec = specs[int(rng.integers(len(specs)))]
            own = {"numeric": NUMBER_CELLS, "binary": BINARY_CELLS}.get(spec.kind) or _category_cells(spec.categories)
            pools = (own, MISSING_CELLS, TYPED_CELLS, NUMBER_CELLS + BINARY_CELLS)
            pool = pools[int(rng.choice(4, p=[.55, .2, .15, .1]))]
            row[spec.name] = pool[int(rng.integers(len(pool)))]
        for spec in specs:  # a value just outside the training range, now and then
            if spec.kind == "numeric" and spec.train_max is not None and rng.random() < 0.02:
                row[spec.name] = str(spec.train_max + 1)
        rows.append(row)
    return rows


def _demo_rows(engine: Engine, n: int) -> list[dict[str, Any]]:
    raw, _ = read_csv_bytes(DEMO_COHORT.read_bytes())
    names = [n for n in engine.schema.names if n in raw.columns]
    return raw[names].head(n).to_dict(orient="records")


def _typical_rows(engine: Engine, n: int, seed: int) -> list[dict[str, Any]]:
    """Form-like rows: the typical patient with typed values moved around (for a schema with no demo file)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        row = engine.typical_patient()
        for spec in engine.schema.features:
            if spec.kind == "numeric" and spec.train_min is not None and spec.train_max is not None:
                row[spec.name] = float(np.round(rng.uniform(spec.train_min, spec.train_max), 1))
            elif spec.categories:
                row[spec.name] = spec.categories[int(rng.integers(len(spec.categories)))]
        rows.append(row)
    return rows


def _labels(schema: Schema, mask_row: np.ndarray) -> list[str]:
    return [schema.features[j].display_label for j in np.flatnonzero(mask_row)]


def _same_value(a: object, b: object) -> bool:
    missing_a = a is None or (isinstance(a, float) and math.isnan(a))
    missing_b = b is None or (isinstance(b, float) and math.isnan(b))
    return (missing_a and missing_b) or (not missing_a and not missing_b and a == b)


def assert_patients_match_table(
    engine: Engine, rows: list[dict[str, Any]], units: dict[str, str] | None = None, where: str = ""
) -> int:
    """Every row through ``Engine.patient`` equals the same row in a table: risk, contributions, rejection, flags.

    Returns how many rows were rejected, so a caller can check the rows exercised both outcomes.
    """
    schema = engine.schema
    table = pd.DataFrame([{n: r.get(n) for n in schema.names} for r in rows], dtype=object)
    result = validate(table, schema, units=units)
    exp = engine.explainer.explain(result.clean)
    reasons = dict(zip(result.rejected["row"] - 1, result.rejected["reason"], strict=True))
    position = {int(i): k for k, i in enumerate(result.clean.index)}
    gated = engine.score(table).output if units is None else None
    for i, row in enumerate(rows):
        one = engine.patient(row, units=units)
        assert isinstance(one, PatientResult)
        if i in reasons:
            assert one.rejected == reasons[i], f"{where} row {i}: {row}"
            assert math.isnan(one.risk) and one.contributions.empty
            continue
        assert one.rejected == "", f"{where} row {i} rejected alone but not in the table: {one.rejected}"
        if not one.estimated:  # outside the population or without a required input: the table says the same
            assert math.isnan(one.risk) and one.contributions.empty
            if gated is not None:
                assert gated.loc[i, "status"] in ("not eligible", "insufficient data")
                assert (one.not_eligible or ", ".join(one.needed)) in gated.loc[i, "reason"]
            continue
        if gated is not None:
            assert gated.loc[i, "status"] == "scored", f"{where} row {i} scored alone but not in the table"
        k = position[i]
        assert one.risk == pytest.approx(exp.risk[k], rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(one.contributions.to_numpy(), exp.contributions.iloc[k].to_numpy(),
                                   rtol=1e-10, atol=1e-12)
        assert list(one.contributions.index) == schema.names
        assert one.flags == {
            "outside training range": _labels(schema, result.out_of_range.iloc[k].to_numpy()),
            "unseen category": _labels(schema, result.unseen.iloc[k].to_numpy()),
            "not recorded": _labels(schema, result.missing.iloc[k].to_numpy()),
        }
        clean_row = result.clean.iloc[k]
        for name in schema.names:
            assert _same_value(one.values[name], clean_row[name]), (i, name, one.values[name], clean_row[name])
        by_size = one.contributions.abs().sort_values(ascending=False).index
        assert one.reasons == [reason_phrase(schema.feature(n), clean_row[n], float(one.contributions[n]))
                               for n in by_size]
        assert one.baseline * 100 + one.contributions.sum() == pytest.approx(one.risk * 100, abs=1e-9)
    return len(reasons)


@pytest.fixture(params=["engine", "other_engine"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue(request.param)


# ---- one patient against the table ---------------------------------------------------------------
def test_patients_with_every_oddity_match_the_table(any_engine: Engine) -> None:
    base = _demo_rows(any_engine, 60)
    if not set(any_engine.schema.names) <= set(base[0]):  # a bundle of other features: form-like rows instead
        base = _typical_rows(any_engine, 60, seed=3)
    rows = base + _odd_rows(any_engine, base, 400, seed=11) + [any_engine.typical_patient()]
    rows.append({})  # nothing entered at all
    rejected = assert_patients_match_table(any_engine, rows)
    assert 0 < rejected < len(rows)  # both outcomes were exercised


def test_every_missing_marker_and_number_format_alone(engine: Engine) -> None:
    typical = engine.typical_patient()
    rows = [{**typical, spec.name: cell}
            for spec in engine.schema.features
            for cell in (*MISSING_CELLS, *(NUMBER_CELLS if spec.kind == "numeric" else BINARY_CELLS
                                           if spec.kind == "binary" else _category_cells(spec.categories)))]
    assert assert_patients_match_table(engine, rows) > 0


@pytest.mark.parametrize(("name", "unit"), [("hemoglobin_g_dl", "g/L"), ("hemoglobin_g_dl", "g/dL"),
                                           ("sodium_mmol_l", "mEq/L")])
def test_alternative_units_match_the_table(engine: Engine, name: str, unit: str) -> None:
    spec = engine.schema.feature(name)
    assert unit == spec.unit or unit in {u.unit for u in spec.alt_units}
    typical = engine.typical_patient()
    cells = ("135", "300", "40", "8.4", "140", "abc", "", 135, 40.0, "1,5", "\u22121", None, "1 000")
    rows = [{**typical, name: c} for c in cells]
    assert assert_patients_match_table(engine, rows, units={name: unit}) > 0


def test_unknown_unit_is_the_same_error_in_both_paths(engine: Engine) -> None:
    typical = engine.typical_patient()
    with pytest.raises(ValidationError) as one:
        engine.patient(typical, units={"hemoglobin_g_dl": "mg/mL"})
    with pytest.raises(ValidationError) as table:
        validate(pd.DataFrame([typical]), engine.schema, units={"hemoglobin_g_dl": "mg/mL"})
    assert str(one.value) == str(table.value)


def _corpus_rows(engine: Engine) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Rows of every corpus file the reader and validator accept, keyed by schema name (as the form would send)."""
    for path in sorted(CORPUS.glob("*.csv")):
        try:
            raw, info = read_csv_bytes(path.read_bytes())
            validate(raw, engine.schema)
        except (CsvError, ValidationError):
            continue
        found = match_columns(list(raw.columns), engine.schema)
        ok = [i for i in range(min(len(raw), 60)) if i not in info["row_problems"]]
        yield path.name, [{n: raw[found[n]].iloc[i] for n in engine.schema.names if n in found} for i in ok]


def test_corpus_rows_one_by_one_match_the_table(engine: Engine) -> None:
    files = 0
    for name, rows in _corpus_rows(engine):
        if rows:
            files += 1
            assert_patients_match_table(engine, rows, where=name)
    assert files >= 15


# ---- the pieces the patient path is built from ---------------------------------------------------------
@pytest.mark.parametrize("schema_name", ["test_validate", "default"])
def test_check_record_equals_validate_on_a_one_row_frame(engine: Engine, schema_name: str) -> None:
    """``check_record`` hands the rules the column a one-row table would hold (typed values included)."""
    schema = SCHEMA if schema_name == "test_validate" else engine.schema
    rules = SchemaRules.of(schema)
    rng = np.random.default_rng(5)
    cells = (*NUMBER_CELLS, *MISSING_CELLS, *BINARY_CELLS, *TYPED_CELLS, "female", "surgery", "Dermatology", pd.NA,
             10**20, np.float32(0.1), np.bool_(True))
    for _ in range(300):
        values = {spec.name: cells[int(rng.integers(len(cells)))] for spec in schema.features if rng.random() < .9}
        checked = check_record(values, rules)
        table = validate(pd.DataFrame([{n: values.get(n) for n in schema.names}]), schema)
        if table.n_rejected:
            assert checked.reasons[0] == table.rejected["reason"].iloc[0], values
            continue
        assert checked.reasons[0] == "", values
        for j, name in enumerate(schema.names):
            assert _same_value(checked.typed[name][0], table.clean[name].iloc[0]), (name, values)
            assert checked.missing[0, j] == table.missing[name].iloc[0]
            assert checked.out_of_range[0, j] == table.out_of_range[name].iloc[0]
            assert checked.unseen[0, j] == table.unseen[name].iloc[0]


def test_an_unreadable_number_next_to_an_empty_cell_is_called_unreadable() -> None:
    """An empty cell (code -1) once made the last distinct value look 'impossible (read as nan)'."""
    raw = pd.DataFrame({"encounter_id": ["E1", "E2", "E3"], "age": [None, "500", "abc"], "hemoglobin_g_dl": "13",
                        "sex": "male", "service": "surgery", "followup": "1"})
    reasons = validate(raw, SCHEMA).rejected["reason"].tolist()
    assert reasons == ["age: '500' is impossible (plausible range 0 to 120 years)",
                       "age: 'abc' is not a number (expected a number in years)"]


def test_encoders_give_the_same_matrix_from_a_mapping_of_arrays(engine: Engine) -> None:
    raw, _ = read_csv_bytes(DEMO_COHORT.read_bytes())
    raw = raw.head(400).copy()
    raw.loc[::7, "hemoglobin_g_dl"] = ""
    raw.loc[::5, "service"] = "Dermatology"
    raw.loc[::9, "sex"] = "NA"
    clean = validate(raw, engine.schema).clean
    y = (np.arange(len(clean)) % 3 == 0).astype(float)
    encoders = [engine.bundle.model.encoder, TreeEncoder(engine.schema).fit(clean, y),
                AdditiveEncoder(engine.schema).fit(clean), AdditiveEncoder(engine.schema, splines=True).fit(clean)]
    assert any(any(e.has_missing.values()) for e in encoders if isinstance(e, AdditiveEncoder))
    for encoder in encoders:
        whole = encoder.transform(clean)
        arrays = {n: clean[n].to_numpy() for n in engine.schema.names}
        np.testing.assert_array_equal(encoder.transform(arrays), whole)
        for i in (0, 7, 35):  # single rows, as one patient is encoded
            one = {n: clean[n].to_numpy()[i : i + 1] for n in engine.schema.names}
            np.testing.assert_array_equal(encoder.transform(one), whole[i : i + 1])
        np.testing.assert_array_equal(encoder.transform(clean.astype(object)), whole)


def test_breakdown_points_equal_the_table_points_for_any_cells() -> None:
    """``breakdown`` (one patient) and ``points`` (a table) apply the same item rules."""
    cells: tuple[Any, ...] = ("", "NA", None, float("nan"), pd.NA, "abc", "1,5", 0, 1, 2, 3.5, 4.99, 5, 6, 7, 14, 20,
                              11.9, 12, 134.99, 135, "Emergency", " URGENT ", "emergent", "elective",
                              "Hematology/Oncology", "oncology", "surgery", "yes", "Y", "true", "0", "1.0", True,
                              False, b"urgent", "\u00a0urgent\u00a0")
    columns = sorted(set(scores.LACE_COLUMNS) | set(scores.HOSPITAL_COLUMNS))
    rng = np.random.default_rng(9)
    rows = [{c: cells[int(rng.integers(len(cells)))] for c in columns} for _ in range(300)]
    table = pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in columns})
    for score in ("lace", "hospital"):
        points = scores.points(table, score)
        for i, row in enumerate(rows):
            items = scores.breakdown(row, score)
            assert sum(item["points"] for item in items) == points["total"].iloc[i], (score, row)


def test_largest_first_breaks_ties_like_pandas() -> None:
    rng = np.random.default_rng(2)
    for _ in range(200):
        n = int(rng.integers(1, 40))
        points = rng.choice([0.0, -0.0, 1.5, -1.5, 2.25, -3.0, 1e-9], n)
        expected = pd.Series(points).abs().sort_values(ascending=False).index.to_numpy()
        np.testing.assert_array_equal(Engine._largest_first(points), expected)

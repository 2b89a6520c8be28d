"""Property tests: whatever table or bytes arrive, the answer is a documented error or exact accounting."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.data.csvio import CsvError, read_csv_bytes
from core.data.schema import MISSING_MARKERS
from core.data.validate import ValidationError, validate
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
DEMO_LINES = DEMO_COHORT.read_text(encoding="utf-8").splitlines()[:15]

NUMBERS = st.one_of(
    st.integers(-1_000, 100_000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(-500, 500).map(lambda x: f"{x:.2f}".replace(".", ",")),
    st.integers(1_000, 9_999_999).map(lambda x: f"{x:,}"),
    st.integers(0, 200).map(lambda x: f"  {x} "),
)
WORDS = st.sampled_from(["yes", "no", "TRUE", "false", "Y", "n", "1", "0", "female", "male", "surgery", "Cardiology",
                         "home", "medicare", "emergency", "I50", "other", "=1+1", "-cmd", "@SUM(A1)", "1 6"])
CELLS = st.one_of(
    st.sampled_from([*sorted(MISSING_MARKERS), "NA", "NULL", "N/A", " ", "\t"]),
    NUMBERS,
    WORDS,
    st.text(max_size=12),
)


@st.composite
def raw_tables(draw: st.DrawFn, engine: Engine) -> pd.DataFrame:
    """A table of text: some or all of the schema's columns, in any order, plus extra columns."""
    schema = engine.schema
    known = [*schema.names, *schema.id_columns, *schema.context_columns, schema.target]
    if draw(st.booleans()):
        columns = list(schema.names) + draw(st.lists(st.sampled_from(known), unique=True, max_size=4))
        columns = list(dict.fromkeys(columns))
    else:
        columns = draw(st.lists(st.sampled_from(known), unique=True, max_size=len(known)))
    extra = draw(st.lists(st.text(min_size=1, max_size=10), unique=True, max_size=3))
    columns = list(dict.fromkeys(columns + [e for e in extra if e not in columns]))
    columns = draw(st.permutations(columns))
    n = draw(st.integers(0, 12))
    data = {c: draw(st.lists(CELLS, min_size=n, max_size=n)) for c in columns}
    return pd.DataFrame(data, columns=columns, dtype=object)


def one_plain_line(exc: Exception) -> None:
    msg = str(exc)
    assert msg.strip() and "\n" not in msg and "Traceback" not in msg


@SETTINGS
@given(data=st.data())
def test_any_table_gives_a_documented_error_or_exact_accounting(engine: Engine, data: st.DataObject) -> None:
    raw = data.draw(raw_tables(engine))
    try:
        result = engine.score(raw)
    except ValidationError as exc:
        one_plain_line(exc)
        with pytest.raises(ValidationError):
            validate(raw, engine.schema)
        return
    v = result.validation
    n = len(raw)
    assert v.n_read == n == v.n_scored + v.n_rejected
    assert len(result.output) == n
    assert sorted([*v.clean.index, *(v.rejected["row"] - 1)]) == list(range(n))
    assert (v.rejected["reason"].str.len() > 0).all()
    status = result.output["status"]
    assert ((status == "rejected") == result.output["reason"].ne("")).all()
    assert result.output.loc[status == "scored", "risk"].between(0, 1).all()
    assert result.output.loc[status == "rejected", "risk"].isna().all()
    if "encounter_id" in raw.columns:
        assert result.output["encounter_id"].tolist() == raw["encounter_id"].tolist()


@SETTINGS
@given(data=st.binary(max_size=2_000))
def test_random_bytes_give_a_frame_or_csv_error(data: bytes) -> None:
    try:
        frame, info = read_csv_bytes(data)
    except CsvError as exc:
        one_plain_line(exc)
        return
    assert isinstance(frame, pd.DataFrame)
    assert info["rows"] == len(frame)
    assert all(0 <= i < len(frame) for i in info["row_problems"])
    assert all(isinstance(c, str) for c in frame.columns)
    assert frame.map(lambda x: isinstance(x, str)).all(axis=None)


@SETTINGS
@given(
    cut=st.integers(0, sum(len(x) + 1 for x in DEMO_LINES)),
    junk=st.binary(max_size=20),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_damaged_exports_give_a_csv_error_or_a_scorable_frame(
    engine: Engine, cut: int, junk: bytes, delimiter: str
) -> None:
    """A real export with random bytes spliced in: a plain error, or rows that all add up."""
    text = "\n".join(line.replace(",", delimiter) for line in DEMO_LINES) + "\n"
    data = text.encode()
    data = data[:cut] + junk + data[cut:]
    try:
        raw, info = read_csv_bytes(data)
        result = engine.score(raw, row_problems=info["row_problems"])
    except (CsvError, ValidationError) as exc:
        one_plain_line(exc)
        return
    assert result.counts["read"] == len(raw) == result.counts["scored"] + result.counts["rejected"]
    assert len(result.output) == len(raw)
    assert set(info["row_problems"]) <= set(result.validation.rejected["row"] - 1)


NAMES = st.text(alphabet=st.characters(categories=["Ll", "Lu"]), min_size=1, max_size=8)
TEXT_CELLS = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=15)


@SETTINGS
@given(
    names=st.lists(NAMES, min_size=2, max_size=6, unique_by=lambda s: s.strip().lower()),
    data=st.data(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_what_csv_writes_reads_back_cell_for_cell(
    names: list[str], data: st.DataObject, delimiter: str, newline: str, encoding: str
) -> None:
    rows = data.draw(st.lists(st.lists(TEXT_CELLS, min_size=len(names), max_size=len(names)), min_size=1, max_size=8))
    if newline == "\n":  # csv.writer leaves a lone CR unquoted when the line end is LF: not a reader question
        rows = [[c.replace("\r", " ") for c in r] for r in rows]
    rows = [r for r in rows if any(c.strip() for c in r)]  # rows of blanks are not rows
    assume(rows)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([names, *rows])
    frame, info = read_csv_bytes(out.getvalue().encode(encoding))
    assert list(frame.columns) == names
    assert frame.to_numpy().tolist() == rows
    assert info["row_problems"] == {}
    assert info["delimiter"] == {"\t": "tab"}.get(delimiter, delimiter)

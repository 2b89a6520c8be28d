"""Arrow's reader (core/data/csv_fast.py) gives exactly the csv module's cells, or declines.

``fast=False`` forces the csv module everywhere, so every comparison here is the fast
reader against the careful one on the same bytes: every corpus file, random tables full
of quotes, delimiters, newlines and odd spacing, and files that turn unusual part-way
through a stream (the careful reader must take over at the right row).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.data import csv_fast
from core.data.csvio import CsvError, iter_csv_chunks, read_csv_bytes, to_csv_bytes
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def _both(data: bytes) -> tuple[object, object]:
    def read(fast: bool) -> object:
        try:
            frame, info = read_csv_bytes(data, fast=fast)
        except CsvError as exc:
            return str(exc)
        return frame.astype(object), info["row_problems"], info["encoding"], info["delimiter"]

    return read(True), read(False)


def _same(fast: object, careful: object) -> None:
    if isinstance(careful, str):
        assert fast == careful
        return
    assert not isinstance(fast, str), fast
    pd.testing.assert_frame_equal(fast[0], careful[0])  # type: ignore[index]
    assert fast[1:] == careful[1:]  # type: ignore[index]


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.csv")))
def test_every_corpus_file_reads_the_same_both_ways(name: str) -> None:
    _same(*_both((CORPUS / name).read_bytes()))


def test_a_plain_file_is_read_by_arrow() -> None:
    """The demo cohort is plain: its cells come back Arrow-backed, not as one Python string per cell."""
    frame, info = read_csv_bytes(DEMO_COHORT.read_bytes())
    assert not info["row_problems"]
    assert all(str(t) == "str" for t in frame.dtypes)
    careful, _ = read_csv_bytes(DEMO_COHORT.read_bytes(), fast=False)
    assert all(t is object or str(t) == "object" for t in careful.dtypes)


def test_scores_are_the_same_from_either_reader(engine: Engine) -> None:
    data = DEMO_COHORT.read_bytes()
    outputs = []
    for fast in (True, False):
        raw, info = read_csv_bytes(data, fast=fast)
        outputs.append(to_csv_bytes(engine.score(raw, explain_columns=True, row_problems=info["row_problems"]).output))
    assert outputs[0] == outputs[1]


CELL = st.text(alphabet=st.sampled_from([*'ab ,;"\n\r\t|=-1.éß', "\u00a0", "\u2028"]), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=0, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_random_tables_read_the_same_both_ways(rows: list[list[str]], delimiter: str, newline: str,
                                                quoting: int) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(["id", "name", "note"])
    writer.writerows(rows)
    _same(*_both(out.getvalue().encode("utf-8")))


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('ab,"\n\r ;')), max_size=60))
def test_raw_text_reads_the_same_both_ways(text: str) -> None:
    """Not written by a csv writer: stray quotes, ragged rows, blank lines, trailing delimiters."""
    _same(*_both(("id,name,note\n" + text).encode("utf-8")))


def _streamed(path: Path, chunk_rows: int, fast: bool) -> tuple[pd.DataFrame, dict[int, str], list[str]]:
    chunks = list(iter_csv_chunks(path, chunk_rows=chunk_rows, fast=fast))
    problems = {c.first_row + i: why for c in chunks for i, why in c.row_problems.items()}
    frame = pd.concat([c.frame.astype(object) for c in chunks], ignore_index=True)
    return frame, problems, [str(c.frame.dtypes.iloc[0]) for c in chunks]


@pytest.mark.parametrize("trouble", [
    "E{i},a,b,c\n",            # one field too many, part-way through
    ",a,b\n",                  # a blank first cell
    ",,\n",                    # a line of only delimiters (not a row)
    "E{i},a,\"x\ny\"\n",       # a record over two lines (plain for Arrow; the careful reader agrees)
])
def test_a_stream_that_turns_unusual_hands_over_at_the_right_row(tmp_path: Path, trouble: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_fast, "BLOCK_BYTES", 1024)  # many Arrow blocks in a small file
    lines = ["id,name,note\n"] + [f"E{i},n{i},ok\n" for i in range(1000)]
    lines.insert(701, trouble.format(i=700))
    path = tmp_path / "turns.csv"
    path.write_text("".join(lines), encoding="utf-8")
    fast = _streamed(path, 100, fast=True)
    careful = _streamed(path, 100, fast=False)
    pd.testing.assert_frame_equal(fast[0], careful[0])
    assert fast[1] == careful[1]
    assert fast[2][0] == "str"  # Arrow read the plain start of the file


def test_a_last_record_left_open_is_judged_by_the_careful_reader(tmp_path: Path) -> None:
    path = tmp_path / "open.csv"
    path.write_text("id,name\n" + "".join(f"E{i},n\n" for i in range(500)) + 'E9,"never\nclosed\n', encoding="utf-8")
    with pytest.raises(CsvError, match="never closed"):
        list(iter_csv_chunks(path, chunk_rows=100))
    with pytest.raises(CsvError, match="never closed"):
        read_csv_bytes(path.read_bytes())

"""The streaming reader gives exactly what the in-memory reader gives, cut into chunks.

``iter_csv_chunks`` is how ``python -m core.score`` reads files of any size; the app reads
uploads with ``read_csv_bytes``. Every malformed corpus file, read both ways with chunk
boundaries in awkward places, must give the same cells, the same broken-row reasons and
the same whole-file errors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from core.data.csvio import CsvChunk, CsvError, iter_csv_chunks, read_csv_bytes

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.csv"))


def _in_memory(path: Path) -> tuple[pd.DataFrame, dict[int, str]] | str:
    try:
        frame, info = read_csv_bytes(path.read_bytes())
    except CsvError as exc:
        return str(exc)
    return frame, info["row_problems"]


def _streamed(path: Path, chunk_rows: int) -> tuple[pd.DataFrame, dict[int, str]] | str:
    try:
        chunks = list(iter_csv_chunks(path, chunk_rows=chunk_rows))
    except CsvError as exc:
        return str(exc)
    problems = {c.first_row + i: why for c in chunks for i, why in c.row_problems.items()}
    return pd.concat([c.frame for c in chunks], ignore_index=True), problems


def _assert_same(expected: tuple[pd.DataFrame, dict[int, str]] | str,
                 got: tuple[pd.DataFrame, dict[int, str]] | str) -> None:
    if isinstance(expected, str):
        assert got == expected
        return
    assert not isinstance(got, str), got
    pd.testing.assert_frame_equal(got[0], expected[0])
    assert got[1] == expected[1]


@pytest.mark.parametrize("name", CORPUS_FILES)
@pytest.mark.parametrize("chunk_rows", [1, 7, 50_000])
def test_every_corpus_file_reads_the_same_streamed(name: str, chunk_rows: int) -> None:
    path = CORPUS / name
    _assert_same(_in_memory(path), _streamed(path, chunk_rows))


def test_chunks_are_consecutive_and_bounded() -> None:
    chunks = list(iter_csv_chunks(CORPUS / "every_10th_broken_2000.csv", chunk_rows=300))
    assert [len(c.frame) for c in chunks] == [300] * 6 + [200]
    assert [c.first_row for c in chunks] == list(range(0, 2000, 300))
    assert all(isinstance(c, CsvChunk) and list(c.frame.columns) == list(chunks[0].frame.columns) for c in chunks)
    # every 10th row is broken, in five ways by turn; two of them (too many, too few fields) are the reader's
    assert sum(len(c.row_problems) for c in chunks) == 80


def test_a_header_only_file_gives_one_empty_chunk_with_the_columns() -> None:
    chunks = list(iter_csv_chunks(CORPUS / "header_only.csv", chunk_rows=10))
    assert len(chunks) == 1 and chunks[0].frame.empty and len(chunks[0].frame.columns) > 1


def test_a_windows_1252_byte_far_into_a_big_file_decides_the_encoding(tmp_path: Path) -> None:
    """The encoding is settled over the whole file, not its first block, as in memory."""
    body = b"id,name\n" + b"".join(b"%d,plain ascii name\n" % i for i in range(500_000))
    data = body + b"500000,Ren\xe9e\n"  # 0xE9 is 'e acute' in Windows-1252 and invalid UTF-8 here
    assert len(data) > 9 << 20  # more than one encoding block
    path = tmp_path / "late_cp1252.csv"
    path.write_bytes(data)
    last = list(iter_csv_chunks(path, chunk_rows=100_000))[-1].frame
    assert last.iloc[-1].tolist() == ["500000", "Ren\u00e9e"]
    assert read_csv_bytes(data)[0].iloc[-1].tolist() == ["500000", "Ren\u00e9e"]


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="No file at"):
        list(iter_csv_chunks(tmp_path / "nowhere.csv"))

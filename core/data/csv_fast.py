"""Arrow's multi-threaded CSV reader, for files with nothing unusual in them.

Most exports are plain UTF-8 with the header's width on every row. Arrow's C++ reader
parses those several times faster than Python's csv module and hands the cells over as
Arrow-backed text, without a Python string per cell. It is used only where it gives the
careful reader's answer (core/data/csv_careful.py): as soon as anything is unusual (a row of the
wrong width, a blank first cell, as on a line of only delimiters, a cell over the
limit, a last record spanning lines, more rows than allowed) it declines, and the careful
reader reads the file and words the problem. Arrow and the csv module agree on quoting
(doubled quotes, quotes inside unquoted cells, newlines inside quotes) and line endings;
tests/data/test_csv_fast.py checks that both readers give the same cells for every corpus file
and for random tables.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

#: Bytes Arrow parses per block: a few MB keeps both cores busy and memory small.
BLOCK_BYTES = 4 << 20


class Declined(Exception):  # noqa: N818 - a signal, not an error: the careful reader takes over
    """The careful reader must decide from this data row on (``rows_done`` rows were already given)."""

    def __init__(self, rows_done: int) -> None:
        super().__init__(rows_done)
        self.rows_done = rows_done


def read_plain(
    data: bytes, header: list[str], delimiter: str, max_rows: int | None, max_cell: int
) -> pd.DataFrame | None:
    """All data rows of a UTF-8 file as Arrow-backed text cells (columns unnamed), or None to decline."""
    try:
        table = pa_csv.read_csv(io.BytesIO(data), *_options(len(header), delimiter, threads=True))
    except pa.ArrowException:
        return None
    table = _without_header(table, header)
    if table is None or not _plain(table, max_cell) or not _last_row_on_one_line(table):
        return None
    if max_rows is not None and table.num_rows > max_rows:
        return None
    return _frame(table)


def stream_plain(
    path: Path, header: list[str], delimiter: str, chunk_rows: int, max_rows: int | None, max_cell: int
) -> Iterator[pd.DataFrame]:
    """A UTF-8 file's data rows in frames of ``chunk_rows``; raises ``Declined`` where the careful reader must go on.

    Rows are held back until more than ``chunk_rows`` are buffered, so the file's last row
    is only given out once the end has been seen and checked.
    """
    done = 0
    pending: list[pa.RecordBatch] = []
    buffered = 0
    try:
        # one thread: no read-ahead buffering of blocks ahead of the consumer (memory stays bounded),
        # and measured faster than the threaded streaming reader on 100k rows (0.16-0.19 s vs 0.25 s)
        reader = pa_csv.open_csv(str(path), *_options(len(header), delimiter, threads=False))
        first = True
        for batch in reader:
            if first:
                first = False
                table = _without_header(pa.Table.from_batches([batch]), header)
                if table is None:
                    raise Declined(0)
                batches = table.to_batches()
            else:
                batches = [batch]
            for b in batches:
                if not _plain(b, max_cell):
                    raise Declined(done)
                pending.append(b)
                buffered += b.num_rows
            if max_rows is not None and done + buffered > max_rows:
                raise Declined(done)
            while buffered > chunk_rows:
                table = pa.Table.from_batches(pending)
                yield _frame(table.slice(0, chunk_rows))
                done += chunk_rows
                rest = table.slice(chunk_rows)
                pending, buffered = rest.to_batches(), rest.num_rows
        if first:
            raise Declined(0)  # not even a header row
    except pa.ArrowException as exc:
        raise Declined(done) from exc
    table = pa.Table.from_batches(pending, schema=reader.schema)
    if not _last_row_on_one_line(table):
        raise Declined(done)
    if buffered or not done:
        yield _frame(table)


def _options(
    width: int, delimiter: str, threads: bool
) -> tuple[pa_csv.ReadOptions, pa_csv.ParseOptions, pa_csv.ConvertOptions]:
    names = [f"f{i}" for i in range(width)]
    return (
        pa_csv.ReadOptions(autogenerate_column_names=True, block_size=BLOCK_BYTES, use_threads=threads),
        pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True),
        pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                              quoted_strings_can_be_null=False),
    )


def _without_header(table: pa.Table, header: list[str]) -> pa.Table | None:
    """The table after its first row, if that row is exactly the header the careful reader found."""
    if table.num_rows == 0 or table.num_columns != len(header):
        return None
    if [table.column(i)[0].as_py() for i in range(table.num_columns)] != header:
        return None
    if any(t != pa.string() for t in table.schema.types):
        return None
    return table.slice(1)


def _plain(rows: pa.Table | pa.RecordBatch, max_cell: int) -> bool:
    """No blank first cell (the careful reader inspects those rows) and no cell over the limit."""
    if rows.num_rows == 0:
        return True
    if pc.any(pc.equal(pc.utf8_trim_whitespace(rows.column(0)), "")).as_py():
        return False
    limit = min(max_cell, csv.field_size_limit()) if max_cell else csv.field_size_limit()
    return all(pc.max(pc.utf8_length(col)).as_py() <= limit for col in rows.columns)


def _last_row_on_one_line(table: pa.Table) -> bool:
    """A last record spanning lines may be a quote never closed: the careful reader judges it."""
    if table.num_rows == 0:
        return True
    last = [table.column(i)[table.num_rows - 1].as_py() for i in range(table.num_columns)]
    return not any("\n" in cell or "\r" in cell for cell in last)


def _frame(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    frame.index = pd.RangeIndex(len(frame))
    return frame

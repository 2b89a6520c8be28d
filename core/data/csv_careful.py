"""The careful CSV reader: Python's csv module, which tells every broken row apart and words it.

Used for whatever Arrow's reader (core/data/csv_fast.py) declines, and for the rest of a
file from the first unusual row on. It reads records into chunks of text cells with the
header's width; rows with too many or too few fields, or with a cell over the limit, keep
their place and are reported, while whole-file problems (an unreadable or duplicate header,
a quote never closed, a row count over the limit) raise ``CsvError`` with one plain sentence.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_MAX_ROWS = 1_000_000
DEFAULT_MAX_CELL = 10_000
#: Rows per chunk when a whole file is read in memory, and the default when streaming.
CHUNK_ROWS = 50_000
_NUMERIC_NAME = re.compile(r"[-+]?\d[\d.,]*")


class CsvError(ValueError):
    """A file that cannot be read as a table, worded for the person who brought it."""


@dataclass(frozen=True)
class CsvChunk:
    """A block of consecutive data rows: text cells, the broken rows among them, and where it starts.

    ``row_problems`` keys are 0-based rows within the chunk; the line numbers in the reasons
    are the file's. ``first_row`` is the 0-based data row of the file the chunk starts at.
    """

    frame: pd.DataFrame
    row_problems: dict[int, str]
    first_row: int


def careful_chunks(
    lines: Iterable[str],
    delimiter: str,
    max_rows: int | None,
    max_cell: int,
    chunk_rows: int,
    tail: Callable[[int], str],
    start_row: int = 0,
) -> Iterator[CsvChunk]:
    """Records -> chunks of text cells with the header's width, plus the rows that did not fit.

    The csv module is as fast as pandas for all-text frames and, unlike pandas, tells a
    row with too few fields from one with empty trailing cells, and never turns the first
    column into an index when rows have a trailing delimiter. Each row keeps its place; a
    row with too many or too few fields is padded or cut to the header's width and
    reported in the chunk's problems (0-based row -> reason). Extra fields that are all
    empty (a trailing delimiter) are not a problem. ``tail(line)`` returns the file's text
    from that line on; it is read only to explain a quote that is never closed. Rows before
    ``start_row`` (already given by the fast reader) are read past, not returned.
    """
    watch = _LineWatch(lines, max_cell)
    reader = csv.reader(watch, delimiter=delimiter)
    header = _read_header(reader, max_cell)
    width = len(header)
    rows: list[list[str]] = []
    problems: dict[int, str] = {}
    n, first_row = 0, start_row
    prev_line = reader.line_num
    first_line = prev_line
    last: list[str] | None = None
    try:
        for fields in reader:
            first_line, prev_line = prev_line + 1, reader.line_num
            if (len(fields) != width or not fields[0].strip()) and not any(f.strip() for f in fields):
                continue  # a blank line, or one of only delimiters and spaces
            if n < start_row:
                n += 1
                last = fields
                continue
            if len(fields) != width:
                fields = _fit_to_header(fields, width, problems, n - first_row, (first_line, prev_line))
            if max_cell and (watch.long_line_seen or prev_line > first_line) and max(map(len, fields)) > max_cell:
                fields = _reject_long_cells(header, fields, max_cell, problems, n - first_row, first_line)
            rows.append(fields)
            last = fields
            n += 1
            if max_rows is not None and n > max_rows:
                raise CsvError(
                    f"The file has more than {max_rows:,} rows, Lantern's limit. Split it into smaller files."
                )
            if len(rows) == chunk_rows:
                yield CsvChunk(_text_frame(rows, header), problems, first_row)
                rows, problems, first_row = [], {}, n
    except csv.Error as exc:
        raise _csv_error(exc, max_cell, prev_line + 1) from exc
    if last is not None and prev_line > first_line and any("\n" in f or "\r" in f for f in last):
        _check_last_record_quotes(tail(first_line), first_line)
    if rows or n == 0:
        yield CsvChunk(_text_frame(rows, header), problems, first_row)


def _read_header(reader: Iterator[list[str]], max_cell: int) -> list[str]:
    """The first non-blank record, cleaned into column names."""
    try:
        header = next(reader)
        while not any(f.strip() for f in header):
            header = next(reader)
    except StopIteration as exc:
        raise CsvError("The file is empty.") from exc
    except csv.Error as exc:
        raise _csv_error(exc, max_cell, 1) from exc
    return clean_header(header, max_cell)


def _fit_to_header(
    fields: list[str], width: int, problems: dict[int, str], row: int, lines: tuple[int, int]
) -> list[str]:
    """A record of the wrong width cut or padded to the header's; a real mismatch is noted in ``problems``.

    Extra fields that are all empty come from trailing delimiters and are simply dropped.
    """
    if len(fields) > width and not any(f.strip() for f in fields[width:]):
        return fields[:width]  # trailing delimiters
    problems[row] = _field_count_problem(fields, width, *lines)
    return (fields + [""] * width)[:width]


class _LineWatch:
    """Passes lines through and notes whether any was longer than the cell limit.

    Until one is, no single-line record can hold a cell over the limit, so the per-cell
    check (the reader's most expensive line) only runs on records spanning several lines.
    """

    def __init__(self, lines: Iterable[str], max_cell: int) -> None:
        self.long_line_seen = False
        self._lines = lines
        self._max_cell = max_cell

    def __iter__(self) -> Iterator[str]:
        limit = self._max_cell
        if not limit:
            yield from self._lines
            return
        for line in self._lines:
            if len(line) > limit:
                self.long_line_seen = True
            yield line


def _text_frame(rows: list[list[str]], header: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype=object) if rows else pd.DataFrame(np.empty((0, len(header)), dtype=object))
    frame.columns = header
    return frame


def clean_header(header: list[str], max_cell: int) -> list[str]:
    """Trimmed names without a byte-order mark; blank names become 'Unnamed: i'; duplicates are an error."""
    names = [h.replace("\ufeff", "").strip() for h in header]
    numeric = sum(bool(_NUMERIC_NAME.fullmatch(n)) for n in names if n)
    if len(names) > 1 and numeric * 2 >= len([n for n in names if n]):
        shown = ", ".join(shorten(n, 20) for n in names[:4])
        raise CsvError(
            f"The first row looks like data, not column names ({shown}, ...). "
            "Check that the first row holds the column names."
        )
    names = [n or f"Unnamed: {i}" for i, n in enumerate(names)]
    seen: set[str] = set()
    dupes: list[str] = []
    for name in names:
        if name in seen and name not in dupes:
            dupes.append(name)
        seen.add(name)
    if dupes:
        raise CsvError(
            f"Column names appear more than once: {', '.join(shorten(d) for d in dupes)}. "
            "Rename them so each is unique."
        )
    if max_cell and max(map(len, names)) > max_cell:
        raise CsvError(
            f"The first row has a cell longer than {max_cell:,} characters, Lantern's limit; "
            "the first row should hold the column names."
        )
    return names


def _check_last_record_quotes(tail: str, first_line: int) -> None:
    """A quote opened and never closed swallows the rest of the file into the last record: say so.

    Only called when the last record spans several lines; its text (``tail``) then holds an
    odd number of quote marks (escaped quotes come in pairs).
    """
    if tail.count('"') % 2:
        raise CsvError(
            f'A quote mark (") opened on line {first_line:,} is never closed, so the rest of the file '
            "runs into one cell. Fix the quotes (or export the file again) and try again."
        )


def _field_count_problem(fields: list[str], width: int, first_line: int, last_line: int) -> str:
    where = f"line {first_line:,}" if first_line == last_line else f"lines {first_line:,}-{last_line:,}"
    if any("\n" in f or "\r" in f for f in fields):
        hint = " (a quote mark may be missing)"
    elif len(fields) > width:
        hint = " (a value holding the delimiter needs quotes)"
    else:
        hint = ""
    return f"{where} has {len(fields)} fields but the header has {width}{hint}"


def _reject_long_cells(
    header: list[str], fields: list[str], max_cell: int, problems: dict[int, str], row: int, line: int
) -> list[str]:
    """A row with a cell over the limit is rejected (its reason names the column and the length), not the file.

    The long cells are blanked so they are neither kept in memory nor judged; a row already
    broken (wrong field count) keeps that reason, which explains more.
    """
    col, length = next((header[i], len(f)) for i, f in enumerate(fields) if len(f) > max_cell)
    problems.setdefault(row, long_cell_reason(col, length, max_cell, f"line {line:,}"))
    return [f if len(f) <= max_cell else "" for f in fields]


def long_cell_reason(column: str, length: int, max_cell: int, where: str) -> str:
    """The rejection reason of a row with an over-long cell (both readers word it so)."""
    return (f"{where}: column '{shorten(column)}' has a cell of {length:,} characters, over Lantern's limit of "
            f"{max_cell:,} (a quote mark may be missing)")


def _csv_error(exc: csv.Error, max_cell: int, line: int) -> CsvError:
    limit = csv.field_size_limit()
    if "field larger than field limit" in str(exc):
        return CsvError(
            f"A cell near line {line:,} is longer than {min(max_cell or limit, limit):,} characters, Lantern's limit. "
            "Check the file (a quote mark may be missing) and try again."
        )
    return CsvError(f"The file is not a readable CSV near line {line:,} ({exc}); check quotes and line endings.")


def shorten(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."

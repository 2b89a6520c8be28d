"""Read a CSV upload held in memory: decode its bytes, find its delimiter, parse it into text cells.

Hospital exports come as UTF-8 with or without a byte-order mark, UTF-16 ("Unicode
text") or Latin-1/Windows-1252; with commas, semicolons, tabs or pipes (or Excel's
``sep=;`` first line). Everything is read as text (no type guessing here: validation owns
that) and nothing touches disk: uploads arrive as bytes and stay in memory. The checks
that refuse a whole file (not a CSV, empty, a single column that hides a delimiter) are
here too, shared with the streaming reader (core/data/csv_stream.py).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from core.data.csv_careful import (
    CHUNK_ROWS,
    DEFAULT_MAX_CELL,
    DEFAULT_MAX_ROWS,
    CsvChunk,
    CsvError,
    careful_chunks,
    clean_header,
    shorten,
)
from core.data.csv_fast import read_plain

DELIMITERS = (",", ";", "\t", "|")
#: The refusal for binary data, whichever reader finds it.
NOT_TEXT = "This is not a CSV file: it contains binary data. Export the table as CSV and try again."
SNIFF_CHARS = 65_536
_SNIFF_RECORDS = 50
_SEP_LINE = re.compile(r"\A\s*sep=(.)[ \t]*(\r\n|\r|\n|\Z)", re.IGNORECASE)
_MARKUP = re.compile(r"<(\?xml|!doctype|!--|[a-z][a-z0-9:-]*[\s>/])", re.IGNORECASE)
#: Files people upload by mistake, recognised by their first bytes.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or a zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old-style Excel (.xls) or Word file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"{\\rtf", "a rich-text (RTF) document"),
)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> text and the encoding used.

    UTF-8 (with or without a byte-order mark), UTF-16 (with a byte-order mark, or without
    one when every other byte is zero, as "Unicode text" exports are), else Windows-1252,
    else Latin-1. Known non-text files (Excel, PDF, images, archives) and other binary data
    raise ``CsvError`` naming what the file seems to be.
    """
    if not data:
        raise CsvError("The file is empty.")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise CsvError(f"This is not a CSV file: it looks like {what}. Export the table as CSV and try again.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise CsvError("The file says it is UTF-16 text but is not; export it again as CSV (UTF-8).") from exc
    head = data[:4096]
    if b"\x00" in head:
        bom_less = utf16_without_bom(head)
        if bom_less:
            try:
                return data.decode(bom_less), "utf-16"
            except UnicodeDecodeError:
                pass
        raise CsvError(NOT_TEXT)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text, encoding = data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        text, encoding = data.decode("latin-1"), "latin-1"
    if "\x00" in text:
        raise CsvError(NOT_TEXT)
    return text, encoding


def utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when the zero bytes sit on one side of (mostly ASCII) text."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return None
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd > 0.7 and zero_even < 0.05:
        return "utf-16-le"
    if zero_even > 0.7 and zero_odd < 0.05:
        return "utf-16-be"
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most fields, consistently with the rows below.

    Quoted fields are respected, so a semicolon file with decimal commas (``12,5``) or a
    comma file with a semicolon inside a quoted name is recognised. Comma when unsure.
    """
    sample = text[:SNIFF_CHARS]
    truncated = len(text) > SNIFF_CHARS
    best, best_score = ",", (0.0, 0)
    fallback, fallback_width = ",", 1
    for d in DELIMITERS:
        widths = _record_widths(sample, d, truncated)
        if not widths:
            continue
        head, body = widths[0], widths[1:]
        agree = sum(w == head for w in body) / len(body) if body else 1.0
        if head > 1:
            score = (head * (0.25 + 0.75 * agree), head)
            if score > best_score:
                best, best_score = d, score
        elif body:
            modal = max(set(body), key=body.count)
            if modal > fallback_width:
                fallback, fallback_width = d, modal
    return best if best_score[1] > 1 else fallback


def _record_widths(sample: str, delimiter: str, truncated: bool) -> list[int]:
    widths: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        for fields in reader:
            if fields and any(f.strip() for f in fields):
                widths.append(len(fields))
            if len(widths) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass
    if truncated and len(widths) > 1 and len(widths) <= _SNIFF_RECORDS:
        widths.pop()  # the last record may be cut off by the sample's end
    return widths


def read_csv_bytes(
    data: bytes, max_rows: int = DEFAULT_MAX_ROWS, max_cell: int = DEFAULT_MAX_CELL, fast: bool = True
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Parse bytes into a frame of text cells. Returns (frame, info about the file).

    ``info`` holds ``encoding``, ``delimiter`` ("," ";" "tab" "|"), ``rows`` and
    ``row_problems``: 0-based data row -> reason, for rows with more or fewer fields than
    the header. Such rows keep their place (cut or padded to the header's width) so
    validation rejects them with that reason; every other row is read normally. Blank
    lines, and lines holding only delimiters or spaces, are not rows. Problems with the
    file as a whole raise ``CsvError`` with one plain sentence.

    Plain UTF-8 files are parsed by Arrow (core/data/csv_fast.py) into Arrow-backed text;
    anything unusual, or ``fast=False``, goes through the csv module, which finds and words
    the problems. Both give the same cells.
    """
    text, encoding = decode(data)
    refuse_non_csv(text, lambda: text)
    delimiter, skip = delimiter_and_skip(text)
    body = text[skip:]
    header = plain_header(body, delimiter) if fast and encoding == "utf-8" and not skip else None
    plain = read_plain(data, header, delimiter, max_rows, max_cell) if header else None
    if plain is not None and header is not None:
        plain.columns = clean_header(header, max_cell)
        chunks = [CsvChunk(plain, {}, 0)]
    else:
        chunks = list(careful_chunks(
            io.StringIO(body, newline=""), delimiter, max_rows, max_cell, CHUNK_ROWS,
            lambda first_line: "".join(io.StringIO(body, newline="").readlines()[first_line - 1 :]),
        ))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True) if len(chunks) > 1 else chunks[0].frame
    refuse_single_column(frame)
    row_problems = {c.first_row + i: why for c in chunks for i, why in c.row_problems.items()}
    info = {"encoding": encoding, "delimiter": {"\t": "tab"}.get(delimiter, delimiter), "rows": len(frame)}
    return frame, {**info, "row_problems": row_problems}


def read_csv_path(path: Path, **kwargs: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``read_csv_bytes`` on a file's bytes (read whole: for files that fit in memory)."""
    with file_errors(path):
        data = Path(path).read_bytes()
    return read_csv_bytes(data, **kwargs)


@contextmanager
def file_errors(path: Path) -> Iterator[None]:
    """A missing file or a folder given as the file becomes a ``CsvError`` that says which."""
    try:
        yield
    except FileNotFoundError as exc:
        raise CsvError(f"No file at {path}.") from exc
    except IsADirectoryError as exc:
        raise CsvError(f"{path} is a folder, not a CSV file.") from exc


def plain_header(text: str, delimiter: str) -> list[str] | None:
    """The first record's fields as the csv module reads them, or None when it is blank or unreadable."""
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except (StopIteration, csv.Error):
        return None
    return header if any(f.strip() for f in header) else None


def refuse_non_csv(head: str, whole: Callable[[], str]) -> None:
    """JSON, XML/HTML and blank files are refused by name before any parsing."""
    stripped = head.lstrip()
    if not stripped:
        raise CsvError("The file is empty: it holds only blank space.")
    if stripped[0] in "{[" and whole().rstrip()[-1:] in "}]":
        raise CsvError("This looks like JSON, not CSV. Export the table as CSV (one row per patient) and try again.")
    if _MARKUP.match(stripped[:200]):
        raise CsvError("This looks like XML or HTML, not CSV. Export the table as CSV and try again.")


def delimiter_and_skip(text: str) -> tuple[str, int]:
    """The delimiter, and how many characters of an Excel ``sep=;`` first line to skip (0 without one)."""
    sep_line = _SEP_LINE.match(text)
    if sep_line and (sep_line.group(1) in "\"'\r" or sep_line.group(1).isalnum()):
        raise CsvError(f"The first line names {sep_line.group(1)!r} as the delimiter, which cannot separate values.")
    if sep_line:  # Excel's "sep=;" first line names the delimiter
        if not text[sep_line.end():].strip():
            raise CsvError("The file is empty.")
        return sep_line.group(1), sep_line.end()
    return sniff_delimiter(text), 0


def refuse_single_column(frame: pd.DataFrame) -> None:
    if frame.shape[1] == 1 and len(frame):
        only = str(frame.columns[0])
        if any(d in only for d in (",", ";", "\t", "|", ":")):
            raise CsvError(
                f"The file has only one column ('{shorten(only)}'); check its delimiter "
                "(Lantern reads comma, semicolon, tab or pipe)."
            )

"""Stream a CSV file of any size from disk in chunks of rows, with bounded memory.

The batch CLI and the Dask engine read files too big to hold whole; they get exactly what
``read_csv_path`` gives (core/data/csv_read.py), cut into pieces: the same encoding and
delimiter detection, the same broken-row reasons and the same whole-file errors.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import IO

from core.data.csv_careful import CHUNK_ROWS, DEFAULT_MAX_CELL, CsvChunk, CsvError, careful_chunks, clean_header
from core.data.csv_fast import Declined, stream_plain
from core.data.csv_read import (
    NOT_TEXT,
    SNIFF_CHARS,
    decode,
    delimiter_and_skip,
    file_errors,
    plain_header,
    refuse_non_csv,
    refuse_single_column,
    utf16_without_bom,
)

_ENCODING_BLOCK = 8 << 20
_CODEC_OF = MappingProxyType({"utf-8": "utf-8-sig", "windows-1252": "cp1252", "latin-1": "latin-1"})
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


def iter_csv_chunks(
    path: Path,
    chunk_rows: int = CHUNK_ROWS,
    max_cell: int = DEFAULT_MAX_CELL,
    max_rows: int | None = None,
    fast: bool = True,
) -> Iterator[CsvChunk]:
    """Read a CSV file of any size in blocks of ``chunk_rows`` rows, with bounded memory.

    Gives exactly what ``read_csv_path`` gives, cut into pieces: the same encoding and
    delimiter detection, the same broken-row reasons and the same whole-file errors. A
    first pass over the bytes settles the encoding (a file that is UTF-8 except for one
    byte near its end is Windows-1252, as in memory); the second pass parses. A file with
    a header and no rows yields one empty chunk, so the columns are always seen. Plain
    UTF-8 stretches are parsed by Arrow, as in ``read_csv_bytes``; from the first unusual
    row on (or everywhere with ``fast=False``) the csv module reads.
    """
    path = Path(path)
    python_codec = _file_encoding(path)
    with _open_text(path, python_codec) as handle:
        head = handle.read(SNIFF_CHARS + 1)
        refuse_non_csv(head, lambda: head + handle.read())
        delimiter, skip = delimiter_and_skip(head)
        start = 0
        header = plain_header(head, delimiter) if fast and python_codec == "utf-8-sig" and not skip else None
        if header is not None:
            names = clean_header(header, max_cell)  # the careful reader's header errors, first
            try:
                for frame in stream_plain(path, header, delimiter, chunk_rows, max_rows, max_cell):
                    frame.columns = names
                    if start == 0:
                        refuse_single_column(frame)
                    yield CsvChunk(frame, {}, start)
                    start += len(frame)
                return
            except Declined as declined:
                start = declined.rows_done  # the careful reader goes on from here
        handle.seek(0)
        if skip:
            handle.read(skip)

        def tail(first_line: int) -> str:
            with _open_text(path, python_codec) as again:
                again.read(skip)
                return "".join(itertools.islice(again, first_line - 1, None))

        for chunk in careful_chunks(handle, delimiter, max_rows, max_cell, chunk_rows, tail, start_row=start):
            if chunk.first_row == 0:
                refuse_single_column(chunk.frame)
            yield chunk


def _file_encoding(path: Path) -> str:
    """The Python codec ``decode`` would choose for this file, found in one pass over its bytes."""
    with file_errors(path), path.open("rb") as raw:
        head = raw.read(_ENCODING_BLOCK)
        if len(head) < _ENCODING_BLOCK:
            return _codec_for(head, decode(head)[1])
        name = decode(head[:4096])[1]  # refuses known non-text files and binary data by name
        if name == "utf-16":
            return _codec_for(head, name)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        utf8_ok, cp1252_ok, has_nul = True, True, False
        block = head
        while block:
            if utf8_ok:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8_ok = False
            cp1252_ok = cp1252_ok and not any(b in block for b in _CP1252_UNDEFINED)
            has_nul = has_nul or b"\x00" in block
            block = raw.read(_ENCODING_BLOCK)
    if utf8_ok:
        try:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if has_nul:
        raise CsvError(NOT_TEXT)
    return "cp1252" if cp1252_ok else "latin-1"


def _codec_for(head: bytes, name: str) -> str:
    """``decode``'s encoding name -> the codec that reads the same file as a stream."""
    if name != "utf-16":
        return _CODEC_OF[name]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return utf16_without_bom(head[:4096]) or "utf-16"


def _open_text(path: Path, codec: str) -> IO[str]:
    return path.open("r", encoding=codec, newline="")

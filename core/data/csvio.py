"""Read real-world CSV exports into text cells, and write CSVs that are safe to open: the one import for callers.

Hospital exports come as UTF-8 with or without a byte-order mark, UTF-16 ("Unicode
text") or Latin-1/Windows-1252; with commas, semicolons, tabs or pipes (or Excel's
``sep=;`` first line); with quoted fields that hold newlines; with trailing delimiters,
blank lines and the odd row that has too many or too few fields. Everything is read as
text (no type guessing here: validation owns that) and nothing touches disk: uploads
arrive as bytes and stay in memory. Whole-file problems (not a CSV, empty, duplicate
column names, a quote never closed, a cell or row count over the limits) raise
``CsvError`` with one plain sentence; broken rows are reported, not fatal.

The work is split by job, beside this module:

- ``csv_read``: decode bytes, find the delimiter, ``read_csv_bytes`` / ``read_csv_path``;
- ``csv_stream``: ``iter_csv_chunks``, a file of any size in chunks;
- ``csv_fast``: Arrow's reader for plain files; ``csv_careful``: the csv module's reader,
  which finds and words every problem;
- ``csv_write``: ``neutralise_formulas`` and ``to_csv_bytes`` for downloads.
"""

from __future__ import annotations

from core.data.csv_careful import DEFAULT_MAX_CELL, DEFAULT_MAX_ROWS, CsvChunk, CsvError
from core.data.csv_read import DELIMITERS, decode, read_csv_bytes, read_csv_path, sniff_delimiter
from core.data.csv_stream import iter_csv_chunks
from core.data.csv_write import neutralise_formulas, to_csv_bytes

__all__ = (
    "DEFAULT_MAX_CELL",
    "DEFAULT_MAX_ROWS",
    "DELIMITERS",
    "CsvChunk",
    "CsvError",
    "decode",
    "iter_csv_chunks",
    "neutralise_formulas",
    "read_csv_bytes",
    "read_csv_path",
    "sniff_delimiter",
    "to_csv_bytes",
)

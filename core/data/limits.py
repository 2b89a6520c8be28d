"""How big a CSV Lantern agrees to read: rows per file and characters per cell.

The limits stop one upload (or one batch file) from exhausting the server's memory or
tying up a worker for minutes. An administrator sets them with ``LANTERN_MAX_ROWS``
(default 1,000,000) and ``LANTERN_MAX_CELL`` (default 10,000 characters); both are read
on every call, so a changed environment applies to the next file. A value that is not a
whole number of at least 1 raises ``LimitError`` with one plain sentence rather than
being ignored, so a typo never silently removes a limit.
"""

from __future__ import annotations

import os
import re

from core.data.csvio import DEFAULT_MAX_CELL, DEFAULT_MAX_ROWS

ROWS_ENV = "LANTERN_MAX_ROWS"
CELL_ENV = "LANTERN_MAX_CELL"
_WHOLE_NUMBER = re.compile(r"\d+(?:[_,]\d+)*")


class LimitError(ValueError):
    """A limit set in the environment that Lantern cannot use, worded for the administrator."""


def _read(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise LimitError(f"{name} must be a whole number such as {default:,}, not {raw[:40]!r}.")
    value = int(raw.replace(",", "").replace("_", ""))
    if value < 1:
        raise LimitError(f"{name} must be at least 1 (the default is {default:,}).")
    return value


def max_rows() -> int:
    """Most data rows accepted in one CSV (``LANTERN_MAX_ROWS``, default 1,000,000)."""
    return _read(ROWS_ENV, DEFAULT_MAX_ROWS)


def max_rows_if_set() -> int | None:
    """``LANTERN_MAX_ROWS`` when an administrator set it, else None.

    The batch CLI streams files in chunks with bounded memory, so it needs no row limit of
    its own; it applies one only when asked to.
    """
    return max_rows() if os.environ.get(ROWS_ENV, "").strip() else None


def max_cell() -> int:
    """Most characters accepted in one cell (``LANTERN_MAX_CELL``, default 10,000)."""
    return _read(CELL_ENV, DEFAULT_MAX_CELL)

"""How big a CSV Lantern agrees to read: rows per file and characters per cell.

The limits stop one upload (or one batch file) from exhausting the server's memory or
tying up a worker for minutes. An administrator sets them with ``LANTERN_MAX_ROWS``
(default 1,000,000) and ``LANTERN_MAX_CELL`` (default 10,000 characters), declared and
parsed in core/settings.py; both are read on every call, so a changed environment applies
to the next file. A value that is not a whole number of at least 1 raises ``LimitError``
with one plain sentence rather than being ignored, so a typo never silently removes a limit.
Each function reads only its own variable: a wrong service setting does not stop the CLI.
"""

from __future__ import annotations

from core.data.csvio import DEFAULT_MAX_CELL, DEFAULT_MAX_ROWS
from core.settings import SettingsError, read_value

ROWS_ENV = "LANTERN_MAX_ROWS"
CELL_ENV = "LANTERN_MAX_CELL"


class LimitError(SettingsError):
    """A limit set in the environment that Lantern cannot use, worded for the administrator."""


def _read(name: str) -> int | None:
    try:
        return read_value(name)
    except SettingsError as exc:
        raise LimitError(str(exc)) from None


def max_rows() -> int:
    """Most data rows accepted in one CSV (``LANTERN_MAX_ROWS``, default 1,000,000)."""
    return max_rows_if_set() or DEFAULT_MAX_ROWS


def max_rows_if_set() -> int | None:
    """``LANTERN_MAX_ROWS`` when an administrator set it, else None.

    The batch CLI streams files in chunks with bounded memory, so it needs no row limit of
    its own; it applies one only when asked to.
    """
    return _read(ROWS_ENV)


def max_cell() -> int:
    """Most characters accepted in one cell (``LANTERN_MAX_CELL``, default 10,000)."""
    return _read(CELL_ENV) or DEFAULT_MAX_CELL

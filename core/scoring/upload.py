"""An uploaded CSV, start to finish: bytes -> read -> columns checked -> identifiers dropped ->
validated and scored (with progress) -> the analysis table. In memory only.

The cohort page calls ``score_upload``; every step runs once. The whole-file checks run on
the file as uploaded (so messages name the columns the person sees) and their column
match is handed to the engine, which neither checks nor matches the columns again. The
analysis table is then built from the engine's own arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.analytics.cohort_tables import CohortTables, build_tables
from core.data import limits, phi_scan
from core.data.columns import check_columns
from core.data.csvio import read_csv_bytes
from core.scoring.engine import Engine, Progress, ScoreResult


@dataclass
class UploadResult:
    """One scored upload: the engine's result, the analysis tables and what was removed."""

    result: ScoreResult
    tables: CohortTables
    identifiers: list[dict[str, str]]
    info: dict[str, Any]
    shape: tuple[int, int]


def score_upload(engine: Engine, data: bytes, progress: Progress | None = None) -> UploadResult:
    """Bytes of a CSV -> identifier columns removed -> validated and scored, in memory only.

    The identifier scan runs first and the flagged columns are dropped before validation
    or scoring sees the data. Raises ``CsvError`` / ``ValidationError`` for a file that
    cannot be used, with a sentence for the person who uploaded it, and ``LimitError`` when
    ``LANTERN_MAX_ROWS`` / ``LANTERN_MAX_CELL`` are set to something unusable.
    """
    raw, info = read_csv_bytes(data, max_rows=limits.max_rows(), max_cell=limits.max_cell())
    s = engine.schema
    columns = check_columns(raw, s)  # before anything is dropped, so messages name the file's own columns
    keep = phi_scan.keep_columns(s.id_columns, s.names, s.context_columns, s.target)
    found = phi_scan.find_identifier_columns(raw, keep)
    raw = phi_scan.drop_identifier_columns(raw, found)  # never a schema column, so ``columns`` still holds
    result = engine.score(raw, row_problems=info.get("row_problems"), progress=progress, columns=columns)
    return UploadResult(result=result, tables=build_tables(result, s), identifiers=found, info=info,
                        shape=(int(raw.shape[0]), int(raw.shape[1])))

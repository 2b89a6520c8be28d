"""Whole-file checks and column matching: which of the file's columns is which schema column.

Run once per file, on the columns as uploaded, so every message names the columns the
person sees. The answer (schema name -> file column) is handed on to validation and to
the output table, which never match the columns again.
"""

from __future__ import annotations

import re

import pandas as pd

from core.data.schema import Schema, normalise_column_name

MAX_SHOWN_VALUE = 40
_NOT_LETTERS = re.compile(r"[\W_]+")


def header_key(name: object) -> str:
    """A column name as matched: case, spaces, underscores and punctuation ignored, as the upload help says.

    So ``LENGTH OF STAY DAYS``, ``Length-of-stay (days)`` and ``length.of.stay.days`` all
    match ``length_of_stay_days``.
    """
    return _NOT_LETTERS.sub("", normalise_column_name(name))


class ValidationError(ValueError):
    """A problem with the file as a whole, worded for the person who uploaded it."""


def short_text(value: object, limit: int = MAX_SHOWN_VALUE) -> str:
    """A cell or column name as shown in a message: one line, at most ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


def match_columns(columns: list[object], schema: Schema) -> dict[str, object]:
    """Map schema column names to the file's columns, ignoring case, spaces, underscores and punctuation.

    An exact spelling wins over one that only matches after ``header_key``.
    """
    by_norm: dict[str, object] = {}
    exact: dict[str, object] = {}
    for c in columns:
        by_norm.setdefault(header_key(c), c)
        exact.setdefault(str(c), c)
    wanted = [*schema.names, *schema.id_columns, *schema.context_columns, schema.target]
    return {
        name: exact[name] if name in exact else by_norm[header_key(name)]
        for name in wanted
        if name in exact or header_key(name) in by_norm
    }


def check_not_empty(raw: pd.DataFrame) -> None:
    """Refuse a table with no columns or no rows (cheap; needs no column matching)."""
    if raw.shape[1] == 0:
        raise ValidationError("The file has no columns. Upload a CSV with a header row.")
    if len(raw) == 0:
        raise ValidationError("The file has a header but no data rows.")


def check_columns(raw: pd.DataFrame, schema: Schema) -> dict[str, object]:
    """The whole-file checks (columns, rows, the model's inputs); returns schema name -> file column.

    Run on the file as uploaded, so the message names the columns the person sees.
    """
    check_not_empty(raw)
    _check_column_names(list(raw.columns), schema)
    found = match_columns(list(raw.columns), schema)
    _check_required(raw, schema, found)
    return found


def _check_column_names(columns: list[object], schema: Schema) -> None:
    """Refuse columns that appear twice, or two spellings of one of the model's columns."""
    names = [str(c) for c in columns]
    dupes = sorted({c for c in names if names.count(c) > 1}) if len(set(names)) < len(names) else []
    if dupes:
        raise ValidationError(
            f"Column names appear more than once: {', '.join(dupes)}. Rename them so each is unique."
        )
    wanted = {header_key(w): w for w in
              (*schema.names, *schema.id_columns, *schema.context_columns, schema.target)}
    spellings: dict[str, list[str]] = {}
    for c in names:
        key = header_key(c)
        if key in wanted:
            spellings.setdefault(key, []).append(c)
    clashes = [v for v in spellings.values() if len(v) > 1]
    if clashes:
        shown = "; ".join(" and ".join(f"'{c}'" for c in v) for v in clashes)
        raise ValidationError(
            f"Columns {shown} differ only in spaces or capitals (or underscores and punctuation), so Lantern "
            "cannot tell which to use. Keep one of each."
        )


def absent_inputs(schema: Schema, found: dict[str, object]) -> list[str]:
    """The model's inputs with no column in the file: each row reads them as 'not recorded'."""
    return [f.name for f in schema.features if f.name not in found]


def _check_required(raw: pd.DataFrame, schema: Schema, found: dict[str, object]) -> None:
    """Refuse a file holding none of the model's inputs (the wrong file), or without a column for an input an
    estimate cannot be made without (``Schema.required_names``); any other absent input reads 'not recorded'.

    A required input that is blank in some rows is decided per row by the engine ('insufficient data').
    """
    absent = [schema.feature(n) for n in schema.required_names if n in schema.names and n not in found]
    if absent and any(f.name in found for f in schema.features):
        needed = ", ".join(f"{f.display_label} ({f.name})" for f in absent)
        raise ValidationError(
            f"The file has no column for {needed}, which an estimate cannot be made without. Add the column "
            "(case, spaces and punctuation in the header do not matter); other inputs may be left out and are "
            "then read as not recorded."
        )
    if any(f.name in found for f in schema.features) or not schema.features:
        return
    have = ", ".join(short_text(c) for c in raw.columns[:40]) + (" ..." if raw.shape[1] > 40 else "")
    raise ValidationError(
        f"None of the model's {len(schema.features)} input columns are in the file "
        f"(such as {', '.join(schema.names[:5])}). The file has: {have}. "
        "Check that this is the right file and that its first row holds the column names."
    )

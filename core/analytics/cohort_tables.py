"""The analysis table of a scored upload: one row per scored patient, standard column names.

Built once per upload (``build_tables``), from what the engine already worked out: its
risk, band, flag and reason arrays and the validated values. Everything downstream (filters,
worklist, summaries, capacity, performance) works from the schema's *roles* (age, sex,
date, site, service, insurance), never from a dataset's column names, so a bundle trained
on a hospital's own extract gets the same page.

``CohortTables.table`` has ``row`` (1-based row in the file), ``risk`` (0-1), ``band``,
``top_reasons``, ``flags``, ``date``, ``age_band``, ``sex``, ``service``, ``site``,
``insurance`` and ``outcome`` (1.0/0.0/NaN). Identifier columns and numeric context columns
(costs, satisfaction scores) sit in two side tables with the same index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.clinical.bands import age_band
from core.data.columns import short_text
from core.data.outcome import SHOWN_VALUES, read_outcomes
from core.data.parse import as_text, parse_numeric
from core.data.schema import Schema

if TYPE_CHECKING:
    from core.scoring.engine import ScoreResult

from core.presentation.wording import NOT_RECORDED

TEXT_ROLES = ("sex", "service", "site", "insurance")


@dataclass
class CohortTables:
    """The analysis table plus identifiers and numeric context columns, all on one index."""

    table: pd.DataFrame
    ids: pd.DataFrame
    context: pd.DataFrame
    has_outcome: bool
    outcome_note: str = ""
    roles: dict[str, str] = field(default_factory=dict)
    notices: tuple[str, ...] = ()  # inputs with no column, unreadable outcomes and dates: counts and a few values
    mappings: tuple[str, ...] = ()  # other spellings read as categories, e.g. "sex: F -> female (412 rows)"

    def subset(self, mask: np.ndarray) -> CohortTables:
        """The same tables restricted to the rows where ``mask`` is true (filters)."""
        m = np.asarray(mask, dtype=bool)
        return CohortTables(self.table[m], self.ids[m], self.context[m], self.has_outcome, self.outcome_note,
                            self.roles, self.notices, self.mappings)


def parse_dates(values: pd.Series) -> pd.Series:
    """Text dates -> datetimes (NaT when unreadable): ISO first, then day-first formats."""
    text = as_text(values)
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    if out.isna().mean() > 0.5 and text.notna().any():
        out = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=True)
    return pd.Series(out, index=values.index)


def absent_inputs_notice(absent: list[str]) -> str:
    """A sentence naming the model's inputs the file has no column for ('' when it has them all)."""
    if not absent:
        return ""
    shown = ", ".join(absent[:20]) + (" ..." if len(absent) > 20 else "")
    verb = "has" if len(absent) == 1 else "have"
    return f"{len(absent)} of the model's inputs {verb} no column in this file, so every row reads them as " \
           f"'not recorded': {shown}."


def unreadable_dates_notice(values: pd.Series, parsed: pd.Series, column: str) -> str:
    """A sentence counting the date cells that hold something but are not a date (they show as unreadable)."""
    undated = parsed.isna().to_numpy()
    if not undated.any():  # the usual case costs one pass over the parsed dates
        return ""
    text = as_text(values[undated]).dropna()
    n = len(text)
    if not n:
        return ""
    shown = ", ".join(f"'{short_text(v)}'" for v in pd.unique(text)[:SHOWN_VALUES])
    return (f"{n:,} {'date' if n == 1 else 'dates'} in '{column}' could not be read ({shown}), so those rows "
            "have no date in the date filter and monitoring. Use dates such as 2024-03-05 or 05/03/2024.")


def outcome_vector(frame: pd.DataFrame, schema: Schema) -> tuple[np.ndarray | None, str]:
    """Observed outcomes (1/0/NaN) when the target column is present and readable, and why not otherwise.

    Cells are read as ``core.data.outcome`` reads them (once per distinct cell): an
    unreadable one is NaN, never 0, and the note counts them.
    """
    y, note, _ = _outcomes(frame, schema)
    return y, note


def _outcomes(frame: pd.DataFrame, schema: Schema) -> tuple[np.ndarray | None, str, str]:
    """(outcomes or None, why there are none, the unreadable-outcome notice or '')."""
    if schema.target not in frame.columns:
        return None, f"This file has no outcome column ('{schema.target}'), so performance cannot be measured.", ""
    outcomes = read_outcomes(frame[schema.target], schema.positive)
    notice = outcomes.notice(schema.target)
    y = outcomes.values
    if not np.isfinite(y).any():
        return None, notice or f"The outcome column '{schema.target}' is empty.", notice
    if not (y == 1).any():
        return None, (f"The outcome column '{schema.target}' never holds the event value '{schema.positive}', "
                      "so it cannot be used to measure performance."), notice
    return y, "", notice


def _numeric_context(frame: pd.DataFrame, schema: Schema) -> dict[str, np.ndarray]:
    """Context columns (not predictors) that hold numbers, parsed once: name -> values."""
    skip = {schema.roles.get(r) for r in ("date", "site", "service", "insurance", "sex", "age")}
    out: dict[str, np.ndarray] = {}
    for c in schema.context_columns:
        if c in skip or c not in frame.columns:
            continue
        values, bad = parse_numeric(frame[c])
        present = int(np.isfinite(values).sum() + bad.sum())
        if present and np.isfinite(values).sum() >= 0.9 * present:
            out[c] = values
    return out


def numeric_context_columns(frame: pd.DataFrame, schema: Schema) -> list[str]:
    """Context columns (not predictors) that hold numbers, e.g. costs or satisfaction scores."""
    return list(_numeric_context(frame, schema))


def _text_column(frame: pd.DataFrame, column: str | None, validated: bool) -> pd.Series:
    """A role column as text, 'not recorded' where missing.

    ``validated`` columns are model inputs, already typed by validation (trimmed labels,
    missing as NaN), so they are not read as text again; other columns still are.
    """
    if not column or column not in frame.columns:
        return pd.Series(NOT_RECORDED, index=frame.index, dtype=object)
    col = frame[column]
    if pd.api.types.is_numeric_dtype(col):
        text = col.map(lambda v: NOT_RECORDED if pd.isna(v) else f"{v:g}")
    elif validated:
        text = col.astype(object).fillna(NOT_RECORDED)
    else:
        text = as_text(col).fillna(NOT_RECORDED)
    return text.astype(object)


def _age_bands(clean: pd.DataFrame, column: str | None) -> np.ndarray | str:
    """Age bands from the age role: validated numbers as they are, other columns read as numbers."""
    if column is None:
        return NOT_RECORDED
    col = clean[column]
    if pd.api.types.is_float_dtype(col):
        return age_band(col.to_numpy(dtype=float))
    return age_band(pd.to_numeric(col, errors="coerce").to_numpy(dtype=float))


def build_tables(result: ScoreResult, schema: Schema) -> CohortTables:
    """The analysis table of a scored upload (see the module docstring), from the engine's arrays."""
    clean = result.clean_rows()
    index, rows = clean.index, result.rows
    features = set(schema.names)
    roles = {r: c for r, c in schema.roles.items() if c in clean.columns}
    table = pd.DataFrame(index=index)
    table["row"] = index.to_numpy() + 1
    table["risk"] = np.asarray(rows.risk, dtype=float)
    for name, values in (("band", rows.band), ("top_reasons", rows.top_reasons), ("flags", rows.flags)):
        table[name] = pd.Series(values, index=index, dtype=object)
    checked = result.validation
    notices = [absent_inputs_notice(checked.absent_columns)]
    if "date" in roles:
        table["date"] = parse_dates(clean[roles["date"]])
        notices.append(unreadable_dates_notice(clean[roles["date"]], table["date"], roles["date"]))
    else:
        table["date"] = pd.Series(pd.NaT, index=index)
    table["age_band"] = _age_bands(clean, roles.get("age"))
    for role in TEXT_ROLES:
        table[role] = _text_column(clean, roles.get(role), roles.get(role) in features)
    y, note, outcome_notice = _outcomes(clean, schema)
    notices.insert(1, outcome_notice)
    table["outcome"] = y if y is not None else np.nan
    ids = pd.DataFrame({c: clean[c].astype(object) for c in schema.id_columns if c in clean.columns}, index=index)
    context = pd.DataFrame(_numeric_context(clean, schema), index=index)
    has_outcome = y is not None and len(np.unique(y[np.isfinite(y)])) == 2
    if y is not None and not has_outcome:
        note = "Every outcome in this file is the same, so discrimination cannot be measured."
    return CohortTables(table, ids, context, has_outcome, note, roles, tuple(n for n in notices if n),
                        tuple(checked.synonyms_applied))

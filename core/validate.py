"""Raw rows + schema -> rows ready to score + every problem, row by row.

The same rules apply to the form, the upload, the batch CLI and training, so a value
accepted in one place is accepted everywhere. Nothing is dropped silently: every input
row is either in ``clean`` or in ``rejected`` with its reasons, and
``n_read == len(clean) + len(rejected)`` always holds.

- A whole-file problem (no rows, missing required columns) raises ``ValidationError``
  with one plain sentence that names the columns.
- A value that cannot be parsed, or is physiologically impossible, rejects its row with
  the column, the value and the reason.
- Plausible but outside the training range, an unseen category, or a missing value:
  the row is accepted and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.parse import as_text, parse_binary, parse_categorical, parse_numeric
from core.schema import FeatureSpec, Schema, normalise_column_name

MAX_SHOWN_VALUE = 40


class ValidationError(ValueError):
    """A problem with the file as a whole, worded for the person who uploaded it."""


@dataclass
class ValidationResult:
    """Accepted rows (typed, original row numbers as index), rejected rows and flags."""

    clean: pd.DataFrame
    rejected: pd.DataFrame
    missing: pd.DataFrame
    out_of_range: pd.DataFrame
    unseen: pd.DataFrame
    extra_columns: list[str] = field(default_factory=list)
    n_read: int = 0

    @property
    def n_scored(self) -> int:
        return len(self.clean)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    def flag_counts(self) -> dict[str, int]:
        """Rows with at least one flag of each kind."""
        return {
            "outside training range": int(self.out_of_range.any(axis=1).sum()),
            "unseen category": int(self.unseen.any(axis=1).sum()),
            "not recorded": int(self.missing.any(axis=1).sum()),
        }

    def flags_text(self) -> pd.Series:
        """One short line per accepted row, e.g. 'not recorded: Sodium; outside training range: Age'."""
        parts = []
        for title, mask in (
            ("outside training range", self.out_of_range),
            ("unseen category", self.unseen),
            ("not recorded", self.missing),
        ):
            parts.append(_join_flagged(mask, title))
        out = parts[0]
        for p in parts[1:]:
            out = out.str.cat(p, sep="; ")
        return out.str.replace(r"^(; )+|(; )+$", "", regex=True).str.replace(r"(; ){2,}", "; ", regex=True)


def match_columns(columns: list[object], schema: Schema) -> dict[str, object]:
    """Map schema column names to the file's columns, trimming spaces and ignoring case."""
    by_norm: dict[str, object] = {}
    for c in columns:
        by_norm.setdefault(normalise_column_name(c), c)
    wanted = [*schema.names, *schema.id_columns, *schema.context_columns, schema.target]
    return {name: by_norm[normalise_column_name(name)] for name in wanted if normalise_column_name(name) in by_norm}


def validate(
    raw: pd.DataFrame,
    schema: Schema,
    units: dict[str, str] | None = None,
    row_problems: dict[int, str] | None = None,
) -> ValidationResult:
    """Check raw rows (text or numbers) against the schema. See the module docstring for the rules.

    ``units`` optionally says a feature was entered in one of its alternative units
    (e.g. ``{"hemoglobin_g_dl": "g/L"}``); values are converted before checking.
    ``row_problems`` (0-based row -> reason) rejects rows the CSV reader found broken.
    """
    if raw.shape[1] == 0:
        raise ValidationError("The file has no columns. Upload a CSV with a header row.")
    if len(raw) == 0:
        raise ValidationError("The file has a header but no data rows.")
    found = match_columns(list(raw.columns), schema)
    required = [f.name for f in schema.features if f.required and f.name not in found]
    if required:
        have = ", ".join(str(c) for c in raw.columns[:40])
        raise ValidationError(
            f"Missing required column{'s' if len(required) > 1 else ''}: {', '.join(required)}. "
            f"The file has: {have}{' ...' if raw.shape[1] > 40 else ''}."
        )
    used = set(found.values())
    extra = [str(c) for c in raw.columns if c not in used]
    n = len(raw)
    index = pd.RangeIndex(n)
    reasons = np.empty(n, dtype=object)
    reasons[:] = ""
    for i, problem in (row_problems or {}).items():
        reasons[i] = problem
    typed: dict[str, object] = {}
    missing = {}
    out_of_range = {}
    unseen = {}
    for spec in schema.features:
        col = raw[found[spec.name]].reset_index(drop=True) if spec.name in found else pd.Series([np.nan] * n)
        col.name = spec.name
        values, bad, miss, oor, new = _check_feature(col, spec, (units or {}).get(spec.name))
        _add_reasons(reasons, bad, col, spec)
        typed[spec.name] = values
        missing[spec.name] = miss
        out_of_range[spec.name] = oor
        unseen[spec.name] = new
    carried = {
        name: raw[found[name]].reset_index(drop=True)
        for name in (*schema.id_columns, *schema.context_columns, schema.target)
        if name in found
    }
    frame = pd.DataFrame({**carried, **typed}, index=index)
    ok = reasons == ""
    rejected_cols = {name: raw[found[name]].reset_index(drop=True)[~ok] for name in schema.id_columns if name in found}
    rejected = pd.DataFrame({"row": np.flatnonzero(~ok) + 1, **rejected_cols, "reason": reasons[~ok]})
    return ValidationResult(
        clean=frame[ok],
        rejected=rejected.reset_index(drop=True),
        missing=pd.DataFrame(missing, index=index)[ok],
        out_of_range=pd.DataFrame(out_of_range, index=index)[ok],
        unseen=pd.DataFrame(unseen, index=index)[ok],
        extra_columns=extra,
        n_read=n,
    )


def _check_feature(
    col: pd.Series, spec: FeatureSpec, unit: str | None
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Typed values plus masks: unparseable-or-impossible, missing, out of training range, unseen."""
    n = len(col)
    no = np.zeros(n, dtype=bool)
    if spec.kind == "categorical":
        labels, new = parse_categorical(col, spec.categories)
        return labels.to_numpy(dtype=object), no, labels.isna().to_numpy(), no, new
    if spec.kind == "binary":
        values, bad = parse_binary(col)
        return values, bad, np.isnan(values) & ~bad, no, no
    values, bad = parse_numeric(col)
    if unit and unit != spec.unit:
        factor = next((u.factor for u in spec.alt_units if u.unit == unit), None)
        if factor is None:
            raise ValidationError(f"'{unit}' is not an accepted unit for {spec.display_label}; use {spec.unit}.")
        values = values * factor
    impossible = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        if spec.plausible_min is not None:
            impossible |= values < spec.plausible_min
        if spec.plausible_max is not None:
            impossible |= values > spec.plausible_max
        oor = np.zeros(n, dtype=bool)
        if spec.train_min is not None:
            oor |= values < spec.train_min
        if spec.train_max is not None:
            oor |= values > spec.train_max
    bad = bad | impossible
    values = np.where(bad, np.nan, values)
    return values, bad, np.isnan(values) & ~bad, oor & ~bad, no


def _add_reasons(reasons: np.ndarray, bad: np.ndarray, col: pd.Series, spec: FeatureSpec) -> None:
    if not bad.any():
        return
    text = as_text(col)
    for i in np.flatnonzero(bad):
        value = str(text.iloc[i])
        shown = value if len(value) <= MAX_SHOWN_VALUE else value[:MAX_SHOWN_VALUE] + "..."
        reason = _reason(spec, value)
        entry = f"{spec.name}: '{shown}' {reason}"
        reasons[i] = entry if not reasons[i] else f"{reasons[i]}; {entry}"


def _reason(spec: FeatureSpec, value: str) -> str:
    if spec.kind == "binary":
        return "is not a yes/no value (use 1/0, yes/no or true/false)"
    _, bad = parse_numeric(pd.Series([value]))
    if bad[0]:
        unit = f" in {spec.unit}" if spec.unit else ""
        return f"is not a number (expected a number{unit})"
    lo = "" if spec.plausible_min is None else f"{spec.plausible_min:g}"
    hi = "" if spec.plausible_max is None else f"{spec.plausible_max:g}"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"is impossible (plausible range {lo} to {hi}{unit})"


def _join_flagged(mask: pd.DataFrame, title: str) -> pd.Series:
    if mask.empty or not mask.to_numpy().any():
        return pd.Series("", index=mask.index, dtype=object)
    names = np.array(list(mask.columns), dtype=object)
    values = mask.to_numpy()
    out = np.empty(len(mask), dtype=object)
    out[:] = ""
    rows = np.flatnonzero(values.any(axis=1))
    for i in rows:
        out[i] = f"{title}: " + ", ".join(names[values[i]])
    return pd.Series(out, index=mask.index, dtype=object)

"""Raw rows + schema -> rows ready to score + every problem, row by row.

The same rules apply to the form, the upload, the batch CLI and training, so a value
accepted in one place is accepted everywhere. Nothing is dropped silently: every input
row is either in ``clean`` or in ``rejected`` with its reasons, and
``n_read == len(clean) + len(rejected)`` always holds.

- A whole-file problem (no rows, missing required columns, a column name used twice or
  two spellings of one column) raises ``ValidationError`` with one plain sentence that
  names the columns.
- A value that cannot be parsed, or is physiologically impossible, rejects its row with
  the column, the value and the reason; so does a row the CSV reader found broken
  (``row_problems``: too many or too few fields), with the reader's reason.
- Plausible but outside the training range, an unseen category, or a missing value:
  the row is accepted and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.parse import binary_from_codes, categorical_from_codes, factorize_text, numeric_from_codes
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
        groups = [
            ("outside training range", self.out_of_range),
            ("unseen category", self.unseen),
            ("not recorded", self.missing),
        ]
        index = self.missing.index
        if not len(index):
            return pd.Series([], index=index, dtype=object)
        blocks = [m.to_numpy(dtype=bool) for _, m in groups]
        both = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(index), 0), dtype=bool)
        codes = _pattern_codes(both)
        first = np.full(codes.max() + 1, -1)
        first[codes[::-1]] = np.arange(len(codes))[::-1]
        texts = np.empty(len(first), dtype=object)
        for k, i in enumerate(first):
            parts = []
            for (title, mask), block in zip(groups, blocks, strict=True):
                row = block[i]
                if row.any():
                    parts.append(f"{title}: " + ", ".join(str(c) for c, f in zip(mask.columns, row, strict=True) if f))
            texts[k] = "; ".join(parts)
        return pd.Series(texts[codes], index=index, dtype=object)


def _pattern_codes(values: np.ndarray) -> np.ndarray:
    """One integer per row, equal for rows with the same True/False pattern (vectorised)."""
    codes = np.zeros(len(values), dtype=np.int64)
    for lo in range(0, values.shape[1], 62):
        word = values[:, lo : lo + 62].astype(np.int64) @ (np.int64(1) << np.arange(min(62, values.shape[1] - lo)))
        word_codes, word_uniques = pd.factorize(word)
        codes = pd.factorize(codes * len(word_uniques) + word_codes)[0]
    return codes


def match_columns(columns: list[object], schema: Schema) -> dict[str, object]:
    """Map schema column names to the file's columns, trimming spaces and ignoring case.

    An exact spelling wins over one that only matches after trimming and case-folding.
    """
    by_norm: dict[str, object] = {}
    exact: dict[str, object] = {}
    for c in columns:
        by_norm.setdefault(normalise_column_name(c), c)
        exact.setdefault(str(c), c)
    wanted = [*schema.names, *schema.id_columns, *schema.context_columns, schema.target]
    return {
        name: exact[name] if name in exact else by_norm[normalise_column_name(name)]
        for name in wanted
        if name in exact or normalise_column_name(name) in by_norm
    }


def check_columns(raw: pd.DataFrame, schema: Schema) -> dict[str, object]:
    """The whole-file checks (columns, rows, required columns); returns schema name -> file column.

    Run on the file as uploaded, so the message names the columns the person sees.
    """
    if raw.shape[1] == 0:
        raise ValidationError("The file has no columns. Upload a CSV with a header row.")
    if len(raw) == 0:
        raise ValidationError("The file has a header but no data rows.")
    _check_column_names(list(raw.columns), schema)
    found = match_columns(list(raw.columns), schema)
    _check_required(raw, schema, found)
    return found


def validate(
    raw: pd.DataFrame,
    schema: Schema,
    units: dict[str, str] | None = None,
    row_problems: dict[int, str] | None = None,
) -> ValidationResult:
    """Check raw rows (text or numbers) against the schema. See the module docstring for the rules.

    ``units`` optionally says a feature was entered in one of its alternative units
    (e.g. ``{"hemoglobin_g_dl": "g/L"}``); values are converted before checking.
    ``row_problems`` (0-based row -> reason) rejects rows the CSV reader found broken,
    with that reason alone (their other cells are probably shifted, so not judged).
    """
    found = check_columns(raw, schema)
    used = set(found.values())
    extra = [str(c) for c in raw.columns if c not in used]
    n = len(raw)
    index = pd.RangeIndex(n)
    reasons = np.full(n, "", dtype=object)
    typed: dict[str, object] = {}
    missing = {}
    out_of_range = {}
    unseen = {}
    for spec in schema.features:
        col = raw[found[spec.name]].reset_index(drop=True) if spec.name in found else pd.Series([np.nan] * n)
        values, entries, miss, oor, new = _check_feature(col, spec, (units or {}).get(spec.name))
        bad = entries != ""
        if bad.any():
            both = bad & (reasons != "")
            reasons[bad & ~both] = entries[bad & ~both]
            reasons[both] = reasons[both] + "; " + entries[both]
        typed[spec.name] = values
        missing[spec.name] = miss
        out_of_range[spec.name] = oor
        unseen[spec.name] = new
    for i, problem in (row_problems or {}).items():
        if 0 <= int(i) < n:
            reasons[int(i)] = str(problem)
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


def _check_column_names(columns: list[object], schema: Schema) -> None:
    """Refuse columns that appear twice, or two spellings of one of the model's columns."""
    names = [str(c) for c in columns]
    dupes = sorted({c for c in names if names.count(c) > 1}) if len(set(names)) < len(names) else []
    if dupes:
        raise ValidationError(
            f"Column names appear more than once: {', '.join(dupes)}. Rename them so each is unique."
        )
    wanted = {normalise_column_name(w): w for w in
              (*schema.names, *schema.id_columns, *schema.context_columns, schema.target)}
    spellings: dict[str, list[str]] = {}
    for c in names:
        key = normalise_column_name(c)
        if key in wanted:
            spellings.setdefault(key, []).append(c)
    clashes = [v for v in spellings.values() if len(v) > 1]
    if clashes:
        shown = "; ".join(" and ".join(f"'{c}'" for c in v) for v in clashes)
        raise ValidationError(
            f"Columns {shown} differ only in spaces or capitals, so Lantern cannot tell which to use. "
            "Keep one of each."
        )


def _check_required(raw: pd.DataFrame, schema: Schema, found: dict[str, object]) -> None:
    required = [f.name for f in schema.features if f.required and f.name not in found]
    if not required:
        return
    have = ", ".join(_short(c) for c in raw.columns[:40]) + (" ..." if raw.shape[1] > 40 else "")
    if not any(f.name in found for f in schema.features):
        raise ValidationError(
            f"None of the model's {len(schema.features)} input columns are in the file "
            f"(missing required columns: {', '.join(required)}). The file has: {have}. "
            "Check that this is the right file and that its first row holds the column names."
        )
    raise ValidationError(
        f"Missing required column{'s' if len(required) > 1 else ''}: {', '.join(required)}. "
        f"The file has: {have}."
    )


def _short(value: object, limit: int = MAX_SHOWN_VALUE) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _check_feature(
    col: pd.Series, spec: FeatureSpec, unit: str | None
) -> tuple[object, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Typed values plus per-row rejection entries ('' when fine) and masks: missing, out of range, unseen.

    Everything is worked out once per distinct cell text and spread to the rows with the
    factorisation codes, so a long column with few distinct values costs almost nothing.
    """
    n = len(col)
    no = np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and spec.kind == "numeric":
        codes, texts = factorize_text(col.astype(float))
    else:
        codes, texts = factorize_text(col)
    if spec.kind == "categorical":
        labels, new = categorical_from_codes(codes, texts, spec.categories, spec.other_levels)
        return labels, np.full(n, "", dtype=object), pd.isna(labels), no, new
    if spec.kind == "binary":
        values, bad = binary_from_codes(codes, texts)
        entries = np.full(n, "", dtype=object)
        if bad.any():
            entries_u = np.full(len(texts), "", dtype=object)
            for u in np.unique(codes[bad]):
                entries_u[u] = _entry(spec, texts[u], "is not a yes/no value (use 1/0, yes/no or true/false)")
            entries = _rows(codes, entries_u, bad)
        return values, entries, np.isnan(values) & ~bad, no, no
    values, unreadable = numeric_from_codes(codes, texts)
    factor = None
    if unit and unit != spec.unit:
        factor = next((u.factor for u in spec.alt_units if u.unit == unit), None)
        if factor is None:
            raise ValidationError(f"'{unit}' is not an accepted unit for {spec.display_label}; use {spec.unit}.")
        values = values * factor
    with np.errstate(invalid="ignore"):
        impossible = np.zeros(n, dtype=bool)
        if spec.plausible_min is not None:
            impossible |= values < spec.plausible_min
        if spec.plausible_max is not None:
            impossible |= values > spec.plausible_max
        oor = np.zeros(n, dtype=bool)
        if spec.train_min is not None:
            oor |= values < spec.train_min
        if spec.train_max is not None:
            oor |= values > spec.train_max
    bad = unreadable | impossible
    entries = np.full(n, "", dtype=object)
    if bad.any():
        entries_u = np.full(len(texts), "", dtype=object)
        first_row = np.full(len(texts), -1)
        first_row[codes[::-1]] = np.arange(n)[::-1]  # one row per distinct value
        for u in np.unique(codes[bad]):
            text = texts[u] or ""
            i = first_row[u]
            if unreadable[i]:
                unit_text = f" in {spec.unit}" if spec.unit else ""
                entries_u[u] = _entry(spec, text, f"is not a number (expected a number{unit_text})")
            else:
                entries_u[u] = _entry(spec, text, _impossible(spec, text, float(values[i]), unit if factor else None))
        entries = _rows(codes, entries_u, bad)
    values = np.where(bad, np.nan, values)
    return values, entries, np.isnan(values) & ~bad, oor & ~bad, no


def _rows(codes: np.ndarray, entries_u: np.ndarray, bad: np.ndarray) -> np.ndarray:
    out = np.append(entries_u, np.array([""], dtype=object))[codes]
    out[~bad] = ""
    return out


def _entry(spec: FeatureSpec, value: str | None, reason: str) -> str:
    if value is None:
        return ""
    return f"{spec.name}: '{_short(value)}' {reason}"


def _impossible(spec: FeatureSpec, text: str, value: float, unit: str | None) -> str:
    lo = "" if spec.plausible_min is None else f"{spec.plausible_min:g}"
    hi = "" if spec.plausible_max is None else f"{spec.plausible_max:g}"
    unit_text = f" {spec.unit}" if spec.unit else ""
    if unit:
        read = f" (= {value:g}{unit_text} from {unit})"
    elif text.strip() != f"{value:g}" and text.strip() != str(value):
        read = f" (read as {value:g})"
    else:
        read = ""
    return f"is impossible{read} (plausible range {lo} to {hi}{unit_text})"

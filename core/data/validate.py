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

The value rules run in one place, ``check_cells``, on plain arrays: ``validate`` hands it
a table's columns and wraps the verdicts in DataFrames; ``check_record`` hands it one
patient's values as one-cell columns and keeps the arrays (about a millisecond, where
DataFrames per step took tens).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.data.parse import CategoryMatcher, Cells, binary_from_codes, expand_codes, factorize_text, numeric_from_codes
from core.data.schema import FeatureSpec, Schema, normalise_column_name

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


@dataclass(frozen=True)
class SchemaRules:
    """What checking needs from a schema, worked out once (category spellings per feature).

    ``validate`` builds one per call; an ``Engine`` keeps one, so checking one patient costs
    only the checks themselves. The rules are the same functions whatever the number of rows.
    """

    schema: Schema
    matchers: Mapping[str, CategoryMatcher]

    @classmethod
    def of(cls, schema: Schema) -> SchemaRules:
        return cls(schema, {f.name: CategoryMatcher.build(f.categories, f.other_levels)
                            for f in schema.features if f.kind == "categorical"})


@dataclass
class CheckedCells:
    """The rules' verdicts as plain arrays, before any DataFrame is built (one patient needs none).

    ``typed`` holds each feature's values for every input row; ``reasons`` is '' for an
    accepted row; the masks are (rows, features) in schema order. ``labels`` keeps each
    categorical feature as (codes, distinct labels), so a table column is built without
    reading every label again.
    """

    typed: dict[str, np.ndarray]
    reasons: np.ndarray
    missing: np.ndarray
    out_of_range: np.ndarray
    unseen: np.ndarray
    labels: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @property
    def ok(self) -> np.ndarray:
        return self.reasons == ""


def check_cells(
    cells: Mapping[str, Cells],
    n: int,
    rules: SchemaRules,
    units: dict[str, str] | None = None,
    row_problems: dict[int, str] | None = None,
) -> CheckedCells:
    """Apply every value rule to ``n`` rows of cells (schema name -> array; an absent optional feature is missing).

    The one place the value rules run: ``validate`` (tables) and ``check_record`` (one
    patient) both come here, so a value is judged the same way wherever it is entered.
    """
    features = rules.schema.features
    reasons = np.full(n, "", dtype=object)
    typed: dict[str, np.ndarray] = {}
    labels: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    masks = np.zeros((3, len(features), n), dtype=bool)  # missing, out of range, unseen; a row per feature
    for j, spec in enumerate(features):
        col = cells.get(spec.name)
        if col is None:
            col = np.full(n, np.nan)
        if spec.kind == "categorical":
            codes, labels_u, masks[0, j], masks[2, j] = _check_category(col, spec, rules.matchers.get(spec.name))
            labels[spec.name] = (codes, labels_u)
            typed[spec.name] = expand_codes(codes, labels_u, np.nan)
            continue
        values, bad, entries, miss, oor = _check_measure(col, spec, (units or {}).get(spec.name))
        if bad is not None and entries is not None:
            fresh = bad & (reasons == "")
            reasons[fresh] = entries[fresh]
            more = bad & ~fresh
            if more.any():
                reasons[more] = reasons[more] + "; " + entries[more]
        typed[spec.name] = values
        masks[0, j] = miss
        if oor is not None:
            masks[1, j] = oor
    for i, problem in (row_problems or {}).items():
        if 0 <= int(i) < n:
            reasons[int(i)] = str(problem)
    return CheckedCells(typed, reasons, masks[0].T, masks[1].T, masks[2].T, labels)


def check_record(values: Mapping[str, Any], rules: SchemaRules, units: dict[str, str] | None = None) -> CheckedCells:
    """One patient (the form, a FHIR mapping, a cohort row) through ``check_cells``: no DataFrame, same rules.

    Each value becomes the one-cell column a one-row table would hold, so the answer equals
    ``validate`` on ``pd.DataFrame([values])``.
    """
    cells = {spec.name: _one_cell(values.get(spec.name), spec) for spec in rules.schema.features}
    return check_cells(cells, 1, rules, units)


def _one_cell(value: object, spec: FeatureSpec) -> np.ndarray:
    """The column ``pd.DataFrame([{name: value}])`` gives, as ``validate`` hands it to the rules."""
    if isinstance(value, np.generic):
        return np.array([value]).astype(object if spec.kind != "numeric" or value.dtype.kind not in "iuf" else float)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and spec.kind == "numeric" and (not isinstance(value, int) or -(2**63) <= value < 2**64):
        return np.array([float(value)])
    cell = np.empty(1, dtype=object)
    cell[0] = value
    return cell


def _cells(col: pd.Series, spec: FeatureSpec) -> Cells:
    """A table column as the rules take it: numbers as floats for a numeric feature, pandas' text as it is
    (Arrow factorises it without a Python string per cell), anything else as objects."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and spec.kind == "numeric":
        return col.to_numpy(dtype=float, na_value=np.nan)
    if isinstance(col.dtype, pd.StringDtype):
        return col.array
    return col.to_numpy(dtype=object)


def validate(
    raw: pd.DataFrame,
    schema: Schema,
    units: dict[str, str] | None = None,
    row_problems: dict[int, str] | None = None,
    rules: SchemaRules | None = None,
) -> ValidationResult:
    """Check raw rows (text or numbers) against the schema. See the module docstring for the rules.

    ``units`` optionally says a feature was entered in one of its alternative units
    (e.g. ``{"hemoglobin_g_dl": "g/L"}``); values are converted before checking.
    ``row_problems`` (0-based row -> reason) rejects rows the CSV reader found broken,
    with that reason alone (their other cells are probably shifted, so not judged).
    ``rules`` are the schema's prepared lookups, when the caller keeps them.
    """
    found = check_columns(raw, schema)
    used = set(found.values())
    extra = [str(c) for c in raw.columns if c not in used]
    n = len(raw)
    index = pd.RangeIndex(n)
    cells = {spec.name: _cells(raw[found[spec.name]], spec) for spec in schema.features if spec.name in found}
    checked = check_cells(cells, n, rules if rules is not None else SchemaRules.of(schema), units, row_problems)
    ok = checked.ok
    every = bool(ok.all())
    keep = slice(None) if every else ok  # build each accepted column once, without copying rejected rows
    carried = {
        name: raw[found[name]].reset_index(drop=True)[keep]
        for name in (*schema.id_columns, *schema.context_columns, schema.target)
        if name in found
    }
    typed = {
        name: _label_column(*checked.labels[name], keep) if name in checked.labels else values[keep]
        for name, values in checked.typed.items()
    }
    accepted = index[keep]
    rejected_cols = {name: raw[found[name]].reset_index(drop=True)[~ok] for name in schema.id_columns if name in found}
    rejected = pd.DataFrame({"row": np.flatnonzero(~ok) + 1, **rejected_cols, "reason": checked.reasons[~ok]})
    return ValidationResult(
        clean=pd.DataFrame({**carried, **typed}, index=accepted, copy=False),  # fresh arrays: no second copy
        rejected=rejected.reset_index(drop=True),
        missing=pd.DataFrame(checked.missing[keep], index=accepted, columns=schema.names),
        out_of_range=pd.DataFrame(checked.out_of_range[keep], index=accepted, columns=schema.names),
        unseen=pd.DataFrame(checked.unseen[keep], index=accepted, columns=schema.names),
        extra_columns=extra,
        n_read=n,
    )


def _label_column(
    codes: np.ndarray, labels_u: np.ndarray, keep: slice | np.ndarray
) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """A categorical feature's labels for the accepted rows, in the dtype pandas gives a column of text.

    With pandas' Arrow-backed strings the column is decoded from (codes, labels) by Arrow
    directly, instead of converting one Python string per row.
    """
    dtype = pd.Series(np.array(["a"], dtype=object)).dtype
    is_text = np.array([isinstance(x, str) for x in labels_u] + [False], dtype=bool)
    text_column = isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow" and is_text[codes].any()
    codes = codes[keep]
    if not text_column:
        return expand_codes(codes, labels_u, np.nan)  # pandas keeps a column with no text at all as objects
    import pyarrow as pa

    words = pa.array([None if pd.isna(x) else x for x in labels_u], type=pa.large_string())
    decoded = pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), words).cast(pa.large_string())
    return pd.array(decoded, dtype=dtype)


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


def _check_category(
    cells: Cells, spec: FeatureSpec, matcher: CategoryMatcher | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(codes, label per code, missing, unseen): a category is never rejected, only matched or flagged.

    Worked out once per distinct cell text and spread to the rows with the codes.
    """
    codes, texts = factorize_text(cells)
    labels_u, unseen_u = (matcher or CategoryMatcher.build(spec.categories, spec.other_levels)).distinct(texts)
    missing_u = np.array([t is None for t in texts], dtype=bool)
    return codes, labels_u, expand_codes(codes, missing_u, True), expand_codes(codes, unseen_u, False)


def _check_measure(
    cells: Cells, spec: FeatureSpec, unit: str | None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray, np.ndarray | None]:
    """A number or yes/no feature: (typed values, rejected rows, their entries, missing, out of range).

    None where nothing is rejected or flagged. Everything is worked out once per distinct
    cell text and spread to the rows with the factorisation codes, so a long column with
    few distinct values costs almost nothing.
    """
    n = len(cells)
    codes, texts = factorize_text(cells)
    if spec.kind == "binary":
        values, bad = binary_from_codes(codes, texts)
        if not bad.any():
            return values, None, None, np.isnan(values), None
        entries_u = np.full(len(texts), "", dtype=object)
        for u in np.unique(codes[bad]):
            entries_u[u] = _entry(spec, texts[u], "is not a yes/no value (use 1/0, yes/no or true/false)")
        return values, bad, _rows(codes, entries_u, bad), np.isnan(values) & ~bad, None
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
    if not bad.any():
        return values, None, None, np.isnan(values), oor
    entries_u = np.full(len(texts), "", dtype=object)
    first_row = np.full(len(texts), -1)
    present = np.flatnonzero(codes >= 0)  # code -1 (an empty cell) would index the last distinct value
    first_row[codes[present][::-1]] = present[::-1]  # one row per distinct value
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
    return values, bad, entries, np.isnan(values) & ~bad, oor & ~bad


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

"""Raw rows + schema -> rows ready to score + every problem, row by row.

The same rules apply to the form, the upload, the batch CLI and training, so a value
accepted in one place is accepted everywhere. Nothing is dropped silently: every input
row is either in ``clean`` or in ``rejected`` with its reasons, and
``n_read == len(clean) + len(rejected)`` always holds.

- A whole-file problem (no rows, none of the model's input columns, a column name used
  twice or two spellings of one column) raises ``ValidationError`` with one plain sentence that
  names the columns.
- A value that cannot be parsed, or is physiologically impossible, rejects its row with
  the column, the value and the reason; so does a row the CSV reader found broken
  (``row_problems``: too many or too few fields), with the reader's reason.
- Plausible but outside the training range, an unseen category, or a missing value:
  the row is accepted and flagged. An input with no column at all is 'not recorded' on
  every row, and ``absent_columns`` names it for a notice.

Three steps, three modules: ``core.data.columns`` checks the file as a whole and matches
its columns (once per file); ``core.data.cells`` holds the value rules, ``check_cells``, on
plain arrays; this module hands them a table's columns and wraps the verdicts in
DataFrames. ``core.data.record`` hands them one patient's values as one-cell columns and
keeps the arrays (about a millisecond, where DataFrames per step took tens).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.data.cells import CheckedCells, SchemaRules, check_cells
from core.data.columns import ValidationError, absent_inputs, check_columns, check_not_empty, match_columns
from core.data.parse import Cells, expand_codes
from core.data.record import check_record
from core.data.schema import FeatureSpec, Schema
from core.presentation.wording import plural

__all__ = (
    "CheckedCells", "SchemaRules", "ValidationError", "ValidationResult", "check_cells", "check_columns",
    "check_record", "match_columns", "validate",
)


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
    columns: dict[str, object] = field(default_factory=dict)  # schema name -> the file's column, matched once
    absent_columns: list[str] = field(default_factory=list)  # inputs with no column: 'not recorded' on every row
    synonyms_applied: list[str] = field(default_factory=list)  # e.g. "sex: F -> female (412 rows)"

    @property
    def feature_names(self) -> list[str]:
        """The schema's features, in schema order (the typed columns of ``clean``)."""
        return [str(c) for c in self.missing.columns]

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
    columns: dict[str, object] | None = None,
) -> ValidationResult:
    """Check raw rows (text or numbers) against the schema. See the module docstring for the rules.

    ``units`` optionally says a feature was entered in one of its alternative units
    (e.g. ``{"hemoglobin_g_dl": "g/L"}``); values are converted before checking.
    ``row_problems`` (0-based row -> reason) rejects rows the CSV reader found broken,
    with that reason alone (their other cells are probably shifted, so not judged).
    ``rules`` are the schema's prepared lookups, when the caller keeps them.
    ``columns`` is what ``check_columns`` answered for this file, when the caller already
    ran it (the upload checks the file before identifier columns are dropped): the columns
    are then neither checked nor matched again.
    """
    if columns is None:
        found = check_columns(raw, schema)
    else:
        check_not_empty(raw)  # dropping identifier columns can leave none
        found = columns
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
        columns=dict(found),
        absent_columns=absent_inputs(schema, found),
        synonyms_applied=_synonym_lines(checked, keep),
    )


def _synonym_lines(checked: CheckedCells, keep: slice | np.ndarray) -> list[str]:
    """Each other spelling read as a category, with the accepted rows it applied to: the mapping shown."""
    lines = []
    for name, mapped in checked.synonyms.items():
        codes, labels_u = checked.labels[name]
        kept = codes[keep]
        counts = np.bincount(kept[kept >= 0], minlength=len(labels_u))
        lines += [f"{name}: {text} -> {labels_u[u]} ({plural(int(counts[u]), 'row')})"
                  for u, text in mapped if counts[u]]
    for name, (codes, words) in checked.yes_no.items():
        kept = codes[keep]
        counts = np.bincount(kept[kept >= 0], minlength=max((u for u, _, _ in words), default=0) + 1)
        lines += [f"{name}: {text} -> {meaning} ({plural(int(counts[u]), 'row')})" for u, text, meaning in words
                  if counts[u]]
    return lines


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

"""The value rules: every cell of every feature judged once, on plain arrays.

The one place the value rules run. ``validate`` hands ``check_cells`` a table's columns,
``check_record`` one patient's values as one-cell columns, so a value entered in the form,
a FHIR mapping or an upload is judged the same way. Each rule works once per distinct
cell text and spreads its verdict to the rows with the factorisation codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.data.columns import ValidationError, short_text
from core.data.parse import CategoryMatcher, Cells, binary_from_codes, expand_codes, factorize_text, numeric_from_codes
from core.data.schema import FeatureSpec, Schema


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
    synonyms: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # feature -> (code, text) read as
    # another spelling of a category (F for female): the label is ``labels[feature][1][code]``
    yes_no: dict[str, tuple[np.ndarray, tuple[tuple[int, str, str], ...]]] = field(default_factory=dict)
    # feature -> (codes, ((code, text, 'yes'|'no'), ...)): the spellings other than 1/0 a yes/no column used

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
    synonyms: dict[str, list[tuple[int, str]]] = {}
    yes_no: dict[str, tuple[np.ndarray, tuple[tuple[int, str, str], ...]]] = {}
    masks = np.zeros((3, len(features), n), dtype=bool)  # missing, out of range, unseen; a row per feature
    for j, spec in enumerate(features):
        col = cells.get(spec.name)
        if col is None:
            col = np.full(n, np.nan)
        if spec.kind == "categorical":
            matcher = rules.matchers.get(spec.name) or CategoryMatcher.build(spec.categories, spec.other_levels)
            codes, texts = factorize_text(col)
            labels_u, unseen_u = matcher.distinct(texts)
            missing_u = np.array([t is None for t in texts], dtype=bool)
            masks[0, j], masks[2, j] = expand_codes(codes, missing_u, True), expand_codes(codes, unseen_u, False)
            labels[spec.name] = (codes, labels_u)
            mapped = [(u, t) for u, t in enumerate(texts) if matcher.synonym_of(t) is not None]
            if mapped:
                synonyms[spec.name] = mapped
            typed[spec.name] = expand_codes(codes, labels_u, np.nan)
            continue
        if spec.kind == "binary":
            codes, texts = factorize_text(col)
            spelled = yes_no_spellings(codes, texts)
            if spelled[1]:
                yes_no[spec.name] = spelled
            values, bad, entries, miss, oor = _check_yes_no(codes, texts, spec)
        else:
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
    return CheckedCells(typed, reasons, masks[0].T, masks[1].T, masks[2].T, labels, synonyms, yes_no)


#: How a yes/no cell is written when it needs no mention; any other spelling read (Y, true, Ja ...) is shown.
PLAIN_YES_NO = frozenset({"0", "1"})


def _check_yes_no(
    codes: np.ndarray, texts: list[str | None], spec: FeatureSpec
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray, None]:
    """A yes/no feature, as ``_check_measure`` returns it."""
    values, bad = binary_from_codes(codes, texts)
    if not bad.any():
        return values, None, None, np.isnan(values), None
    entries_u = np.full(len(texts), "", dtype=object)
    for u in np.unique(codes[bad]):
        entries_u[u] = _entry(spec, texts[u], "is not a yes/no value (use 1/0, yes/no or true/false)")
    return values, bad, _rows(codes, entries_u, bad), np.isnan(values) & ~bad, None


def yes_no_spellings(codes: np.ndarray, texts: list[str | None]) -> tuple[np.ndarray, tuple[tuple[int, str, str], ...]]:
    """The spellings other than 1/0 that a yes/no column was read from: (codes, ((code, text, 'yes'|'no'), ...))."""
    values, _bad = binary_from_codes(np.arange(len(texts)), texts)
    words = tuple((u, str(t), "yes" if values[u] == 1.0 else "no") for u, t in enumerate(texts)
                  if t is not None and values[u] == values[u] and t.strip() not in PLAIN_YES_NO)
    return codes, words


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
        return _check_yes_no(codes, texts, spec)
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
    return f"{spec.name}: '{short_text(value)}' {reason}"


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

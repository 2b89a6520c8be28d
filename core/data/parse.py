"""Turn cell text from real exports into numbers, flags and category labels.

One implementation for training, validation, the form and the CLI, so a value means the
same thing everywhere. Vectorised over columns (Series or arrays): each column is
factorised and only its distinct values are parsed, so a 100,000-row column parses in
milliseconds and a one-cell column (one patient) in microseconds. Each parser returns the
parsed values and a mask of cells that were present but could not be understood (missing
cells are NaN and *not* in that mask).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from core.data.schema import FALSE_WORDS, MISSING_MARKERS, TRUE_WORDS

_GROUP_SEPARATORS = re.compile(r"[\s\u00a0\u202f'_]")
_GROUPED = re.compile(r"[-+]?\d{1,3}([\s\u00a0\u202f'_]\d{3})+([.,]\d+)?")
_MINUS_SIGNS = re.compile("[\u2212\u2013\ufe63\uff0d]")  # Unicode minus, en dash, small and full-width hyphen-minus
_DECIMAL_COMMA = re.compile(r"[-+]?\d*,\d{1,2}|[-+]?\d*,\d{4,}")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_THOUSANDS_DOT_DECIMAL_COMMA = re.compile(r"[-+]?\d{1,3}(\.\d{3})+,\d+")
_SPACES = re.compile(r"\s+")

#: A column of cells as the parsers take it: a NumPy array, or pandas' own (Arrow) text array.
Cells = np.ndarray | pd.api.extensions.ExtensionArray


def factorize_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` (missing -> code -1), answered directly for a single cell.

    One patient from the form is 33 one-cell columns: a hash table per cell would cost more
    than all the checks together. A cell is missing exactly when ``pd.factorize`` says so.
    """
    if len(values) == 1:
        value = values[0]
        if pd.api.types.is_scalar(value) and pd.isna(value):
            return np.full(1, -1, dtype=np.intp), values[:0]
        return np.zeros(1, dtype=np.intp), values
    return pd.factorize(values, use_na_sentinel=True)


def factorize_text(series: pd.Series | Cells) -> tuple[np.ndarray, list[str | None]]:
    """(codes, distinct cells as trimmed text or None when missing); code -1 is a missing cell.

    Parsing the distinct values and indexing back with the codes is what keeps every
    parser fast on long columns with few distinct values. Text held by pandas' string
    dtype (Arrow) is factorised by Arrow, and a float array as numbers: neither makes a
    Python object per cell.
    """
    if isinstance(series, pd.Series):
        series = series.array if isinstance(series.dtype, pd.StringDtype) else series.to_numpy(dtype=object)
    if isinstance(series, pd.api.extensions.ExtensionArray) and isinstance(series.dtype, pd.StringDtype):
        codes, distinct = pd.factorize(series, use_na_sentinel=True)
        return np.asarray(codes), [_cell_text(u) for u in distinct]
    values = np.asarray(series)
    if values.dtype.kind not in "fO":
        values = values.astype(object)
    codes, uniques = factorize_cells(values)
    if values.dtype.kind == "O" and any(_may_be_a_bool(u) for u in uniques):
        codes, uniques = _bools_apart(values, codes, uniques)
    return codes, [_cell_text(u) for u in (uniques.tolist() if values.dtype.kind == "f" else uniques)]


def _cell_text(value: object) -> str | None:
    """A distinct cell as trimmed text, or None when it is one of the missing markers."""
    text = value.strip() if isinstance(value, str) else _scalar_text(value)
    return None if text is None or text.lower() in MISSING_MARKERS else text


def _may_be_a_bool(value: object) -> bool:
    """A hash table keeps True and 1 (False and 0) as one value, though they mean different things here."""
    return isinstance(value, bool | int | float | np.bool_ | np.number) and not isinstance(value, complex) and (
        value == 0 or value == 1
    )


def _bools_apart(values: np.ndarray, codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Factorise again with yes/no cells as their text, so True is not read as the number 1 (or the reverse)."""
    is_bool = np.fromiter((isinstance(v, bool | np.bool_) for v in values), dtype=bool, count=len(values))
    if not is_bool.any() or is_bool.all():
        return codes, uniques
    values = values.copy()
    values[is_bool] = np.where(values[is_bool].astype(bool), "true", "false")
    return factorize_cells(values)


def _scalar_text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating) and float(value).is_integer() and abs(float(value)) < 1e15:
        return str(int(value))
    return str(value).strip()


def expand_codes(codes: np.ndarray, per_unique: np.ndarray, fill: object) -> np.ndarray:
    """Per-distinct-value results -> per-row results (``fill`` where the cell was missing)."""
    out = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    out[:-1] = per_unique
    out[-1] = fill
    return out[codes]  # code -1 picks the appended fill


def as_text(series: pd.Series) -> pd.Series:
    """Cells as trimmed strings, with every missing marker turned into NaN."""
    codes, texts = factorize_text(series)
    per_unique = np.array([np.nan if t is None else t for t in texts], dtype=object)
    return pd.Series(expand_codes(codes, per_unique, np.nan), index=series.index, dtype=object)


def number_from_text(text: str) -> float:
    """One cell's number: padded values, thousands separators and unambiguous decimal commas.

    ``"12,5"`` -> 12.5 (one comma, no dot, not three digits after it); ``"1,000"`` and
    ``"1 000"`` -> 1000; ``"1.234,5"`` -> 1234.5; a Unicode minus sign counts. Spaces and
    apostrophes inside a number are only accepted as thousands separators (``"1 6"`` is not
    16). NaN when the text is not a number (or not a finite one).
    """
    s = _MINUS_SIGNS.sub("-", text.strip())
    if _GROUP_SEPARATORS.search(s):
        if not _GROUPED.fullmatch(s):
            return float("nan")
        s = _GROUP_SEPARATORS.sub("", s)
    if "," in s:
        if _DECIMAL_COMMA.fullmatch(s):
            s = s.replace(",", ".")
        elif _THOUSANDS.fullmatch(s):
            s = s.replace(",", "")
        elif _THOUSANDS_DOT_DECIMAL_COMMA.fullmatch(s):
            s = s.replace(".", "").replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return float("nan")
    return value if np.isfinite(value) else float("nan")


def _numbers(texts: list[str | None]) -> np.ndarray:
    """Numbers for distinct texts: one vectorised pass, the slow path only for the odd ones."""
    arr = np.array(texts, dtype=object)
    parsed = pd.to_numeric(arr, errors="coerce")  # on the array: the same parser as on a Series, 10x less overhead
    values = np.array(parsed, dtype=float)  # a writable copy
    values[~np.isfinite(values)] = np.nan
    for i in np.flatnonzero(np.isnan(values)):
        if texts[i] is not None:
            values[i] = number_from_text(texts[i])
    return values


def parse_numeric(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers from text: padded values, thousands separators and unambiguous decimal commas.

    ``" 12.5 "`` -> 12.5; ``"12,5"`` -> 12.5 (one comma, no dot, not three digits after it);
    ``"1,000"`` -> 1000 (a thousands separator). Returns (values, unparseable mask).
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        parsed = pd.to_numeric(series, errors="coerce")
        values = np.array(parsed.to_numpy(dtype=float, na_value=np.nan), dtype=float)
        values[~np.isfinite(values)] = np.nan
        return values, np.zeros(len(series), dtype=bool)
    return numeric_from_codes(*factorize_text(series))


def numeric_from_codes(codes: np.ndarray, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``parse_numeric`` for a column already factorised with ``factorize_text``."""
    values_u = _numbers(texts)
    bad_u = np.array([t is not None for t in texts], dtype=bool) & np.isnan(values_u)
    return expand_codes(codes, values_u, np.nan), expand_codes(codes, bad_u, False)


def parse_binary(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """0/1 from yes/no, true/false, y/n, 1/0. Returns (values as 0.0/1.0/NaN, unparseable mask)."""
    return binary_from_codes(*factorize_text(series))


def binary_from_codes(codes: np.ndarray, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
    """``parse_binary`` for a column already factorised with ``factorize_text``."""
    values_u = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        if t is None:
            continue
        low = t.lower()
        if low in TRUE_WORDS:
            values_u[i] = 1.0
        elif low in FALSE_WORDS:
            values_u[i] = 0.0
    bad_u = np.array([t is not None for t in texts], dtype=bool) & np.isnan(values_u)
    return expand_codes(codes, values_u, np.nan), expand_codes(codes, bad_u, False)


def parse_categorical(series: pd.Series, categories: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """Map text to the known category spelling (case-insensitive, runs of spaces as one).

    Returns (labels with NaN for missing, mask of *unseen* categories). Unseen values are
    kept as their own text so they can be shown and flagged; the encoder decides how the
    model treats them.
    """
    labels, unseen = categorical_from_codes(*factorize_text(series), categories)
    return pd.Series(labels, index=series.index, dtype=object), unseen


def categorical_from_codes(
    codes: np.ndarray, texts: list[str | None], categories: tuple[str, ...], grouped: tuple[str, ...] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """``parse_categorical`` for a column already factorised, as (labels array, unseen mask).

    ``grouped`` are levels seen in training but grouped as "other": they are kept as their
    own text (the encoder maps them to "other") and are not flagged as unseen.
    """
    return CategoryMatcher.build(categories, grouped).match(codes, texts)


@dataclass(frozen=True)
class CategoryMatcher:
    """A feature's known spellings by matching key (case-insensitive, runs of spaces as one).

    Built once per feature and kept (see ``core.data.validate.SchemaRules``), so checking one
    patient does not rebuild the lookup of every categorical feature.
    """

    lookup: dict[str, str]
    grouped: frozenset[str]
    synonyms: frozenset[str] = frozenset()  # keys in ``lookup`` that are another spelling (F for female)

    @classmethod
    def build(cls, categories: tuple[str, ...], grouped: tuple[str, ...] = ()) -> CategoryMatcher:
        lookup = {_category_key(c): c for c in categories}
        extra = {_category_key(s): c for c in categories for s in category_synonyms().get(_category_key(c), ())}
        extra = {k: c for k, c in extra.items() if k not in lookup}  # a real category always wins
        return cls(lookup={**lookup, **extra}, grouped=frozenset(_category_key(c) for c in grouped),
                   synonyms=frozenset(extra))

    def synonym_of(self, text: str | None) -> str | None:
        """The category a synonym spelling stands for (``F`` -> ``female``), else None."""
        key = None if text is None else _category_key(text)
        return self.lookup[key] if key in self.synonyms else None

    def match(self, codes: np.ndarray, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """(labels with NaN for missing, unseen mask) for a column factorised with ``factorize_text``."""
        labels_u, unseen_u = self.distinct(texts)
        return expand_codes(codes, labels_u, np.nan), expand_codes(codes, unseen_u, False)

    def distinct(self, texts: list[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """(label, unseen) for each distinct text: the known spelling, or the text itself when unseen."""
        labels_u = np.empty(len(texts), dtype=object)
        unseen_u = np.zeros(len(texts), dtype=bool)
        for i, t in enumerate(texts):
            if t is None:
                labels_u[i] = np.nan
                continue
            key = _category_key(t)
            known = self.lookup.get(key)
            labels_u[i] = t if known is None else known
            unseen_u[i] = known is None and key not in self.grouped
        return labels_u, unseen_u


def _category_key(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).lower()


@cache
def category_synonyms() -> MappingProxyType[str, tuple[str, ...]]:
    """category -> other spellings, from core/data/synonyms.json (read once, read-only)."""
    data = json.loads(Path(__file__).with_name("synonyms.json").read_text(encoding="utf-8"))
    return MappingProxyType({_category_key(c): tuple(s) for c, s in data["categories"].items()})

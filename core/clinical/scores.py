"""LACE and HOSPITAL readmission scores: the published baselines the model must beat.

Both are computed from canonical columns so the app can report them next to the model on
the same patients and the same outcome (they were each built for a slightly different
outcome; see :func:`predicts`).

Sources:

- LACE index: van Walraven C et al. Derivation and validation of an index to predict early
  death or unplanned readmission after discharge from hospital to the community.
  CMAJ 2010;182(6):551-557, doi:10.1503/cmaj.091117. This is the *original* table
  (length of stay >= 14 days scores 7), not the UK "modified LACE" (which scores 6).
- HOSPITAL score: Donze J et al. Potentially avoidable 30-day hospital readmissions in
  medical patients: derivation and validation of a prediction model.
  JAMA Intern Med 2013;173(8):632-638; international validation JAMA Intern Med
  2016;176(4):496-502.

Choices the papers leave to the implementer (each is also stated in the model card):

- *Acute / non-elective admission*: ``admission_type`` of "emergency", "emergent" or
  "urgent" (case-insensitive) counts as acute for LACE (A) and as non-elective for
  HOSPITAL (IT). Anything else, including missing, does not. Counting "urgent" matches
  HOSPITAL's own definition ("urgent or emergent") and van Walraven's "emergent"
  admissions, which in administrative data are usually coded emergency or urgent.
- *Oncology service*: any ``service`` text containing "oncolog" (e.g. "Oncology",
  "Hematology/Oncology") counts as discharge from an oncology division.
- *Missing values*: a missing value scores 0 points, i.e. it is treated as normal / absent.
  For the laboratory items (hemoglobin, sodium) this means "not abnormal"; the breakdown
  shows such items as "not recorded" so the reader can see the score may be too low.
- *Non-integer counts or days* fall in the band whose lower edge they reach (3.5 days
  scores as 3 days for LACE; 5.5 previous admissions scores as "> 5" for HOSPITAL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from core.data.parse import factorize_cells
from core.data.schema import TRUE_WORDS, normalise_column_name
from core.presentation.wording import NOT_RECORDED

Score = Literal["lace", "hospital"]

LACE_COLUMNS: tuple[str, ...] = ("length_of_stay_days", "admission_type", "charlson_index", "ed_visits_6m")
HOSPITAL_COLUMNS: tuple[str, ...] = (
    "hemoglobin_g_dl",
    "service",
    "sodium_mmol_l",
    "procedure_during_stay",
    "admission_type",
    "admissions_12m",
    "length_of_stay_days",
)
ACUTE_ADMISSION_TYPES: frozenset[str] = frozenset({"emergency", "emergent", "urgent"})
ONCOLOGY_MARKER = "oncolog"

LACE_MAX = 19
HOSPITAL_MAX = 13

LACE_PREDICTS = "death or unplanned readmission within 30 days (van Walraven et al., CMAJ 2010)"
HOSPITAL_PREDICTS = (
    "potentially avoidable 30-day readmission of medical patients (Donzé et al., JAMA Intern Med 2013)"
)
LACE_CITATION = "van Walraven C et al. CMAJ 2010;182(6):551-557. doi:10.1503/cmaj.091117"
HOSPITAL_CITATION = (
    "Donzé J et al. JAMA Intern Med 2013;173(8):632-638; validation JAMA Intern Med 2016;176(4):496-502"
)
LACE_BANDS_TEXT = "low 0-4, moderate 5-9, high 10 or more"
HOSPITAL_BANDS_TEXT = "low 0-4, intermediate 5-6, high 7 or more"

# Band edges as (lower edge, points) pairs; a value scores the points of the last edge it reaches.
_LACE_LOS_EDGES: tuple[float, ...] = (1, 2, 3, 4, 7, 14)
_LACE_LOS_POINTS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 7)
_LACE_CHARLSON_EDGES: tuple[float, ...] = (1, 2, 3, 4)
_LACE_CHARLSON_POINTS: tuple[int, ...] = (0, 1, 2, 3, 5)
_LACE_ED_EDGES: tuple[float, ...] = (1, 2, 3, 4)
_LACE_ED_POINTS: tuple[int, ...] = (0, 1, 2, 3, 4)


def _check_score(score: str) -> Score:
    s = str(score).strip().lower()
    if s not in ("lace", "hospital"):
        raise ValueError(f"Unknown score '{score}'; use 'lace' or 'hospital'.")
    return s  # type: ignore[return-value]


def _required(score: str) -> tuple[str, ...]:
    return LACE_COLUMNS if _check_score(score) == "lace" else HOSPITAL_COLUMNS


def has_inputs(columns: Iterable[object], score: str) -> bool:
    """True when every column the score needs is present (names matched ignoring case/spaces).

    Lets a view decide whether to show a baseline at all, rather than computing one from
    mostly-missing inputs.
    """
    present = {normalise_column_name(c) for c in columns}
    return all(c in present for c in _required(score))


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """The column ``name``, found exactly or after normalising case and spaces."""
    if name in df.columns:
        return df[name]
    for c in df.columns:
        if normalise_column_name(c) == name:
            return df[c]
    raise KeyError(name)


def _columns(df: pd.DataFrame, score: str) -> dict[str, pd.Series]:
    required = _required(score)
    present = {normalise_column_name(x) for x in df.columns}
    missing = [c for c in required if c not in present]
    if missing:
        raise KeyError(f"{score.upper()} needs column(s) {', '.join(missing)}; they are not in the data.")
    return {c: _column(df, c) for c in required}


Column = pd.Series | np.ndarray


def _num(values: Column) -> np.ndarray:
    """Numbers as floats; text that is not a number, and +/-inf, become NaN."""
    out = np.array(pd.to_numeric(values, errors="coerce"), dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def _by_text(values: Column, rule: Callable[[str], bool]) -> np.ndarray:
    """``rule`` applied to each cell's trimmed lower-case text (missing -> ""), once per distinct value.

    Arrays and Series alike, so one patient's breakdown and a cohort's totals read text the same way.
    """
    if isinstance(values, pd.Series) and not isinstance(values.dtype, np.dtype):
        codes, uniques = pd.factorize(values, use_na_sentinel=True)  # Arrow-backed text: no Python string per row
    else:
        codes, uniques = factorize_cells(np.asarray(values, dtype=object))
    words = [(u.decode() if isinstance(u, bytes) else str(u)).strip().lower() for u in uniques]
    return np.array([rule(w) for w in [*words, ""]], dtype=bool)[codes]  # code -1 (missing) picks ""


def _banded(values: np.ndarray, edges: tuple[float, ...], points: tuple[int, ...]) -> np.ndarray:
    """Points for each value from band lower edges; NaN (and anything below the first edge) scores points[0]."""
    idx = np.digitize(np.nan_to_num(values, nan=-np.inf), edges, right=False)
    return np.asarray(points, dtype=np.int64)[idx]


def _acute(values: Column) -> np.ndarray:
    return _by_text(values, ACUTE_ADMISSION_TYPES.__contains__)


def _oncology(values: Column) -> np.ndarray:
    return _by_text(values, lambda text: ONCOLOGY_MARKER in text)


def _flag(values: Column) -> np.ndarray:
    """Yes/no from 1/0, True/False or yes/no text; missing or unreadable counts as no."""
    numbers = _num(values)
    words = _by_text(values, TRUE_WORDS.__contains__)
    return (np.nan_to_num(numbers, nan=0.0) > 0) | words


def _lace_items(cols: Mapping[str, Column]) -> dict[str, np.ndarray]:
    """LACE item points per row from its input columns (Series or arrays): the one place the table is applied."""
    return {
        "L": _banded(_num(cols["length_of_stay_days"]), _LACE_LOS_EDGES, _LACE_LOS_POINTS),
        "A": np.where(_acute(cols["admission_type"]), 3, 0).astype(np.int64),
        "C": _banded(_num(cols["charlson_index"]), _LACE_CHARLSON_EDGES, _LACE_CHARLSON_POINTS),
        "E": _banded(_num(cols["ed_visits_6m"]), _LACE_ED_EDGES, _LACE_ED_POINTS),
    }


def _hospital_items(cols: Mapping[str, Column]) -> dict[str, np.ndarray]:
    """HOSPITAL item points per row from its input columns (Series or arrays)."""
    hb = _num(cols["hemoglobin_g_dl"])
    na = _num(cols["sodium_mmol_l"])
    adm = np.nan_to_num(_num(cols["admissions_12m"]), nan=0.0)
    los = np.nan_to_num(_num(cols["length_of_stay_days"]), nan=0.0)
    with np.errstate(invalid="ignore"):
        items = {
            "H": np.where(hb < 12.0, 1, 0),
            "O": np.where(_oncology(cols["service"]), 2, 0),
            "S": np.where(na < 135.0, 1, 0),
            "P": np.where(_flag(cols["procedure_during_stay"]), 1, 0),
            "IT": np.where(_acute(cols["admission_type"]), 1, 0),
            "A": np.select([adm > 5, adm >= 2], [5, 2], 0),
            "L": np.where(los >= 5, 2, 0),
        }
    return {k: v.astype(np.int64) for k, v in items.items()}


def lace_points(df: pd.DataFrame) -> pd.DataFrame:
    """LACE item points and total per row (van Walraven 2010, original table).

    Returns integer columns ``L``, ``A``, ``C``, ``E`` and ``total`` on ``df``'s index.
    Raises KeyError naming any missing input column (check with :func:`has_inputs`).
    """
    return _with_total(_lace_items(_columns(df, "lace")), df.index)


def hospital_points(df: pd.DataFrame) -> pd.DataFrame:
    """HOSPITAL item points and total per row (Donzé 2013).

    Returns integer columns ``H``, ``O``, ``S``, ``P``, ``IT``, ``A``, ``L`` and ``total``.
    A missing laboratory value scores 0 (treated as not abnormal).
    """
    return _with_total(_hospital_items(_columns(df, "hospital")), df.index)


def _with_total(items: dict[str, np.ndarray], index: pd.Index) -> pd.DataFrame:
    out = pd.DataFrame(items, index=index)
    out["total"] = out.sum(axis=1).astype(np.int64)
    return out


def points(df: pd.DataFrame, score: str) -> pd.DataFrame:
    """Item points and total for ``score`` ("lace" or "hospital")."""
    return lace_points(df) if _check_score(score) == "lace" else hospital_points(df)


def lace_band(total: float) -> str:
    """LACE risk band: low 0-4, moderate 5-9, high >= 10 ("not recorded" for NaN)."""
    if total is None or pd.isna(total):
        return NOT_RECORDED
    return "low" if total <= 4 else "moderate" if total <= 9 else "high"


def hospital_band(total: float) -> str:
    """HOSPITAL risk band: low 0-4, intermediate 5-6, high >= 7 ("not recorded" for NaN)."""
    if total is None or pd.isna(total):
        return NOT_RECORDED
    return "low" if total <= 4 else "intermediate" if total <= 6 else "high"


def bands(totals: Iterable[float], score: str) -> pd.Series:
    """Vectorised band labels for many totals (index kept when ``totals`` is a Series)."""
    t = totals if isinstance(totals, pd.Series) else pd.Series(list(totals), dtype=float)
    values = pd.to_numeric(t, errors="coerce").to_numpy(dtype=float)
    if _check_score(score) == "lace":
        labels = np.select([values <= 4, values <= 9, values >= 10], ["low", "moderate", "high"], NOT_RECORDED)
    else:
        labels = np.select([values <= 4, values <= 6, values >= 7], ["low", "intermediate", "high"], NOT_RECORDED)
    return pd.Series(labels.astype(object), index=t.index, name="band")


def band(total: float, score: str) -> str:
    """Band label for one total of either score."""
    return lace_band(total) if _check_score(score) == "lace" else hospital_band(total)


def predicts(score: str) -> str:
    """What the score was built to predict, so the app can say it differs from our outcome."""
    return LACE_PREDICTS if _check_score(score) == "lace" else HOSPITAL_PREDICTS


def citation(score: str) -> str:
    """Full reference for the score, for the model card and result basis."""
    return LACE_CITATION if _check_score(score) == "lace" else HOSPITAL_CITATION


def bands_text(score: str) -> str:
    """The band cut-offs in words, shown under a score result."""
    return LACE_BANDS_TEXT if _check_score(score) == "lace" else HOSPITAL_BANDS_TEXT


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _fmt_number(value: Any, unit: str = "") -> str:
    """``5.0`` -> "5", ``11.95`` -> "11.95"; missing or unreadable -> "not recorded"."""
    if _is_missing(value):
        return NOT_RECORDED
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not np.isfinite(x):
        return NOT_RECORDED
    text = f"{x:g}"
    if unit == "days":
        return f"{text} day" if x == 1 else f"{text} days"
    return f"{text} {unit}".strip()


def _fmt_text(value: Any) -> str:
    return NOT_RECORDED if _is_missing(value) else str(value).strip()


def _fmt_flag(value: Any) -> str:
    if _is_missing(value):
        return NOT_RECORDED
    return "yes" if bool(_flag(_cell(value))[0]) else "no"


def _cell(value: Any) -> np.ndarray:
    """One value as a one-row column of objects (a list stays one value)."""
    out = np.empty(1, dtype=object)
    out[0] = value
    return out


def _lookup(row: Mapping[str, Any], name: str) -> Any:
    if name in row:
        return row[name]
    for k in row:
        if normalise_column_name(k) == name:
            return row[k]
    return None


def breakdown(row: Mapping[str, Any], score: str) -> list[dict[str, Any]]:
    """Each item of ``score`` for one patient: plain-language label, shown value and points.

    The basis shown under a score result. Inputs absent from ``row`` are shown as
    "not recorded" and score 0, so a partly-filled form still explains itself.
    """
    s = _check_score(score)
    values = {c: _lookup(row, c) for c in _required(s)}
    cols = {c: _cell(v) for c, v in values.items()}
    pts = {k: int(v[0]) for k, v in (_lace_items(cols) if s == "lace" else _hospital_items(cols)).items()}
    if s == "lace":
        items = [
            ("L", "Length of stay", _fmt_number(values["length_of_stay_days"], "days")),
            ("A", "Acute (emergency) admission", _fmt_text(values["admission_type"])),
            ("C", "Charlson comorbidity index", _fmt_number(values["charlson_index"])),
            ("E", "ED visits in past 6 months", _fmt_number(values["ed_visits_6m"])),
        ]
    else:
        items = [
            ("H", "Hemoglobin at discharge", _fmt_number(values["hemoglobin_g_dl"], "g/dL")),
            ("O", "Discharged from an oncology service", _fmt_text(values["service"])),
            ("S", "Sodium at discharge", _fmt_number(values["sodium_mmol_l"], "mmol/L")),
            ("P", "Procedure during the stay", _fmt_flag(values["procedure_during_stay"])),
            ("IT", "Non-elective (urgent or emergency) admission", _fmt_text(values["admission_type"])),
            ("A", "Admissions in past 12 months", _fmt_number(values["admissions_12m"])),
            ("L", "Length of stay", _fmt_number(values["length_of_stay_days"], "days")),
        ]
    return [{"item": label, "value": shown, "points": pts[key]} for key, label, shown in items]

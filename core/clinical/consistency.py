"""Clinical consistency of one patient's inputs: the Charlson index against its flags, and the stay's dates.

Not a rejection: the values are each plausible, but together they disagree, so the estimate
is shown with a message saying what to check (the form, and a per-row flag in CSV output).

- The Charlson index is derived from the comorbidity flags with Charlson's hierarchy
  (``core.clinical.charlson``, the one statement of the rule). An entered index that differs
  is reported. Both members of a hierarchy pair ticked (ICD coding often flags both mild and
  severe liver disease) is *not* an error: only the heavier weight counts, and the form says so.
- A stay whose discharge date is before its admission date is reported, when the schema
  carries both dates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.clinical.charlson import CHARLSON_HIERARCHY, COMORBIDITIES, charlson_from_flags, charlson_index

CHARLSON = "charlson_index"
DATES = ("admission_date", "discharge_date")


def _has_charlson(names: Sequence[str]) -> bool:
    return CHARLSON in names and all(flag in names for flag in COMORBIDITIES)


def charlson_message(entered: float, derived: int) -> str:
    return (f"Charlson index entered as {entered:g}, but the comorbidities ticked give {derived} "
            "(Charlson's weights and hierarchy); check the index or the comorbidities")


def record_problems(values: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """One patient's inconsistencies, in words (empty when none, or when the flags are not all recorded)."""
    if not _has_charlson(names):
        return []
    entered = values.get(CHARLSON)
    flags = [values.get(flag) for flag in COMORBIDITIES]
    if entered is None or any(v is None for v in flags):
        return []
    derived = charlson_index(dict(zip(COMORBIDITIES, flags, strict=True)))
    return [charlson_message(float(entered), derived)] if float(entered) != derived else []


def consistent_charlson(values: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """``values`` with the Charlson index its flags give, when every flag is recorded."""
    flags = [values.get(flag) for flag in COMORBIDITIES]
    if not _has_charlson(names) or any(v is None for v in flags):
        return values
    return {**values, CHARLSON: charlson_index(dict(zip(COMORBIDITIES, flags, strict=True)))}


def hierarchy_notes(values: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """For both members of a Charlson pair ticked: only the heavier weight counts (an explanation, not an error)."""
    return [f"{labels.get(low, low)} and {labels.get(high, high)} are both ticked: Charlson's index counts only "
            f"the more severe ({labels.get(high, high)}), as ICD coding often flags both."
            for low, high in CHARLSON_HIERARCHY if values.get(low) and values.get(high)]


def table_problems(clean: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Per row of a validated table, its inconsistencies joined ('' when none); vectorised."""
    out = np.full(len(clean), "", dtype=object)
    if not len(clean):
        return out
    if _has_charlson(names):
        flags = clean[list(COMORBIDITIES)].apply(pd.to_numeric, errors="coerce")
        entered = pd.to_numeric(clean[CHARLSON], errors="coerce").to_numpy(dtype=float)
        known = flags.notna().all(axis=1).to_numpy() & ~np.isnan(entered)
        derived = charlson_from_flags(flags.fillna(0)).to_numpy()
        for i in np.flatnonzero(known & (entered != derived)):
            out[i] = charlson_message(entered[i], int(derived[i]))
    if all(d in clean.columns for d in DATES):
        start, end = (pd.to_datetime(clean[d], errors="coerce", format="mixed") for d in DATES)
        for i in np.flatnonzero((end < start).to_numpy()):
            out[i] = "; ".join(p for p in (out[i], "the discharge date is before the admission date") if p)
    return out

"""The Charlson comorbidity index: its conditions, weights, hierarchy rule and ICD-10 codes.

One home for Charlson, because two very different callers must agree on it exactly: the
synthetic generator scores whole columns of flags (``charlson_from_flags``) and the FHIR
mapper scores one patient's coded Conditions (``charlson_flags`` then ``charlson_index``).
Both go through ``_points``, the single statement of the rule, so a model trained on
generated data sees the same index as one fed from an EHR.

Sources:

- Weights: Charlson ME et al. A new method of classifying prognostic comorbidity in
  longitudinal studies. J Chronic Dis 1987;40(5):373-383. The HIV/AIDS item is not used:
  the model's training data have no HIV flag.
- ICD-10 codes: Quan H et al. Coding algorithms for defining comorbidities in ICD-9-CM and
  ICD-10 administrative data. Med Care 2005;43(11):1130-1139. The codes are data, in
  ``core/clinical/terminology/charlson_icd10.json``; ``core/clinical/codes.py`` reads them (and
  the ICD-9-CM and SNOMED CT tables) for the FHIR mapper. ``charlson_flags`` is the plain
  prefix rule on bare ICD-10 codes, for callers that hold codes rather than FHIR codings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.clinical.codes import charlson_entries, expand_entry

if TYPE_CHECKING:  # pandas only for the annotation: FHIR scoring of one patient needs no pandas here
    import pandas as pd

#: The Charlson conditions as ``cm_*`` feature names, in the cohort's column order.
COMORBIDITIES: tuple[str, ...] = (
    "cm_mi",
    "cm_chf",
    "cm_pvd",
    "cm_cvd",
    "cm_dementia",
    "cm_copd",
    "cm_connective_tissue",
    "cm_peptic_ulcer",
    "cm_liver_mild",
    "cm_liver_severe",
    "cm_diabetes",
    "cm_diabetes_complicated",
    "cm_hemiplegia",
    "cm_renal",
    "cm_cancer",
    "cm_metastatic",
)

#: Charlson 1987 weights. Diabetes, liver disease and tumour are hierarchies (``CHARLSON_HIERARCHY``).
CHARLSON_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "cm_mi": 1,
        "cm_chf": 1,
        "cm_pvd": 1,
        "cm_cvd": 1,
        "cm_dementia": 1,
        "cm_copd": 1,
        "cm_connective_tissue": 1,
        "cm_peptic_ulcer": 1,
        "cm_liver_mild": 1,
        "cm_liver_severe": 3,
        "cm_diabetes": 1,
        "cm_diabetes_complicated": 2,
        "cm_hemiplegia": 2,
        "cm_renal": 2,
        "cm_cancer": 2,
        "cm_metastatic": 6,
    }
)
#: (milder, more severe) pairs: a patient with both counts once, at the more severe weight.
CHARLSON_HIERARCHY: tuple[tuple[str, str], ...] = (
    ("cm_diabetes", "cm_diabetes_complicated"),
    ("cm_liver_mild", "cm_liver_severe"),
    ("cm_cancer", "cm_metastatic"),
)

#: Quan et al. 2005 ICD-10 codes for the Charlson conditions, read from the terminology table
#: ``core/clinical/terminology/charlson_icd10.json`` (the one copy). Each entry is a code prefix
#: ("I50" covers I50.x) or an inclusive range of prefixes of equal length.
CHARLSON_ICD10: Mapping[str, tuple[str, ...]] = charlson_entries("charlson_icd10")

#: ``CHARLSON_ICD10`` with every range expanded: undotted, upper-case prefixes per flag.
ICD10_PREFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    flag: tuple(p for entry in entries for p in expand_entry(entry)) for flag, entries in CHARLSON_ICD10.items()
})


def charlson_flags(icd10_codes: Iterable[str]) -> dict[str, int]:
    """ICD-10 codes (with or without the dot, any edition) -> 0/1 for every ``cm_*`` flag."""
    codes = [str(c).replace(".", "").strip().upper() for c in icd10_codes]
    return {flag: int(any(c.startswith(prefixes) for c in codes)) for flag, prefixes in ICD10_PREFIXES.items()}


def _points(present: Callable[[str], Any]) -> Any:
    """The Charlson rule, for a number or a whole column alike: ``present(flag)`` is 0/1 per patient.

    Weights are summed; within each hierarchy the milder weight is taken back when both
    flags are present, so the pair counts once at the more severe weight.
    """
    total = sum(CHARLSON_WEIGHTS[flag] * present(flag) for flag in COMORBIDITIES)
    for low, high in CHARLSON_HIERARCHY:
        total = total - CHARLSON_WEIGHTS[low] * present(low) * present(high)
    return total


def charlson_index(flags: Mapping[str, int]) -> int:
    """Charlson index of one patient from the ``cm_*`` flags (absent or falsy = not present)."""
    return int(_points(lambda flag: int(bool(flags.get(flag)))))


def charlson_from_flags(flags: pd.DataFrame) -> pd.Series:
    """Charlson index of every row of a frame of 0/1 ``cm_*`` columns (vectorised, for whole cohorts)."""
    return _points(lambda flag: flags[flag].astype(int)).astype(int).rename("charlson_index")

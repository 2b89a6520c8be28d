"""The Charlson comorbidity index: its conditions, weights, hierarchy rule and ICD-10 codes.

One home for Charlson, because two very different callers must agree on it exactly: the
synthetic generator scores whole columns of flags (``charlson_from_flags``) and the FHIR
mapper scores one patient's coded Conditions (``charlson_flags`` then ``charlson_index``).
Both go through ``_points``, the single statement of the rule, so a model trained on
generated data sees the same index as one fed from an EHR.

Sources (clinical-reference.md, section 1):

- Weights: Charlson ME et al. A new method of classifying prognostic comorbidity in
  longitudinal studies. J Chronic Dis 1987;40(5):373-383. The HIV/AIDS item is not used:
  the model's training data have no HIV flag.
- ICD-10 codes: Quan H et al. Coding algorithms for defining comorbidities in ICD-9-CM and
  ICD-10 administrative data. Med Care 2005;43(11):1130-1139.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

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

#: Quan et al. 2005 ICD-10 codes for the Charlson conditions. Each entry is a code prefix
#: ("I50" covers I50.x) or an inclusive range of prefixes of equal length.
CHARLSON_ICD10: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "cm_mi": ("I21", "I22", "I25.2"),
        "cm_chf": ("I09.9", "I11.0", "I13.0", "I13.2", "I25.5", "I42.0", "I42.5-I42.9", "I43", "I50", "P29.0"),
        "cm_pvd": ("I70", "I71", "I73.1", "I73.8", "I73.9", "I77.1", "I79.0", "I79.2", "K55.1", "K55.8", "K55.9",
                   "Z95.8", "Z95.9"),
        "cm_cvd": ("G45", "G46", "H34.0", "I60-I69"),
        "cm_dementia": ("F00-F03", "F05.1", "G30", "G31.1"),
        "cm_copd": ("I27.8", "I27.9", "J40-J47", "J60-J67", "J68.4", "J70.1", "J70.3"),
        "cm_connective_tissue": ("M05", "M06", "M31.5", "M32-M34", "M35.1", "M35.3", "M36.0"),
        "cm_peptic_ulcer": ("K25-K28",),
        "cm_liver_mild": ("B18", "K70.0-K70.3", "K70.9", "K71.3-K71.5", "K71.7", "K73", "K74", "K76.0",
                          "K76.2-K76.4", "K76.8", "K76.9", "Z94.4"),
        "cm_liver_severe": ("I85.0", "I85.9", "I86.4", "I98.2", "K70.4", "K71.1", "K72.1", "K72.9", "K76.5",
                            "K76.6", "K76.7"),
        "cm_diabetes": ("E10.0", "E10.1", "E10.6", "E10.8", "E10.9", "E11.0", "E11.1", "E11.6", "E11.8", "E11.9",
                        "E12.0", "E12.1", "E12.6", "E12.8", "E12.9", "E13.0", "E13.1", "E13.6", "E13.8", "E13.9",
                        "E14.0", "E14.1", "E14.6", "E14.8", "E14.9"),
        "cm_diabetes_complicated": ("E10.2-E10.5", "E10.7", "E11.2-E11.5", "E11.7", "E12.2-E12.5", "E12.7",
                                    "E13.2-E13.5", "E13.7", "E14.2-E14.5", "E14.7"),
        "cm_hemiplegia": ("G04.1", "G11.4", "G80.1", "G80.2", "G81", "G82", "G83.0-G83.4", "G83.9"),
        "cm_renal": ("I12.0", "I13.1", "N03.2-N03.7", "N05.2-N05.7", "N18", "N19", "N25.0", "Z49.0-Z49.2",
                     "Z94.0", "Z99.2"),
        "cm_cancer": ("C00-C26", "C30-C34", "C37-C41", "C43", "C45-C58", "C60-C76", "C81-C85", "C88", "C90-C97"),
        "cm_metastatic": ("C77-C80",),
    }
)  # fmt: skip


def _expand(entry: str) -> list[str]:
    """'I42.5-I42.9' -> ['I425', ..., 'I429']; 'I50' -> ['I50']."""
    if "-" not in entry:
        return [entry.replace(".", "")]
    lo, hi = (part.replace(".", "") for part in entry.split("-"))
    p = 0
    while p < len(lo) and not lo[p:].isdigit():
        p += 1
    width = len(lo) - p
    return [lo[:p] + str(k).zfill(width) for k in range(int(lo[p:]), int(hi[p:]) + 1)]


#: ``CHARLSON_ICD10`` with every range expanded: undotted, upper-case prefixes per flag.
ICD10_PREFIXES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    flag: tuple(p for entry in entries for p in _expand(entry)) for flag, entries in CHARLSON_ICD10.items()
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

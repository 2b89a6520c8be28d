"""What the FHIR mapper recognises, as data: classes, statuses, windows, code maps and lab units.

Kept apart from the reading and mapping code so that a site can see (and review) which
codes Lantern accepts without reading Python control flow. The Charlson ICD-10 table is
clinical, not FHIR-specific, and lives in ``core/clinical/charlson.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

INPATIENT_CLASSES = frozenset({"IMP", "ACUTE", "NONAC"})
EMERGENCY_CLASSES = frozenset({"EMER"})
SKIPPED_ENCOUNTER_STATUS = frozenset({"cancelled", "entered-in-error", "planned"})
SKIPPED_PROCEDURE_STATUS = frozenset({"not-done", "entered-in-error", "preparation"})
USED_OBSERVATION_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
SKIPPED_VERIFICATION = frozenset({"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"})
KNOWN_TYPES = frozenset({"Patient", "Encounter", "Condition", "Procedure", "Observation"})

ADMISSIONS_WINDOW = timedelta(days=365)
ED_WINDOW = timedelta(days=183)
LEADING_ED_VISIT = timedelta(hours=24)
LAB_LOOKBACK = timedelta(hours=24)

#: v3 ActPriority code -> admission_type.
PRIORITY_TO_ADMISSION = MappingProxyType(
    {"EM": "emergency", "S": "emergency", "UR": "urgent", "A": "urgent", "EL": "elective", "R": "elective"}
)
#: Encounter.hospitalization.admitSource code -> admission_type.
ADMIT_SOURCE_TO_ADMISSION = MappingProxyType({"emd": "emergency"})

#: SNOMED CT clinical-specialty codes (the FHIR practice-setting value set) -> service.
SERVICE_CODES = MappingProxyType(
    {
        "394802001": "general medicine",
        "394579002": "cardiology",
        "394609007": "surgery",
        "394801008": "orthopaedics",
        "394591006": "neurology",
        "394592004": "oncology",
        "394593009": "oncology",
        "418112009": "respiratory",
    }
)
#: Word stems searched, in this order, in serviceType text and coding display (first match wins).
SERVICE_WORDS: tuple[tuple[str, str], ...] = (
    ("oncol", "oncology"),
    ("orthop", "orthopaedics"),
    ("surg", "surgery"),
    ("cardio", "cardiology"),
    ("cardiac", "cardiology"),
    ("neuro", "neurology"),
    ("stroke", "neurology"),
    ("respir", "respiratory"),
    ("pulmon", "respiratory"),
    ("thoracic medicine", "respiratory"),
    ("chest", "respiratory"),
    ("general medicine", "general medicine"),
    ("internal medicine", "general medicine"),
    ("acute medicine", "general medicine"),
    ("hospital medicine", "general medicine"),
    ("hospitalist", "general medicine"),
    ("geriatric", "general medicine"),
    ("medicine", "general medicine"),
)
#: Encounter.hospitalization.dischargeDisposition code -> discharge_disposition.
DISPOSITION_CODES = MappingProxyType(
    {
        "home": "home",
        "alt-home": "home",
        "snf": "skilled nursing facility",
        "rehab": "rehabilitation",
        "aadvice": "against medical advice",
    }
)

@dataclass(frozen=True)
class Lab:
    """A laboratory feature: its LOINC codes and the factor from each accepted unit to the feature's unit."""

    label: str
    loinc: tuple[str, ...]
    factors: Mapping[str, float]


#: Units are compared in lower case without spaces; UCUM codes and common spellings both work.
LABS: Mapping[str, Lab] = MappingProxyType(
    {
        "hemoglobin_g_dl": Lab("Hemoglobin", ("718-7", "59260-0"),
                               MappingProxyType({"g/dl": 1.0, "g/100ml": 1.0, "g/l": 0.1, "mmol/l": 1.611})),
        "sodium_mmol_l": Lab("Sodium", ("2951-2", "2947-0"),
                             MappingProxyType({"mmol/l": 1.0, "meq/l": 1.0})),
    }
)

#: Features never taken from FHIR by this module (shown as not recorded).
NOT_FROM_FHIR: tuple[str, ...] = ("insurance", "n_medications", "followup_within_7d", "med_reconciliation")

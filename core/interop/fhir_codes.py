"""What the FHIR mapper recognises, as data: classes, statuses, windows, code maps and lab units.

Kept apart from the reading and mapping code so that a site can see (and review) which
codes Lantern accepts without reading Python control flow. The clinical code tables
(Charlson in ICD-10/ICD-9-CM/SNOMED CT, dispositions, encounter classes, admit sources,
priorities, LOINC and UCUM) are not FHIR-specific: they are versioned files in
``core/clinical/terminology/``, read by ``core/clinical/codes.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from core.clinical.codes import Lab, labs

SKIPPED_ENCOUNTER_STATUS = frozenset({"cancelled", "entered-in-error", "planned"})
#: An Encounter in one of these states has not ended, whatever its period says.
OPEN_ENCOUNTER_STATUS = frozenset({"in-progress", "arrived", "triaged", "onleave"})
SKIPPED_PROCEDURE_STATUS = frozenset({"not-done", "entered-in-error", "preparation"})
USED_OBSERVATION_STATUS = frozenset({"final", "amended", "corrected", "preliminary"})
SKIPPED_VERIFICATION = frozenset({"refuted", "entered-in-error", "unconfirmed", "provisional", "differential"})
KNOWN_TYPES = frozenset({"Patient", "Encounter", "Condition", "Procedure", "Observation"})

ADMISSIONS_WINDOW = timedelta(days=365)
ED_WINDOW = timedelta(days=183)
LEADING_ED_VISIT = timedelta(hours=24)
LAB_LOOKBACK = timedelta(hours=24)
#: An emergency Encounter that ends at most this long before the inpatient start (or overlaps it)
#: is taken as the visit that led to the stay: an emergency admission, inferred.
EMERGENCY_LEAD_IN = timedelta(hours=6)

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
#: The lab features with their LOINC codes and UCUM factors, from ``core/clinical/terminology/labs_loinc.json``.
LABS: Mapping[str, Lab] = labs()

#: Features never taken from FHIR by this module (shown as not recorded).
NOT_FROM_FHIR: tuple[str, ...] = ("insurance", "n_medications", "followup_within_7d", "med_reconciliation")

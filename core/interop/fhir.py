"""A FHIR R4 Bundle for one patient -> one row of the default schema, saying where each value came from.

``bundle_to_patient(bundle, schema)`` reads a Bundle (collection, searchset, transaction or
document: only ``entry[].resource`` is used) holding one Patient, the index Encounter, and
that patient's Conditions, Procedures, Observations and earlier Encounters. It returns a
``FhirMapping``: ``values`` (feature -> value, ``None`` = not recorded), ``sources`` (feature
-> the FHIR element it came from), ``missing`` (features left not recorded) and
``warnings`` (plain sentences for the person reading the result). Anything absent or not
understood becomes "not recorded", never an exception; only input that is not a usable
Bundle raises ``FhirError``.

The index Encounter is the one named by ``encounter_id`` (the CDS Hooks
``context.encounterId``), else the inpatient Encounter that started last. Admission is its
``period.start``; discharge its ``period.end``, or ``now`` (with a warning) while the stay
is still open.

Mapping (FHIR path -> feature)
==============================

====================================================  ===========================  ===========================
FHIR                                                   feature                      rule
====================================================  ===========================  ===========================
Patient.birthDate + Encounter.period.end               age                          whole years at discharge
Patient.gender                                         sex                          ``male`` / ``female``; other
                                                                                    values are not recorded
Encounter.period.start / .end                          length_of_stay_days          discharge date - admission
                                                                                    date, in calendar days
Encounter.priority (v3 ActPriority)                    admission_type               ``PRIORITY_TO_ADMISSION``
Encounter.hospitalization.admitSource                  admission_type               ``emd`` -> emergency (used
                                                                                    when priority is absent)
Encounter.serviceType                                  service                      ``SERVICE_CODES``, then the
                                                                                    words in ``SERVICE_WORDS``
Encounter.hospitalization.dischargeDisposition         discharge_disposition        ``DISPOSITION_CODES``
Encounter.diagnosis (rank 1) -> Condition.code         primary_diagnosis            ICD-10 category (3
                                                                                    characters), else ``other``
Condition.code (ICD-10, any edition)                   cm_* flags                   ``CHARLSON_ICD10`` (Quan 2005)
cm_* flags                                             charlson_index               Charlson 1987 weights, each
                                                                                    hierarchy counted once
Procedure (performed in the stay, or .encounter        procedure_during_stay        1 if any, else 0
is the index Encounter)
Observation LOINC 718-7 / 59260-0 .valueQuantity       hemoglobin_g_dl              last result in the stay;
                                                                                    g/L x 0.1, mmol/L x 1.611
Observation LOINC 2951-2 / 2947-0 .valueQuantity       sodium_mmol_l                last result in the stay;
                                                                                    mmol/L = mEq/L
Encounter class IMP/ACUTE/NONAC, start in the 365      admissions_12m               count
days before admission
Encounter class EMER, start in the 183 days before     ed_visits_6m                 count, leaving out the ED
admission                                                                           visit that led to the stay
====================================================  ===========================  ===========================

Not taken from FHIR (always not recorded here): insurance, n_medications,
followup_within_7d, med_reconciliation. A schema without some of the features above
simply does not receive them; features of other schemas are not recorded.

Rules behind the table
----------------------
- "In the stay" for labs is from 24 hours before admission (emergency-department bloods)
  to discharge; results without a time, unit or number, or with a comparator (``<``), are
  skipped with a warning. Statuses other than final/amended/corrected/preliminary are
  skipped.
- An ED visit that started less than 24 hours before admission is taken as the one that
  led to this admission and is not counted (LACE counts ED visits "not the one that led to
  it"). Cancelled, planned and entered-in-error Encounters are never counted.
- Conditions that are refuted, unconfirmed, provisional, differential or entered in error
  are not used; nor are those recorded after discharge. Conditions coded only in other
  systems (e.g. SNOMED CT) cannot be mapped and are reported in a warning. The HIV/AIDS
  item of Charlson is not used: the model's Charlson index, like its training data, has no
  HIV item.
- Absence is only zero when the data were searched. A count or flag is ``0`` when the
  Bundle holds at least one resource of its type (for history: one Encounter besides the
  index one), or when the caller says the type was searched completely (``complete``,
  e.g. ``{"Encounter"}`` when the CDS Hooks prefetch of prior Encounters came back
  empty). Otherwise it is not recorded, because an empty Bundle cannot tell "none" from
  "not sent".
- The Bundle must be about one patient: a second Patient, or a resource whose subject is
  another patient, raises ``FhirError``.

Where the code is
-----------------
``fhir_codes.py`` holds the code maps named above (``PRIORITY_TO_ADMISSION``, ``SERVICE_CODES``,
``DISPOSITION_CODES``, ``LABS``...) as data; ``fhir_read.py`` reads the Bundle (resources,
references, times); ``fhir_encounter.py`` maps the Patient and the index Encounter;
``fhir_clinical.py`` maps Conditions, Procedures, Observations and earlier Encounters;
``fhir_row.py`` collects the row. ``CHARLSON_ICD10`` is in ``core/clinical/charlson.py``.
This module joins them and is the public entry point.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from core.clinical.codes import Lab
from core.data.schema import Schema
from core.interop.fhir_clinical import map_history, map_labs, map_procedure
from core.interop.fhir_codes import LABS, NOT_FROM_FHIR
from core.interop.fhir_conditions import map_comorbidities, map_primary_diagnosis
from core.interop.fhir_encounter import index_encounter, stay_times, sub_encounters
from core.interop.fhir_read import FhirError, check_one_patient, parse_time, read_bundle, search_state, the_patient
from core.interop.fhir_row import FhirMapping, Row
from core.interop.fhir_stay import map_patient, map_stay

__all__ = ("LABS", "NOT_FROM_FHIR", "FhirError", "FhirMapping", "Lab", "bundle_to_patient", "parse_time")

_SEARCHED_TYPES = ("Condition", "Procedure", "Encounter")


def bundle_to_patient(
    bundle_json: dict[str, Any],
    schema: Schema,
    *,
    encounter_id: str | None = None,
    complete: Collection[str] = (),
    now: datetime | None = None,
) -> FhirMapping:
    """Map a FHIR R4 Bundle for one patient to one row of ``schema``; see the module docstring.

    ``encounter_id`` picks the index Encounter; ``complete`` names resource types whose
    search was complete (so that none found means zero); ``now`` stands in for the
    discharge time of a stay that has not ended (default: the current time).
    """
    by_type, ignored = read_bundle(bundle_json)
    patient = the_patient(by_type)
    check_one_patient(by_type, patient)
    row = Row(schema)
    if ignored:
        shown = ", ".join(f"{n} {k}" for k, n in sorted(ignored.items()))
        row.warn(f"Resources Lantern does not use were ignored ({shown}).")
    _searched(bundle_json, complete, row)
    encounters = by_type.get("Encounter", [])
    index = index_encounter(encounters, encounter_id, row)
    parts = sub_encounters(encounters, index)
    admit, discharge = stay_times(index, now, row)
    map_patient(patient.resource, discharge, row)
    conditions = by_type.get("Condition", [])
    map_comorbidities(conditions, discharge, _how(row, "Condition"), row)
    if index is not None:
        map_stay(index, parts, encounters, admit, discharge, row)
        map_primary_diagnosis(index, parts, conditions, row)
    stay = [index, *parts] if index is not None else []
    map_procedure(by_type.get("Procedure", []), stay, admit, discharge, _how(row, "Procedure"), row)
    map_labs(by_type.get("Observation", []), admit, discharge, row)
    prior = [e for e in encounters if e is not index and e not in parts]
    map_history(prior, index, admit, _how(row, "Encounter"), row)
    for name in NOT_FROM_FHIR:
        row.not_recorded(name, "not taken from FHIR by Lantern")
    return row.result()


def _searched(bundle_json: dict[str, Any], complete: Collection[str], row: Row) -> None:
    """Per resource type, whether its search is known complete and how (``row.searched``)."""
    whole, paged = search_state(bundle_json)
    for kind in _SEARCHED_TYPES:
        if kind in paged:
            row.searched[kind] = "incomplete: a searchset with a next link (only its first page was sent)"
            row.warn(f"The {kind} search came with a 'next' link: only its first page was sent, so {kind}s "
                     "that are not in it are not recorded rather than none.")
        elif kind in complete:
            row.searched[kind] = "complete search supplied by the caller"
        elif kind in whole:
            row.searched[kind] = "complete search: a searchset without a next link"
        else:
            row.searched[kind] = "not known to be complete"


def _how(row: Row, kind: str) -> str | None:
    """How the search for ``kind`` is known to be complete, or ``None`` when it is not."""
    how = row.searched.get(kind, "")
    return how if how.startswith("complete") else None

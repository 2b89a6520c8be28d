"""A FHIR R4 Bundle for one patient -> one row of the default schema, saying how each value was read.

``bundle_to_patient(bundle, schema)`` reads a Bundle (collection, searchset, transaction or
document: only ``entry[].resource`` is used) holding one Patient, the index Encounter, and
that patient's Conditions, Procedures, Observations and earlier Encounters. It returns a
``FhirMapping``: ``values`` (feature -> value, ``None`` = not recorded), ``sources`` (feature
-> the FHIR element it came from), ``missing``, ``warnings`` (plain sentences for the reader),
and the provenance: ``status`` per feature (recorded / inferred / absent (complete search) /
not recorded), ``reasons`` for each feature not recorded, ``searched`` (per resource type,
whether and how its search is known complete) and ``index_stay_found``. ``provenance()``
gives all of it as one table. Anything absent or not understood becomes "not recorded" with
its reason, never an exception; only input that is not a usable Bundle raises ``FhirError``.

The rule: every input is read correctly or shown as not recorded with the reason. A code
Lantern does not know is "not recorded", never "no"; no default passes for data.

Index stay (``fhir_encounter.py``)
----------------------------------
The inpatient Encounter (IMP, ACUTE, NONAC in the encounter-class table) that has ended and
started last, not cancelled, planned or entered in error, and not ``partOf`` another inpatient
Encounter. With none (only ambulatory or emergency visits, or an open stay) the mapping says
"No inpatient stay found", ``index_stay_found`` is False and the stay's features (and age, labs)
are not recorded. An Encounter named by ``encounter_id`` (CDS Hooks ``context.encounterId``) is
used when inpatient, even while open (discharge is then ``now``, with a warning). Sub-encounters
(``partOf`` the stay, e.g. German department contacts) give the service and the main diagnosis
when the stay has none, their procedures count, and they are noted; they are never earlier
admissions.

Mapping (FHIR path -> feature; code tables in ``core/clinical/terminology/``)
-----------------------------------------------------------------------------
- age: Patient.birthDate at Encounter.period.end, whole years; sex: Patient.gender.
- length_of_stay_days: calendar days of Encounter.period, in the Encounter's own time zone.
- admission_type: Encounter.priority (v3 ActPriority or NUBC), else hospitalization.admitSource,
  else *inferred* emergency when an emergency Encounter runs into the stay, ends at most 6 h before
  it, or is linked by ``partOf`` (status ``inferred``, the source says from what).
- service: serviceType (SNOMED CT specialty codes, then words) of the stay or its last department.
- discharge_disposition: NUBC UB-04 or HL7 codes; a destination the model has no level for
  (transfer, death, hospice) is not recorded with that reason.
- primary_diagnosis: ICD-10 category of the rank-1 diagnosis (any edition), else ``other``.
- cm_* and charlson_index: see ``fhir_conditions.py`` (any known coding, ICD-10/ICD-9-CM/SNOMED CT).
- procedure_during_stay: a Procedure of the stay or its sub-encounters, or performed during it.
- hemoglobin_g_dl, sodium_mmol_l: the last result by LOINC from 24 h before admission to discharge,
  converted with the UCUM factors; older or later results are not used (with the count).
- admissions_12m / ed_visits_6m: inpatient Encounters starting in the 365 days, emergency ones in
  the 183 days before admission (not the ED visit that led to the stay, nor sub-encounters).

Not taken from FHIR (always not recorded here): insurance, n_medications,
followup_within_7d, med_reconciliation.

Absence is data only after a complete search
--------------------------------------------
A 0 for a comorbidity, "no procedure" or a visit count is given only when that resource type
was searched completely: the caller says so (``complete``, e.g. a CDS Hooks prefetch), or the
Bundle is itself an unpaginated ``searchset`` of it. A searchset with a ``next`` link is never
complete, whatever ``complete`` says. Otherwise only what is present is recorded (a heart
failure Condition gives cm_chf = 1) and the rest is not recorded, saying so. ``searched`` in
the result tells which applied. A Bundle with a second Patient, or a resource about another
patient, raises ``FhirError``.
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

"""FHIR Patient and index Encounter -> age, sex, length of stay, admission type, service, disposition.

Which Encounter is the stay being scored, when it started and ended, and the fields read
from it; see the mapping table in ``core/interop/fhir.py``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.interop.fhir_codes import (
    ADMIT_SOURCE_TO_ADMISSION,
    DISPOSITION_CODES,
    INPATIENT_CLASSES,
    PRIORITY_TO_ADMISSION,
    SERVICE_CODES,
    SERVICE_WORDS,
    SKIPPED_ENCOUNTER_STATUS,
)
from core.interop.fhir_read import (
    FhirError,
    Item,
    codes_of,
    encounter_class,
    parse_time,
    period_of,
    refers_to,
    status_code,
    texts_of,
)
from core.interop.fhir_row import Row


def index_encounter(encounters: list[Item], encounter_id: str | None, row: Row) -> Item | None:
    """The stay being scored: the Encounter named by ``encounter_id``, else the inpatient one that started last."""
    if encounter_id:
        for e in encounters:
            if e.rid == encounter_id or refers_to(encounter_id, "Encounter", e.rid, e.full_url):
                return e
        raise FhirError(
            f"The Bundle has no Encounter with id '{encounter_id}' (the encounter being scored); "
            "include it, e.g. as the 'encounter' prefetch."
        )
    usable = [e for e in encounters if status_code(e.resource) not in SKIPPED_ENCOUNTER_STATUS]
    inpatient = [e for e in usable if encounter_class(e.resource) in INPATIENT_CLASSES]
    if not inpatient:
        if encounters:
            row.warn("No inpatient Encounter (class IMP) in the Bundle, so there is no stay to score: "
                     "length of stay, admission type, service and the stay's labs are not recorded.")
        else:
            row.warn("The Bundle has no Encounter: length of stay, admission type, service and the stay's labs "
                     "are not recorded.")
        return None
    far_past = datetime.min.replace(tzinfo=UTC)
    return max(inpatient, key=lambda e: period_of(e.resource)[0] or far_past)


def stay_times(index: Item | None, now: datetime | None, row: Row) -> tuple[datetime | None, datetime | None]:
    """Admission and discharge times of the index stay; an open stay ends ``now``, with a warning."""
    if index is None:
        return None, None
    admit, discharge = period_of(index.resource)
    if admit is None:
        row.warn("The Encounter has no period.start, so length of stay and the prior-visit counts are not recorded.")
    if discharge is None:
        discharge = now or datetime.now(UTC)
        row.warn(f"The Encounter has no end yet; discharge is taken as {discharge.date().isoformat()} "
                 "for age, length of stay and the labs.")
    return admit, discharge


def map_patient(patient: dict[str, Any], discharge: datetime | None, row: Row) -> None:
    """Sex from Patient.gender and age in whole years at discharge from Patient.birthDate."""
    if patient.get("deceasedBoolean") is True or patient.get("deceasedDateTime"):
        row.warn("The Patient is recorded as deceased; a readmission risk does not apply.")
    gender = patient.get("gender")
    if isinstance(gender, str) and gender:
        if row.wants("sex") and gender.lower() not in row.schema.feature("sex").categories:
            row.warn(f"Patient.gender is '{gender}', which the model has no category for; sex is not recorded.")
        else:
            row.set("sex", gender.lower(), "Patient.gender")
    birth_text = patient.get("birthDate")
    birth = parse_time(birth_text)
    if birth is None:
        return
    on = discharge.date() if discharge is not None else None
    if on is None:
        row.warn("Age is not recorded: there is no Encounter to date the discharge.")
        return
    born = _local_date(birth_text) or birth.date()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < 0:
        row.warn("Patient.birthDate is after the discharge date; age is not recorded.")
        return
    if isinstance(birth_text, str) and len(birth_text.strip()) < 10:
        row.warn("Patient.birthDate has no full date, so age may be a year too high.")
    row.set("age", age, "Patient.birthDate, Encounter.period.end")


def _local_date(text: object) -> date | None:
    """The calendar date as written (a dateTime's own local date, not converted to UTC)."""
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def map_encounter(enc: dict[str, Any], admit: datetime | None, discharge: datetime | None, row: Row) -> None:
    """Length of stay, admission type, service and discharge disposition from the index Encounter."""
    period = enc.get("period") if isinstance(enc.get("period"), dict) else {}
    if admit is not None and discharge is not None:
        start_day = _local_date(period.get("start")) or admit.date()
        end_day = _local_date(period.get("end")) or discharge.date()
        days = (end_day - start_day).days
        if days < 0:
            row.warn("The Encounter ends before it starts; length of stay is not recorded.")
        else:
            row.set("length_of_stay_days", days, "Encounter.period")
    _admission_type(enc, row)
    if row.wants("service"):
        _service(enc.get("serviceType"), row)
    hosp = enc.get("hospitalization") if isinstance(enc.get("hospitalization"), dict) else {}
    disposition = hosp.get("dischargeDisposition")
    if disposition and row.wants("discharge_disposition"):
        _disposition(disposition, row)


def _disposition(disposition: object, row: Row) -> None:
    """By code (``DISPOSITION_CODES``), else by a text equal to one of the model's categories."""
    found = next((DISPOSITION_CODES[c.lower()] for c in codes_of(disposition) if c.lower() in DISPOSITION_CODES),
                 None)
    if found is None:
        categories = row.schema.feature("discharge_disposition").categories
        found = next((c for t in texts_of(disposition) for c in categories if t.strip().lower() == c), None)
    if found is None:
        shown = ", ".join(codes_of(disposition) + texts_of(disposition))
        row.warn(f"Encounter.hospitalization.dischargeDisposition ({shown}) is not one the model knows; "
                 "discharge disposition is not recorded.")
    row.set("discharge_disposition", found, "Encounter.hospitalization.dischargeDisposition")


def _admission_type(enc: dict[str, Any], row: Row) -> None:
    """Admission type from Encounter.priority, else from an emergency-department admitSource."""
    by_priority = next((PRIORITY_TO_ADMISSION[c.upper()] for c in codes_of(enc.get("priority"))
                        if c.upper() in PRIORITY_TO_ADMISSION), None)
    hosp = enc.get("hospitalization") if isinstance(enc.get("hospitalization"), dict) else {}
    sources = [c.lower() for c in codes_of(hosp.get("admitSource"))]
    by_source = next((ADMIT_SOURCE_TO_ADMISSION[c] for c in sources if c in ADMIT_SOURCE_TO_ADMISSION), None)
    if by_priority:
        if by_source and by_source != by_priority:
            row.warn(f"Encounter.priority says {by_priority} but the admission came from the emergency department; "
                     "the priority is used.")
        row.set("admission_type", by_priority, "Encounter.priority")
    elif by_source:
        row.set("admission_type", by_source, "Encounter.hospitalization.admitSource")


def _service(concept: object, row: Row) -> None:
    """Service from the SNOMED CT specialty code, else from words in the text or display."""
    if not concept:
        return
    found = next((SERVICE_CODES[c] for c in codes_of(concept, "snomed") if c in SERVICE_CODES), None)
    texts = [t.lower() for t in texts_of(concept)]
    if found is None:
        found = next((svc for word, svc in SERVICE_WORDS for t in texts if word in t), None)
    if found is None:
        shown = ", ".join(texts_of(concept) or codes_of(concept)) or "no text"
        row.warn(f"Encounter.serviceType ({shown}) is not one of the model's services; service is not recorded.")
        return
    row.set("service", found, "Encounter.serviceType")

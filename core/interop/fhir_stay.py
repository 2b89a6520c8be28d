"""FHIR Patient and the index stay -> age, sex, length of stay, admission type, service, disposition.

Codes are looked up in the terminology tables (``core/clinical/codes.py``): admission
priority (HL7 v3 ActPriority or NUBC), admit source, and discharge disposition (NUBC UB-04
or HL7). When the stay has neither a priority nor an admit source that says how it began,
an emergency admission is inferred from the encounter chain (an emergency Encounter running
into the stay or ending shortly before it, or linked by ``partOf``) and marked ``inferred``.
The service comes from the stay's serviceType, else from its department sub-encounters.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.clinical import codes
from core.interop.fhir_codes import SERVICE_CODES, SERVICE_WORDS
from core.interop.fhir_encounter import lead_in
from core.interop.fhir_read import Item, codes_of, codings, parse_time, plural, texts_of
from core.interop.fhir_row import INFERRED, Row


def map_patient(patient: dict[str, Any], discharge: datetime | None, row: Row) -> None:
    """Sex from Patient.gender and age in whole years at discharge from Patient.birthDate."""
    if patient.get("deceasedBoolean") is True or patient.get("deceasedDateTime"):
        row.warn("The Patient is recorded as deceased; a readmission risk does not apply.")
        row.deceased = True
    gender = patient.get("gender")
    if isinstance(gender, str) and gender:
        if row.wants("sex") and gender.lower() not in row.schema.feature("sex").categories:
            row.warn(f"Patient.gender is '{gender}', which the model has no category for; sex is not recorded.")
            row.not_recorded("sex", f"Patient.gender '{gender}' has no category in the model")
        else:
            row.set("sex", gender.lower(), "Patient.gender")
    birth_text = patient.get("birthDate")
    birth = parse_time(birth_text)
    if birth is None:
        row.not_recorded("age", "Patient.birthDate is absent or unreadable")
        return
    if discharge is None:
        row.warn("Age is not recorded: there is no inpatient stay to date the discharge.")
        row.not_recorded("age", "no inpatient stay to date the discharge")
        return
    on = discharge.date()
    born = local_date(birth_text) or birth.date()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < 0:
        row.warn("Patient.birthDate is after the discharge date; age is not recorded.")
        row.not_recorded("age", "Patient.birthDate is after the discharge date")
        return
    if isinstance(birth_text, str) and len(birth_text.strip()) < 10:
        row.warn("Patient.birthDate has no full date, so age may be a year too high.")
    row.set("age", age, "Patient.birthDate, Encounter.period.end")


def local_date(text: object) -> date | None:
    """The calendar date as written (a dateTime's own local date, not converted to UTC)."""
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None


def map_stay(index: Item, parts: list[Item], encounters: list[Item], admit: datetime | None,
             discharge: datetime | None, row: Row) -> None:
    """Length of stay, admission type, service and discharge disposition from the index stay."""
    enc = index.resource
    period = enc.get("period") if isinstance(enc.get("period"), dict) else {}
    if admit is not None and discharge is not None:
        days = ((local_date(period.get("end")) or discharge.date())
                - (local_date(period.get("start")) or admit.date())).days
        if days < 0:
            row.warn("The Encounter ends before it starts; length of stay is not recorded.")
            row.not_recorded("length_of_stay_days", "the Encounter ends before it starts")
        else:
            row.set("length_of_stay_days", days, "Encounter.period")
    else:
        row.not_recorded("length_of_stay_days", "the Encounter has no period.start")
    if row.wants("admission_type"):
        _admission_type(index, encounters, admit, row)
    if row.wants("service"):
        _service(enc, parts, row)
    if parts:
        row.warn(f"{plural(len(parts), 'sub-encounter')} of the stay (partOf, e.g. department contacts) "
                 "were read for the service and the diagnoses.")
    if row.wants("discharge_disposition"):
        _disposition(enc, row)


def _first(concept: object, lookup: Any) -> codes.AdmissionCode | None:
    """The first coding of ``concept`` that ``lookup(code, system)`` knows and that implies an admission type."""
    for coding in codings(concept):
        found = lookup(coding.get("code"), coding.get("system"))
        if found is not None and found.admission_type:
            return found
    return None


def _admission_type(index: Item, encounters: list[Item], admit: datetime | None, row: Row) -> None:
    """Admission type from Encounter.priority, else admitSource, else inferred from an emergency lead-in."""
    enc = index.resource
    hosp = enc.get("hospitalization") if isinstance(enc.get("hospitalization"), dict) else {}
    by_priority = _first(enc.get("priority"), codes.admission_priority)
    by_source = _first(hosp.get("admitSource"), lambda code, _system: codes.admit_source(code))
    if by_priority:
        if by_source and by_source.admission_type != by_priority.admission_type:
            row.warn(f"Encounter.priority says {by_priority.admission_type} but the admit source says "
                     f"{by_source.admission_type}; the priority is used.")
        row.set("admission_type", by_priority.admission_type, "Encounter.priority")
        return
    if by_source:
        row.set("admission_type", by_source.admission_type, "Encounter.hospitalization.admitSource")
        return
    led = lead_in(encounters, index, admit)
    if led is not None:
        row.set("admission_type", "emergency",
                f"inferred from the emergency Encounter {led[1]} (no priority or admitSource)", INFERRED)
        return
    row.not_recorded("admission_type", "the stay has no priority or admitSource that says how it began, "
                                       "and no emergency Encounter led into it")


def _service_of(concept: object) -> str | None:
    """Service from the SNOMED CT specialty code, else from words in the text or display."""
    found = next((SERVICE_CODES[c] for c in codes_of(concept, "snomed") if c in SERVICE_CODES), None)
    texts = [t.lower() for t in texts_of(concept)]
    return found or next((svc for word, svc in SERVICE_WORDS for t in texts if word in t), None)


def _service(enc: dict[str, Any], parts: list[Item], row: Row) -> None:
    """The stay's service; from the department sub-encounter that ended last when the stay has none."""
    concept, source = enc.get("serviceType"), "Encounter.serviceType"
    if not concept:
        dated = [(p.period[1] or p.period[0], i, p) for i, p in enumerate(parts)
                 if p.resource.get("serviceType")]
        if dated:
            last = max(dated, key=lambda t: (t[0] is not None, t[0] or datetime.min, t[1]))[2]
            concept, source = last.resource["serviceType"], "Encounter.serviceType of the last department " \
                                                             "sub-encounter (partOf the stay)"
    if not concept:
        row.not_recorded("service", "the stay and its sub-encounters have no serviceType")
        return
    found = _service_of(concept)
    if found is None:
        shown = ", ".join(texts_of(concept) or codes_of(concept)) or "no text"
        row.warn(f"Encounter.serviceType ({shown}) is not one of the model's services; service is not recorded.")
        row.not_recorded("service", "the serviceType is not one of the model's services")
        return
    row.set("service", found, source)


def _disposition(enc: dict[str, Any], row: Row) -> None:
    """By code (NUBC or HL7 table), else by a text equal to one of the model's categories."""
    hosp = enc.get("hospitalization") if isinstance(enc.get("hospitalization"), dict) else {}
    concept = hosp.get("dischargeDisposition")
    if not concept:
        row.not_recorded("discharge_disposition", "the Encounter has no dischargeDisposition")
        return
    known = [d for c in codings(concept) if (d := codes.disposition(c.get("code"), c.get("system"))) is not None]
    with_level = next((d for d in known if d.level), None)
    if with_level is not None:
        system = "NUBC" if with_level.system == "nubc" else "HL7"
        row.set("discharge_disposition", with_level.level,
                f"Encounter.hospitalization.dischargeDisposition ({system} {with_level.code})")
        return
    categories = row.schema.feature("discharge_disposition").categories
    by_text = next((c for t in texts_of(concept) for c in categories if t.strip().lower() == c), None)
    if by_text is not None and not known:
        row.set("discharge_disposition", by_text, "Encounter.hospitalization.dischargeDisposition (text)")
        return
    if known:
        why = f"'{known[0].label}' has no level in the model"
    else:
        why = f"({', '.join(codes_of(concept) + texts_of(concept))}) is not a code Lantern knows"
    row.warn(f"Encounter.hospitalization.dischargeDisposition {why}; discharge disposition is not recorded.")
    row.not_recorded("discharge_disposition", f"the discharge disposition {why}")

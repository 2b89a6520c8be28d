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
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from core.clinical.charlson import COMORBIDITIES, charlson_flags, charlson_index
from core.data.schema import OTHER_LEVEL, Schema

# ---- configuration as data ------------------------------------------------------------------

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


class FhirError(ValueError):
    """Input that is not a usable FHIR Bundle for one patient, worded for the sender."""


@dataclass
class FhirMapping:
    """One schema row from FHIR: the values, where each came from, what is missing and why."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---- small readers -------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_YEARS = (1800, 2999)  # dates outside are typing errors (and would overflow the window arithmetic)


def parse_time(value: object) -> datetime | None:
    """A FHIR date or dateTime -> an aware datetime (dates and partial dates at midnight UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    m = _DATE.match(text)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
        try:
            moment = datetime(y, mo, d, tzinfo=UTC)
        except ValueError:
            return None
    else:
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment if _YEARS[0] <= moment.year <= _YEARS[1] else None


def _codings(concept: object) -> list[dict[str, Any]]:
    """Codings of a CodeableConcept, a Coding, a CodeableReference or a list of any of them."""
    if isinstance(concept, list):
        return [c for item in concept for c in _codings(item)]
    if not isinstance(concept, dict):
        return []
    if "concept" in concept:
        return _codings(concept["concept"])
    if "coding" in concept:
        return [c for c in _list(concept.get("coding")) if isinstance(c, dict)]
    return [concept] if "code" in concept else []


def _list(value: object) -> list[Any]:
    """A FHIR array, or nothing when the element is absent or not an array."""
    return value if isinstance(value, list) else []


def _texts(concept: object) -> list[str]:
    """Every human-readable text of a CodeableConcept (text, then each coding's display)."""
    if isinstance(concept, list):
        return [t for item in concept for t in _texts(item)]
    if not isinstance(concept, dict):
        return []
    if "concept" in concept:
        return _texts(concept["concept"])
    out = [concept["text"]] if isinstance(concept.get("text"), str) else []
    out += [c["display"] for c in _codings(concept) if isinstance(c.get("display"), str)]
    return out


def _codes(concept: object, system_part: str | None = None) -> list[str]:
    return [
        str(c["code"]) for c in _codings(concept)
        if c.get("code") is not None and (system_part is None or system_part in str(c.get("system", "")).lower())
    ]


def _status(resource: dict[str, Any], key: str = "status") -> str:
    value = resource.get(key)
    if isinstance(value, dict):  # Condition.clinicalStatus / verificationStatus are CodeableConcepts
        codes = _codes(value)
        return codes[0].lower() if codes else ""
    return str(value).lower() if isinstance(value, str) else ""


def _encounter_class(encounter: dict[str, Any]) -> str:
    codes = _codes(encounter.get("class"))
    return codes[0].upper() if codes else ""


def _period(resource: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    period = resource.get("period") if isinstance(resource.get("period"), dict) else {}
    return parse_time(period.get("start")), parse_time(period.get("end"))


def _reference(value: object) -> str:
    if isinstance(value, dict):
        value = value.get("reference")
    return value.strip() if isinstance(value, str) else ""


def _refers_to(reference: str, resource_type: str, rid: str | None, full_url: str | None) -> bool:
    if not reference:
        return False
    if full_url and reference == full_url:
        return True
    return bool(rid) and (reference == f"{resource_type}/{rid}" or reference.endswith(f"/{resource_type}/{rid}"))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# ---- the Bundle ------------------------------------------------------------------------------

@dataclass
class _Item:
    resource: dict[str, Any]
    full_url: str | None

    @property
    def rid(self) -> str | None:
        rid = self.resource.get("id")
        return str(rid) if rid is not None else None

    @property
    def kind(self) -> str:
        return str(self.resource.get("resourceType"))


def _read_bundle(bundle_json: object) -> tuple[dict[str, list[_Item]], dict[str, int]]:
    """Resources by type (each once) and counts of ignored types; refuses anything but a Bundle."""
    if not isinstance(bundle_json, dict):
        kind = "a list" if isinstance(bundle_json, list) else f"a {type(bundle_json).__name__}"
        raise FhirError(f"Expected a FHIR Bundle (a JSON object with resourceType 'Bundle') but got {kind}.")
    kind = bundle_json.get("resourceType")
    if kind != "Bundle":
        shown = f"a FHIR {kind} resource" if isinstance(kind, str) and kind else "a JSON object without resourceType"
        raise FhirError(
            f"Expected a FHIR Bundle but got {shown}. Send a Bundle whose entries hold the Patient, the Encounter "
            "and the patient's Conditions, Procedures, Observations and earlier Encounters."
        )
    by_type: dict[str, list[_Item]] = {}
    ignored: dict[str, int] = {}
    _collect(bundle_json, by_type, ignored, set())
    return by_type, ignored


def _collect(bundle: dict[str, Any], by_type: dict[str, list[_Item]], ignored: dict[str, int],
             seen: set[tuple[str, str]]) -> None:
    entries = bundle.get("entry")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise FhirError("The Bundle's 'entry' is not a list; it should be a list of {\"resource\": {...}} objects.")
    for i, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise FhirError(f"Bundle entry {i} has no resource with a resourceType; every entry needs one.")
        item = _Item(resource, entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None)
        if item.kind == "Bundle":  # a searchset nested in a collection: read its entries too
            _collect(resource, by_type, ignored, seen)
            continue
        key = (item.kind, item.rid or f"#{id(resource)}")
        if key in seen:  # the same resource from two searches (e.g. the index Encounter twice)
            continue
        seen.add(key)
        if item.kind in KNOWN_TYPES:
            by_type.setdefault(item.kind, []).append(item)
        else:
            ignored[item.kind] = ignored.get(item.kind, 0) + 1


def _the_patient(by_type: dict[str, list[_Item]]) -> _Item:
    patients = by_type.get("Patient", [])
    if not patients:
        present = ", ".join(sorted(by_type)) or "no resources Lantern uses"
        raise FhirError(f"The Bundle has no Patient resource (it holds {present}); Lantern needs the Patient.")
    if len({p.rid or p.full_url or str(i) for i, p in enumerate(patients)}) > 1:
        raise FhirError(
            f"The Bundle holds {len(patients)} different Patient resources; send one Bundle per patient."
        )
    return patients[0]


def _check_one_patient(by_type: dict[str, list[_Item]], patient: _Item) -> None:
    for kind in ("Encounter", "Condition", "Procedure", "Observation"):
        for item in by_type.get(kind, []):
            ref = _reference(item.resource.get("subject") or item.resource.get("patient"))
            if not ref or _refers_to(ref, "Patient", patient.rid, patient.full_url):
                continue
            other_patient = "Patient/" in ref or (ref.startswith("urn:") and patient.full_url is not None)
            if other_patient:
                raise FhirError(
                    f"The Bundle mixes patients: a {kind} refers to {ref}, not to the Bundle's Patient. "
                    "Send one Bundle per patient."
                )


# ---- the mapping -----------------------------------------------------------------------------

class _Row:
    """Collects values for the features the schema has, with their sources and the warnings."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.names = set(schema.names)
        self.values: dict[str, Any] = {n: None for n in schema.names}
        self.sources: dict[str, str] = {}
        self.warnings: list[str] = []

    def wants(self, name: str) -> bool:
        return name in self.names

    def set(self, name: str, value: Any, source: str) -> None:
        if name not in self.names or value is None:
            return
        spec = self.schema.feature(name)
        if spec.kind == "categorical" and spec.categories and value not in spec.categories:
            self.warn(f"{spec.display_label}: '{value}' is not one of the model's categories; not recorded.")
            return
        self.values[name] = value
        self.sources[name] = source

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def result(self) -> FhirMapping:
        missing = [n for n in self.schema.names if self.values[n] is None]
        return FhirMapping(dict(self.values), dict(self.sources), missing, list(self.warnings))


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
    by_type, ignored = _read_bundle(bundle_json)
    patient = _the_patient(by_type)
    _check_one_patient(by_type, patient)
    row = _Row(schema)
    if ignored:
        shown = ", ".join(f"{n} {k}" for k, n in sorted(ignored.items()))
        row.warn(f"Resources Lantern does not use were ignored ({shown}).")
    encounters = by_type.get("Encounter", [])
    index = _index_encounter(encounters, encounter_id, row)
    admit, discharge = _stay(index, now, row)
    _patient_fields(patient.resource, discharge, row)
    if index is not None:
        _encounter_fields(index.resource, admit, discharge, row)
    conditions = by_type.get("Condition", [])
    _comorbidities(conditions, discharge, "Condition" in complete, row)
    if index is not None:
        _primary_diagnosis(index.resource, conditions, row)
    _procedures(by_type.get("Procedure", []), index, admit, discharge, "Procedure" in complete, row)
    _labs(by_type.get("Observation", []), admit, discharge, row)
    prior = [e for e in encounters if e is not index]
    _history(prior, index, admit, "Encounter" in complete, row)
    return row.result()


def _index_encounter(encounters: list[_Item], encounter_id: str | None, row: _Row) -> _Item | None:
    if encounter_id:
        for e in encounters:
            if e.rid == encounter_id or _refers_to(encounter_id, "Encounter", e.rid, e.full_url):
                return e
        raise FhirError(
            f"The Bundle has no Encounter with id '{encounter_id}' (the encounter being scored); "
            "include it, e.g. as the 'encounter' prefetch."
        )
    usable = [e for e in encounters if _status(e.resource) not in SKIPPED_ENCOUNTER_STATUS]
    inpatient = [e for e in usable if _encounter_class(e.resource) in INPATIENT_CLASSES]
    if not inpatient:
        if encounters:
            row.warn("No inpatient Encounter (class IMP) in the Bundle, so there is no stay to score: "
                     "length of stay, admission type, service and the stay's labs are not recorded.")
        else:
            row.warn("The Bundle has no Encounter: length of stay, admission type, service and the stay's labs "
                     "are not recorded.")
        return None
    far_past = datetime.min.replace(tzinfo=UTC)
    return max(inpatient, key=lambda e: _period(e.resource)[0] or far_past)


def _stay(index: _Item | None, now: datetime | None, row: _Row) -> tuple[datetime | None, datetime | None]:
    if index is None:
        return None, None
    admit, discharge = _period(index.resource)
    if admit is None:
        row.warn("The Encounter has no period.start, so length of stay and the prior-visit counts are not recorded.")
    if discharge is None:
        discharge = now or datetime.now(UTC)
        row.warn(f"The Encounter has no end yet; discharge is taken as {discharge.date().isoformat()} "
                 "for age, length of stay and the labs.")
    return admit, discharge


def _patient_fields(patient: dict[str, Any], discharge: datetime | None, row: _Row) -> None:
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


def _encounter_fields(enc: dict[str, Any], admit: datetime | None, discharge: datetime | None, row: _Row) -> None:
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
        found = next((DISPOSITION_CODES[c.lower()] for c in _codes(disposition) if c.lower() in DISPOSITION_CODES),
                     None)
        if found is None:
            found = next((c for t in _texts(disposition) for c in row.schema.feature("discharge_disposition").categories
                          if t.strip().lower() == c), None)
        if found is None:
            shown = ", ".join(_codes(disposition) + _texts(disposition))
            row.warn(f"Encounter.hospitalization.dischargeDisposition ({shown}) is not one the model knows; "
                     "discharge disposition is not recorded.")
        row.set("discharge_disposition", found, "Encounter.hospitalization.dischargeDisposition")


def _admission_type(enc: dict[str, Any], row: _Row) -> None:
    by_priority = next((PRIORITY_TO_ADMISSION[c.upper()] for c in _codes(enc.get("priority"))
                        if c.upper() in PRIORITY_TO_ADMISSION), None)
    hosp = enc.get("hospitalization") if isinstance(enc.get("hospitalization"), dict) else {}
    sources = [c.lower() for c in _codes(hosp.get("admitSource"))]
    by_source = next((ADMIT_SOURCE_TO_ADMISSION[c] for c in sources if c in ADMIT_SOURCE_TO_ADMISSION), None)
    if by_priority:
        if by_source and by_source != by_priority:
            row.warn(f"Encounter.priority says {by_priority} but the admission came from the emergency department; "
                     "the priority is used.")
        row.set("admission_type", by_priority, "Encounter.priority")
    elif by_source:
        row.set("admission_type", by_source, "Encounter.hospitalization.admitSource")


def _service(concept: object, row: _Row) -> None:
    if not concept:
        return
    found = next((SERVICE_CODES[c] for c in _codes(concept, "snomed") if c in SERVICE_CODES), None)
    texts = [t.lower() for t in _texts(concept)]
    if found is None:
        found = next((svc for word, svc in SERVICE_WORDS for t in texts if word in t), None)
    if found is None:
        shown = ", ".join(_texts(concept) or _codes(concept)) or "no text"
        row.warn(f"Encounter.serviceType ({shown}) is not one of the model's services; service is not recorded.")
        return
    row.set("service", found, "Encounter.serviceType")


def _icd10(resource: dict[str, Any]) -> list[str]:
    return _codes(resource.get("code"), "icd-10") + _codes(resource.get("code"), "icd10")


def _comorbidities(conditions: list[_Item], discharge: datetime | None, complete: bool, row: _Row) -> None:
    wanted = [f for f in COMORBIDITIES if row.wants(f)]
    if not wanted and not row.wants("charlson_index"):
        return
    if not conditions and not complete:
        row.warn("The Bundle has no Conditions, so comorbidities and the Charlson index are not recorded.")
        return
    codes: list[str] = []
    uncoded = 0
    for item in conditions:
        res = item.resource
        if _status(res, "verificationStatus") in SKIPPED_VERIFICATION:
            continue
        when = parse_time(res.get("recordedDate")) or parse_time(res.get("onsetDateTime"))
        if discharge is not None and when is not None and when > discharge:
            continue
        icd = _icd10(res)
        if icd:
            codes += icd
        else:
            uncoded += 1
    if uncoded:
        row.warn(f"{_plural(uncoded, 'Condition')} without an ICD-10 code (e.g. SNOMED CT only) could not be "
                 "used for the comorbidity flags.")
    flags = charlson_flags(codes)
    for f in wanted:
        row.set(f, flags[f], "Condition.code (ICD-10, Quan 2005)")
    row.set("charlson_index", charlson_index(flags), "Condition.code (ICD-10), Charlson 1987 weights")


def _primary_diagnosis(enc: dict[str, Any], conditions: list[_Item], row: _Row) -> None:
    if not row.wants("primary_diagnosis"):
        return
    diagnoses = [d for d in _list(enc.get("diagnosis")) if isinstance(d, dict)]
    if not diagnoses:
        return
    first = min(diagnoses, key=lambda d: d.get("rank") if isinstance(d.get("rank"), int) else 10**6)
    ref = _reference(first.get("condition"))
    condition = next((c for c in conditions if _refers_to(ref, "Condition", c.rid, c.full_url)), None)
    if condition is None:
        row.warn("The Encounter's main diagnosis refers to a Condition that is not in the Bundle; "
                 "primary diagnosis is not recorded.")
        return
    icd = _icd10(condition.resource)
    if not icd:
        row.warn("The Encounter's main diagnosis has no ICD-10 code; primary diagnosis is not recorded.")
        return
    group = icd[0].replace(".", "").strip().upper()[:3]
    categories = row.schema.feature("primary_diagnosis").categories
    if group not in categories and OTHER_LEVEL in categories:
        group = OTHER_LEVEL  # the model groups rare diagnoses as 'other'
    row.set("primary_diagnosis", group, "Encounter.diagnosis -> Condition.code")


def _procedures(
    procedures: list[_Item], index: _Item | None, admit: datetime | None, discharge: datetime | None,
    complete: bool, row: _Row,
) -> None:
    if not row.wants("procedure_during_stay"):
        return
    if index is None:
        return
    if not procedures and not complete:
        row.warn("The Bundle has no Procedures, so 'procedure during the stay' is not recorded.")
        return
    any_in_stay = False
    for item in procedures:
        res = item.resource
        if _status(res) in SKIPPED_PROCEDURE_STATUS:
            continue
        if _refers_to(_reference(res.get("encounter")), "Encounter", index.rid, index.full_url):
            any_in_stay = True
            break
        performed = res.get("performedPeriod") if isinstance(res.get("performedPeriod"), dict) else {}
        when = parse_time(res.get("performedDateTime")) or parse_time(performed.get("start")) or \
            parse_time(res.get("occurrenceDateTime"))
        if when is not None and admit is not None and discharge is not None and admit <= when <= discharge:
            any_in_stay = True
            break
    row.set("procedure_during_stay", int(any_in_stay), "Procedure (performed during the stay)")


def _observation_time(res: dict[str, Any]) -> datetime | None:
    period = res.get("effectivePeriod") if isinstance(res.get("effectivePeriod"), dict) else {}
    return (parse_time(res.get("effectiveDateTime")) or parse_time(res.get("effectiveInstant"))
            or parse_time(period.get("end")) or parse_time(period.get("start")) or parse_time(res.get("issued")))


def _quantities(res: dict[str, Any], loinc: tuple[str, ...]) -> list[dict[str, Any]]:
    """valueQuantity of the Observation (and of its components) coded with one of the LOINC codes."""
    out = []
    if set(_codes(res.get("code"), "loinc")) & set(loinc) and isinstance(res.get("valueQuantity"), dict):
        out.append(res["valueQuantity"])
    for comp in _list(res.get("component")):
        if isinstance(comp, dict) and set(_codes(comp.get("code"), "loinc")) & set(loinc) \
                and isinstance(comp.get("valueQuantity"), dict):
            out.append(comp["valueQuantity"])
    return out


def _labs(observations: list[_Item], admit: datetime | None, discharge: datetime | None, row: _Row) -> None:
    start = admit - LAB_LOOKBACK if admit is not None else None
    for name, lab in LABS.items():
        if not row.wants(name):
            continue
        best: tuple[datetime, float, str] | None = None
        skipped: list[str] = []
        outside = 0
        for item in observations:
            res = item.resource
            for q in _quantities(res, lab.loinc):
                if _status(res) not in USED_OBSERVATION_STATUS:
                    continue
                when = _observation_time(res)
                if when is None:
                    skipped.append("a result without a time")
                    continue
                if (discharge is not None and when > discharge) or (start is not None and when < start):
                    outside += 1
                    continue
                value = q.get("value")
                if isinstance(value, bool) or not isinstance(value, int | float):
                    skipped.append("a result without a number")
                    continue
                if q.get("comparator"):
                    skipped.append(f"a result reported as '{q['comparator']}{value}'")
                    continue
                unit = str(q.get("code") or q.get("unit") or "").replace(" ", "").lower()
                if unit not in lab.factors:
                    skipped.append(f"a result in an unknown unit ('{q.get('code') or q.get('unit') or 'none'}')")
                    continue
                if abs(value) > 1e9:
                    skipped.append("a result with an absurd number")
                    continue
                if best is None or when > best[0]:
                    best = (when, float(value) * lab.factors[unit], str(q.get("code") or q.get("unit")))
        for why in dict.fromkeys(skipped):
            row.warn(f"{lab.label}: {why} was skipped.")
        if best is None:
            if outside:
                row.warn(f"{lab.label}: no result during this stay ({_plural(outside, 'result')} from other times "
                         "ignored); not recorded.")
            continue
        if discharge is None:
            row.warn(f"{lab.label}: there is no Encounter, so the latest result was used whatever its date.")
        factor = lab.factors[best[2].replace(" ", "").lower()]
        converted = "" if factor == 1.0 else f", converted from {best[2]}"
        row.set(name, round(best[1], 2), f"Observation LOINC {'/'.join(lab.loinc)}, last before discharge{converted}")


def _history(prior: list[_Item], index: _Item | None, admit: datetime | None, complete: bool, row: _Row) -> None:
    wanted = [n for n in ("admissions_12m", "ed_visits_6m") if row.wants(n)]
    if not wanted:
        return
    if index is None or admit is None:
        return
    if not prior and not complete:
        row.warn("The Bundle has no earlier Encounters, so admissions in the past 12 months and ED visits in the "
                 "past 6 months are not recorded.")
        return
    admissions = ed_visits = undated = 0
    for item in prior:
        res = item.resource
        if _status(res) in SKIPPED_ENCOUNTER_STATUS:
            continue
        start = _period(res)[0]
        if start is None:
            undated += 1
            continue
        cls = _encounter_class(res)
        if cls in INPATIENT_CLASSES and admit - ADMISSIONS_WINDOW <= start < admit:
            admissions += 1
        led_here = _refers_to(_reference(res.get("partOf")), "Encounter", index.rid, index.full_url) or \
            _refers_to(_reference(index.resource.get("partOf")), "Encounter", item.rid, item.full_url)
        if cls in EMERGENCY_CLASSES and admit - ED_WINDOW <= start < admit - LEADING_ED_VISIT and not led_here:
            ed_visits += 1
    if undated:
        row.warn(f"{_plural(undated, 'earlier Encounter')} without a start date could not be counted.")
    row.set("admissions_12m", admissions, "Encounter (class IMP) starting in the 365 days before admission")
    row.set("ed_visits_6m", ed_visits, "Encounter (class EMER) starting in the 183 days before admission")

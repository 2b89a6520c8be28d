"""Builders for realistic FHIR R4 test data: one patient's Bundle, and CDS Hooks requests.

``complete_bundle()`` is a 75-year-old woman admitted through the emergency department to
cardiology for six days, with heart failure, complicated diabetes, chronic kidney disease
and COPD, an echocardiogram, hemoglobin and sodium results during the stay, and a history
of visits in and outside the counting windows. ``COMPLETE_EXPECTED`` is the row it maps to.
The other builders change one thing each: labs missing, hemoglobin in g/L (or mmol/L),
no earlier Encounters, or input that is not a usable Bundle at all.
"""

from __future__ import annotations

import copy
from typing import Any

PATIENT_ID = "pat-1"
ENCOUNTER_ID = "enc-index"
ADMIT = "2024-03-01T14:00:00Z"
DISCHARGE = "2024-03-07T11:00:00Z"
ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def patient(rid: str = PATIENT_ID, birth: str | None = "1948-05-20", gender: str | None = "female") -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "Patient", "id": rid, "name": [{"family": "Example", "given": ["Ann"]}]}
    if birth is not None:
        res["birthDate"] = birth
    if gender is not None:
        res["gender"] = gender
    return res


def encounter(
    rid: str, start: str | None, end: str | None, cls: str = "IMP", *, status: str = "finished",
    priority: str | None = None, admit_source: str | None = None, service: tuple[str, str] | None = None,
    disposition: str | None = None, diagnosis: str | None = None, subject: str = PATIENT_ID,
) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Encounter", "id": rid, "status": status,
        "class": {"system": ACT_CODE, "code": cls},
        "subject": _ref("Patient", subject),
    }
    period = {k: v for k, v in (("start", start), ("end", end)) if v}
    if period:
        res["period"] = period
    if priority:
        res["priority"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActPriority",
                                       "code": priority}]}
    if service:
        res["serviceType"] = {"coding": [{"system": SNOMED, "code": service[0], "display": service[1]}],
                              "text": service[1]}
    hosp: dict[str, Any] = {}
    if admit_source:
        hosp["admitSource"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/admit-source",
                                           "code": admit_source}]}
    if disposition:
        hosp["dischargeDisposition"] = {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/discharge-disposition", "code": disposition}]}
    if hosp:
        res["hospitalization"] = hosp
    if diagnosis:
        res["diagnosis"] = [{"condition": _ref("Condition", diagnosis), "rank": 1,
                             "use": {"coding": [{"code": "DD"}]}}]
    return res


def condition(rid: str, code: str, display: str, system: str = ICD10, verification: str = "confirmed",
              subject: str = PATIENT_ID) -> dict[str, Any]:
    return {
        "resourceType": "Condition", "id": rid,
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "verificationStatus": {"coding": [{"code": verification}]},
        "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
        "subject": _ref("Patient", subject),
        "recordedDate": "2024-03-02",
    }


def observation(rid: str, loinc: str, value: float, unit: str, when: str, status: str = "final",
                **quantity: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation", "id": rid, "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
        "subject": _ref("Patient", PATIENT_ID),
        "effectiveDateTime": when,
        "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit, **quantity},
    }


def procedure(rid: str, code: str, display: str, when: str, status: str = "completed") -> dict[str, Any]:
    return {
        "resourceType": "Procedure", "id": rid, "status": status,
        "code": {"coding": [{"system": SNOMED, "code": code, "display": display}]},
        "subject": _ref("Patient", PATIENT_ID),
        "performedDateTime": when,
    }


def index_encounter(start: str | None = ADMIT, end: str | None = DISCHARGE, **changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "priority": "EM", "admit_source": "emd", "service": ("394579002", "Cardiology"),
        "disposition": "home", "diagnosis": "cond-hf",
    }
    args.update(changes)
    return encounter(ENCOUNTER_ID, start, end, **args)


def conditions() -> list[dict[str, Any]]:
    return [
        condition("cond-hf", "I50.9", "Heart failure, unspecified"),
        condition("cond-dm", "E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease"),
        condition("cond-ckd", "N18.4", "Chronic kidney disease, stage 4"),
        condition("cond-copd", "J44.9", "Chronic obstructive pulmonary disease, unspecified"),
        condition("cond-snomed", "38341003", "Hypertensive disorder", system=SNOMED),
        condition("cond-refuted", "C34.1", "Malignant neoplasm of upper lobe", verification="refuted"),
    ]


def labs() -> list[dict[str, Any]]:
    return [
        observation("hb-old", "718-7", 13.9, "g/dL", "2023-09-01T09:00:00Z"),  # before the stay: ignored
        observation("hb-1", "718-7", 12.5, "g/dL", "2024-03-02T06:00:00Z"),
        observation("hb-2", "718-7", 11.2, "g/dL", "2024-03-06T06:00:00Z"),  # last before discharge
        observation("hb-void", "718-7", 7.0, "g/dL", "2024-03-06T07:00:00Z", status="entered-in-error"),
        observation("na-1", "2951-2", 133, "mmol/L", "2024-03-06T06:00:00Z"),
        observation("na-late", "2951-2", 128, "mmol/L", "2024-03-10T06:00:00Z"),  # after discharge: ignored
    ]


def procedures() -> list[dict[str, Any]]:
    return [
        procedure("proc-echo", "40701008", "Echocardiography", "2024-03-02T10:00:00Z"),
        procedure("proc-old", "80146002", "Appendectomy", "2015-06-01T10:00:00Z"),
    ]


def prior_encounters() -> list[dict[str, Any]]:
    return [
        encounter("enc-imp-1", "2023-06-10T08:00:00Z", "2023-06-14T12:00:00Z", "IMP"),  # counted
        encounter("enc-imp-old", "2022-12-01T08:00:00Z", "2022-12-03T12:00:00Z", "IMP"),  # > 12 months
        encounter("enc-imp-cancel", "2023-10-01T08:00:00Z", None, "IMP", status="cancelled"),
        encounter("enc-ed-1", "2023-11-15T20:00:00Z", "2023-11-16T01:00:00Z", "EMER"),  # counted
        encounter("enc-ed-old", "2023-05-01T20:00:00Z", "2023-05-01T23:00:00Z", "EMER"),  # > 6 months
        encounter("enc-ed-index", "2024-03-01T08:00:00Z", "2024-03-01T14:00:00Z", "EMER"),  # led to this stay
        encounter("enc-amb", "2024-01-10T09:00:00Z", "2024-01-10T09:30:00Z", "AMB"),
    ]


def bundle(resources: list[dict[str, Any]], kind: str = "collection") -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": kind,
            "entry": [{"fullUrl": f"urn:uuid:{r['resourceType'].lower()}-{r['id']}", "resource": r}
                      for r in resources]}


def complete_bundle() -> dict[str, Any]:
    return bundle([patient(), index_encounter(), *conditions(), *labs(), *procedures(), *prior_encounters()])


#: What ``complete_bundle()`` maps to (features the mapping leaves out are not recorded).
COMPLETE_EXPECTED: dict[str, Any] = {
    "age": 75, "sex": "female", "length_of_stay_days": 6, "admission_type": "emergency", "service": "cardiology",
    "discharge_disposition": "home", "primary_diagnosis": "I50",
    "cm_mi": 0, "cm_chf": 1, "cm_pvd": 0, "cm_cvd": 0, "cm_dementia": 0, "cm_copd": 1, "cm_connective_tissue": 0,
    "cm_peptic_ulcer": 0, "cm_liver_mild": 0, "cm_liver_severe": 0, "cm_diabetes": 0, "cm_diabetes_complicated": 1,
    "cm_hemiplegia": 0, "cm_renal": 1, "cm_cancer": 0, "cm_metastatic": 0,
    "charlson_index": 6,  # heart failure 1 + complicated diabetes 2 + renal 2 + COPD 1
    "procedure_during_stay": 1, "hemoglobin_g_dl": 11.2, "sodium_mmol_l": 133.0,
    "admissions_12m": 1, "ed_visits_6m": 1,
    "insurance": None, "n_medications": None, "followup_within_7d": None, "med_reconciliation": None,
}


def missing_labs_bundle() -> dict[str, Any]:
    return bundle([patient(), index_encounter(), *conditions(), *procedures(), *prior_encounters()])


def hemoglobin_g_l_bundle(unit: str = "g/L", value: float = 112.0) -> dict[str, Any]:
    obs = [o for o in labs() if o["code"]["coding"][0]["code"] != "718-7"]
    obs.append(observation("hb-si", "718-7" if unit != "mmol/L" else "59260-0", value, unit, "2024-03-06T06:00:00Z"))
    return bundle([patient(), index_encounter(), *conditions(), *obs, *procedures(), *prior_encounters()])


def no_prior_encounters_bundle() -> dict[str, Any]:
    return bundle([patient(), index_encounter(), *conditions(), *labs(), *procedures()])


def wrong_inputs() -> dict[str, Any]:
    """Inputs that are not a usable Bundle, each with a word its error message must contain."""
    practitioner = {"resourceType": "Practitioner", "id": "pr-1"}
    other = copy.deepcopy(conditions()[0])
    other["id"] = "cond-other"
    other["subject"] = _ref("Patient", "someone-else")
    return {
        "a list": ([complete_bundle()], "list"),
        "a bare Patient": (patient(), "Patient"),
        "no resourceType": ({"entry": []}, "resourceType"),
        "entry not a list": ({"resourceType": "Bundle", "entry": {"resource": patient()}}, "list"),
        "entry without resource": ({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, "entry 1"),
        "no Patient": (bundle([practitioner, index_encounter()]), "no Patient"),
        "two patients": (bundle([patient(), patient("pat-2")]), "one Bundle per patient"),
        "mixed patients": (bundle([patient(), index_encounter(), other]), "mixes patients"),
    }


# ---- CDS Hooks ---------------------------------------------------------------------------------------

def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"https://ehr.example/fhir/{r['resourceType']}/{r['id']}", "resource": r,
                       "search": {"mode": "match"}} for r in resources]}


def prefetch(**drop: bool) -> dict[str, Any]:
    """The prefetch for ``complete_bundle()``'s patient; ``drop`` leaves keys out (e.g. encounter=True)."""
    index = index_encounter()
    full = {
        "patient": patient(),
        "encounter": index,
        "conditions": searchset(conditions()),
        "observations": searchset(labs()),
        "procedures": searchset(procedures()),
        "priorEncounters": searchset([index, *prior_encounters()]),
    }
    return {k: v for k, v in full.items() if not drop.get(k)}


def hook_request(hook: str = "encounter-discharge", **drop: bool) -> dict[str, Any]:
    context = {"userId": "Practitioner/dr-1", "patientId": PATIENT_ID}
    if hook == "encounter-discharge":
        context["encounterId"] = ENCOUNTER_ID
    return {"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "hook": hook,
            "fhirServer": "https://ehr.example/fhir", "context": context, "prefetch": prefetch(**drop)}

"""FHIR Conditions, Procedures, Observations and earlier Encounters -> the clinical features.

Comorbidity flags and the Charlson index (ICD-10, Quan 2005), the primary diagnosis, any
procedure in the stay, the last hemoglobin and sodium, and the prior-use counts; see the
mapping table and its rules in ``core/interop/fhir.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clinical.charlson import COMORBIDITIES, charlson_flags, charlson_index
from core.data.schema import OTHER_LEVEL
from core.interop.fhir_codes import (
    ADMISSIONS_WINDOW,
    ED_WINDOW,
    EMERGENCY_CLASSES,
    INPATIENT_CLASSES,
    LAB_LOOKBACK,
    LABS,
    LEADING_ED_VISIT,
    SKIPPED_ENCOUNTER_STATUS,
    SKIPPED_PROCEDURE_STATUS,
    SKIPPED_VERIFICATION,
    USED_OBSERVATION_STATUS,
)
from core.interop.fhir_read import (
    Item,
    as_list,
    codes_of,
    encounter_class,
    parse_time,
    period_of,
    plural,
    reference_of,
    refers_to,
    status_code,
)
from core.interop.fhir_row import Row


def _icd10(resource: dict[str, Any]) -> list[str]:
    """The ICD-10 codes (any edition) of a resource's ``code``."""
    return codes_of(resource.get("code"), "icd-10") + codes_of(resource.get("code"), "icd10")


def map_comorbidities(conditions: list[Item], discharge: datetime | None, complete: bool, row: Row) -> None:
    """The cm_* flags and the Charlson index from the usable, ICD-10-coded Conditions."""
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
        if status_code(res, "verificationStatus") in SKIPPED_VERIFICATION:
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
        row.warn(f"{plural(uncoded, 'Condition')} without an ICD-10 code (e.g. SNOMED CT only) could not be "
                 "used for the comorbidity flags.")
    flags = charlson_flags(codes)
    for f in wanted:
        row.set(f, flags[f], "Condition.code (ICD-10, Quan 2005)")
    row.set("charlson_index", charlson_index(flags), "Condition.code (ICD-10), Charlson 1987 weights")


def map_primary_diagnosis(enc: dict[str, Any], conditions: list[Item], row: Row) -> None:
    """The ICD-10 category of the Encounter's rank-1 diagnosis, or 'other' for groups the model lacks."""
    if not row.wants("primary_diagnosis"):
        return
    diagnoses = [d for d in as_list(enc.get("diagnosis")) if isinstance(d, dict)]
    if not diagnoses:
        return
    first = min(diagnoses, key=lambda d: d.get("rank") if isinstance(d.get("rank"), int) else 10**6)
    ref = reference_of(first.get("condition"))
    condition = next((c for c in conditions if refers_to(ref, "Condition", c.rid, c.full_url)), None)
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


def map_procedure(
    procedures: list[Item], index: Item | None, admit: datetime | None, discharge: datetime | None,
    complete: bool, row: Row,
) -> None:
    """Whether any Procedure belongs to the index Encounter or was performed during the stay."""
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
        if status_code(res) in SKIPPED_PROCEDURE_STATUS:
            continue
        if refers_to(reference_of(res.get("encounter")), "Encounter", index.rid, index.full_url):
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
    """When an Observation was taken: its effective time, else the time it was issued."""
    period = res.get("effectivePeriod") if isinstance(res.get("effectivePeriod"), dict) else {}
    return (parse_time(res.get("effectiveDateTime")) or parse_time(res.get("effectiveInstant"))
            or parse_time(period.get("end")) or parse_time(period.get("start")) or parse_time(res.get("issued")))


def _quantities(res: dict[str, Any], loinc: tuple[str, ...]) -> list[dict[str, Any]]:
    """valueQuantity of the Observation (and of its components) coded with one of the LOINC codes."""
    out = []
    if set(codes_of(res.get("code"), "loinc")) & set(loinc) and isinstance(res.get("valueQuantity"), dict):
        out.append(res["valueQuantity"])
    for comp in as_list(res.get("component")):
        if isinstance(comp, dict) and set(codes_of(comp.get("code"), "loinc")) & set(loinc) \
                and isinstance(comp.get("valueQuantity"), dict):
            out.append(comp["valueQuantity"])
    return out


def map_labs(observations: list[Item], admit: datetime | None, discharge: datetime | None, row: Row) -> None:
    """The last usable result of each lab in the stay, converted to the feature's unit."""
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
                if status_code(res) not in USED_OBSERVATION_STATUS:
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
                row.warn(f"{lab.label}: no result during this stay ({plural(outside, 'result')} from other times "
                         "ignored); not recorded.")
            continue
        if discharge is None:
            row.warn(f"{lab.label}: there is no Encounter, so the latest result was used whatever its date.")
        factor = lab.factors[best[2].replace(" ", "").lower()]
        converted = "" if factor == 1.0 else f", converted from {best[2]}"
        row.set(name, round(best[1], 2), f"Observation LOINC {'/'.join(lab.loinc)}, last before discharge{converted}")


def map_history(prior: list[Item], index: Item | None, admit: datetime | None, complete: bool, row: Row) -> None:
    """Inpatient admissions in the past 12 months and ED visits in the past 6, from earlier Encounters."""
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
        if status_code(res) in SKIPPED_ENCOUNTER_STATUS:
            continue
        start = period_of(res)[0]
        if start is None:
            undated += 1
            continue
        cls = encounter_class(res)
        if cls in INPATIENT_CLASSES and admit - ADMISSIONS_WINDOW <= start < admit:
            admissions += 1
        led_here = refers_to(reference_of(res.get("partOf")), "Encounter", index.rid, index.full_url) or \
            refers_to(reference_of(index.resource.get("partOf")), "Encounter", item.rid, item.full_url)
        if cls in EMERGENCY_CLASSES and admit - ED_WINDOW <= start < admit - LEADING_ED_VISIT and not led_here:
            ed_visits += 1
    if undated:
        row.warn(f"{plural(undated, 'earlier Encounter')} without a start date could not be counted.")
    row.set("admissions_12m", admissions, "Encounter (class IMP) starting in the 365 days before admission")
    row.set("ed_visits_6m", ed_visits, "Encounter (class EMER) starting in the 183 days before admission")

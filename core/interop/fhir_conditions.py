"""FHIR Conditions -> the comorbidity flags, the Charlson index and the primary diagnosis.

Every coding of a Condition is looked up in the terminology tables (``codes.charlson_categories``):
ICD-10 (WHO, CM, GM with its marks), ICD-9-CM and the curated SNOMED CT sets. A Condition is
*known* when at least one of its codings is known; its categories are the union over its known
codings. Conditions that are refuted, unconfirmed, provisional, differential or entered in
error are not used, nor are those recorded (or with onset) after discharge. clinicalStatus is
not used: Charlson counts history, so a resolved cancer or a past infarction still counts.

When a flag is 1, 0 or not recorded (the rule, also stated in each feature's provenance):

- 1 when a usable Condition is in that Charlson category, whatever else is missing;
- 0 only when the Conditions were searched completely (``complete`` names Condition, or the
  Bundle is an unpaginated searchset of them) **and** every usable Condition is known: an
  unknown code could be that very category, so one unknown Condition makes every flag that
  is not 1 not recorded;
- otherwise not recorded, with the reason.

The Charlson index is given only when all 16 flags are decided (1 or 0); a lower bound would
read as the patient's index.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType
from typing import Any

from core.clinical import codes
from core.clinical.charlson import COMORBIDITIES, charlson_index
from core.data.schema import OTHER_LEVEL
from core.interop.fhir_codes import SKIPPED_VERIFICATION
from core.interop.fhir_read import Item, as_list, codings, parse_time, plural, reference_of, refers_to, status_code
from core.interop.fhir_row import ABSENT, Row

_SYSTEM_NAMES = MappingProxyType({codes.ICD10: "ICD-10", codes.ICD10_CM: "ICD-10-CM", codes.ICD10_GM: "ICD-10-GM",
                                  codes.ICD9_CM: "ICD-9-CM", codes.SNOMED: "SNOMED CT"})


def _known_categories(resource: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]] | None:
    """(categories, code systems that gave them) over the known codings of Condition.code; ``None``: none known."""
    found: set[str] = set()
    systems: set[str] = set()
    known = False
    for coding in codings(resource.get("code")):
        categories = codes.charlson_categories(coding.get("system"), coding.get("code"))
        if categories is None:
            continue
        known = True
        found |= categories
        if categories:
            systems.add(_SYSTEM_NAMES.get(codes.code_system(coding.get("system")) or "", "coded"))
    return (frozenset(found), frozenset(systems)) if known else None


def usable_conditions(conditions: list[Item], discharge: datetime | None) -> list[Item]:
    """Conditions that may count: not refuted or unconfirmed, and not first recorded after discharge."""
    out = []
    for item in conditions:
        res = item.resource
        if status_code(res, "verificationStatus") in SKIPPED_VERIFICATION:
            continue
        onset = res.get("onsetPeriod") if isinstance(res.get("onsetPeriod"), dict) else {}
        when = parse_time(res.get("recordedDate")) or parse_time(res.get("onsetDateTime")) \
            or parse_time(onset.get("start"))
        if discharge is not None and when is not None and when > discharge:
            continue
        out.append(item)
    return out


def map_comorbidities(conditions: list[Item], discharge: datetime | None, searched: str | None, row: Row) -> None:
    """The cm_* flags and the Charlson index; ``searched`` says how the Conditions are known complete, or None."""
    wanted = [f for f in COMORBIDITIES if row.wants(f)]
    if not wanted and not row.wants("charlson_index"):
        return
    usable = usable_conditions(conditions, discharge)
    present: dict[str, set[str]] = {}
    unknown = 0
    for item in usable:
        known = _known_categories(item.resource)
        if known is None:
            unknown += 1
            continue
        for category in known[0]:
            present.setdefault(category, set()).update(known[1])
    why_not = _why_not_zero(conditions, unknown, searched, row)
    decided = 0
    for flag in COMORBIDITIES:
        if flag in present:
            row.set(flag, 1, f"Condition.code ({', '.join(sorted(present[flag]))}; Quan 2005 categories)")
            decided += 1
        elif why_not is None:
            row.set(flag, 0, f"no usable Condition in this category among {plural(len(usable), 'Condition')} "
                             f"({searched})", ABSENT)
            decided += 1
        else:
            row.not_recorded(flag, why_not)
    if decided == len(COMORBIDITIES):
        flags = {flag: int(flag in present) for flag in COMORBIDITIES}
        status = "recorded" if present else ABSENT
        row.set("charlson_index", charlson_index(flags), "cm_* flags from Condition.code, Charlson 1987 weights",
                status)
    else:
        row.not_recorded("charlson_index", f"{plural(len(COMORBIDITIES) - decided, 'comorbidity')} not recorded "
                                           f"({why_not})")


def _why_not_zero(conditions: list[Item], unknown: int, searched: str | None, row: Row) -> str | None:
    """Why a comorbidity no Condition shows cannot be read as 'no' (with the warning), or ``None`` if it can."""
    if unknown:
        row.warn(f"{plural(unknown, 'Condition')} with no code Lantern knows (ICD-10, ICD-9-CM or the curated "
                 "SNOMED CT sets): comorbidities not found in the other Conditions are not recorded (not 'no'), "
                 "and neither is the Charlson index.")
        return f"{plural(unknown, 'Condition')} with no code Lantern knows could be in this category"
    if searched is not None:
        return None
    if not conditions:
        row.warn("The Bundle has no Conditions, so comorbidities and the Charlson index are not recorded.")
        return "no Condition in the Bundle, and no complete Condition search was supplied"
    row.warn("The Conditions were not supplied as a complete search, so a comorbidity that no Condition codes "
             "(in ICD-10, ICD-9-CM or SNOMED CT) is not recorded rather than 'no', and the Charlson index is "
             "not recorded unless every comorbidity is decided.")
    return "the Conditions were not supplied as a complete search, so absence does not mean 'no'"


def _diagnosis_ref(encounters: list[Item]) -> str:
    """The reference of the main (lowest-rank) diagnosis over these Encounters, or ''."""
    diagnoses = [d for e in encounters for d in as_list(e.resource.get("diagnosis")) if isinstance(d, dict)]
    if not diagnoses:
        return ""
    first = min(diagnoses, key=lambda d: d.get("rank") if isinstance(d.get("rank"), int) else 10**6)
    return reference_of(first.get("condition"))


def map_primary_diagnosis(index: Item, parts: list[Item], conditions: list[Item], row: Row) -> None:
    """The ICD-10 category of the stay's main diagnosis (else its sub-encounters'), or 'other'."""
    if not row.wants("primary_diagnosis"):
        return
    ref, source = _diagnosis_ref([index]), "Encounter.diagnosis -> Condition.code"
    if not ref and parts:
        ref, source = _diagnosis_ref(parts), "Encounter.diagnosis of a sub-encounter -> Condition.code"
    if not ref:
        row.not_recorded("primary_diagnosis", "the stay lists no diagnosis")
        return
    condition = next((c for c in conditions if refers_to(ref, "Condition", c.rid, c.full_url)), None)
    if condition is None:
        row.warn("The Encounter's main diagnosis refers to a Condition that is not in the Bundle; "
                 "primary diagnosis is not recorded.")
        row.not_recorded("primary_diagnosis", "the main diagnosis refers to a Condition not in the Bundle")
        return
    parsed = next((p for c in codings(condition.resource.get("code"))
                   if (p := codes.parse_icd(c.get("system"), c.get("code"))) is not None
                   and p.system != codes.ICD9_CM), None)
    if parsed is None:
        row.warn("The Encounter's main diagnosis has no ICD-10 code; primary diagnosis is not recorded.")
        row.not_recorded("primary_diagnosis", "the main diagnosis has no ICD-10 code (the model's groups are "
                                              "ICD-10 categories)")
        return
    group = parsed.code[:3]
    categories = row.schema.feature("primary_diagnosis").categories
    if group not in categories and OTHER_LEVEL in categories:
        group = OTHER_LEVEL  # the model groups rare diagnoses as 'other'
    row.set("primary_diagnosis", group, source)

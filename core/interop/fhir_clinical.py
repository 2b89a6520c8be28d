"""FHIR Procedures, Observations and earlier Encounters -> procedure in the stay, labs, prior-use counts.

Labs are found by LOINC code and converted to the feature's unit with the UCUM factors of
the terminology table (``codes.lab_for_loinc``, ``codes.convert``); only results from the
stay, or from ``LAB_LOOKBACK`` before admission (emergency-department bloods), are used.
A count or a "none in the stay" is given only when its resource type was searched
completely; a procedure found in the stay is 1 whatever else is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.clinical import codes
from core.interop.fhir_codes import (
    ADMISSIONS_WINDOW,
    ED_WINDOW,
    LAB_LOOKBACK,
    LABS,
    LEADING_ED_VISIT,
    SKIPPED_ENCOUNTER_STATUS,
    SKIPPED_PROCEDURE_STATUS,
    USED_OBSERVATION_STATUS,
)
from core.interop.fhir_encounter import part_of
from core.interop.fhir_read import (
    Item,
    as_list,
    codes_of,
    is_emergency,
    is_inpatient,
    parse_time,
    plural,
    reference_of,
    refers_to,
    status_code,
)
from core.interop.fhir_row import ABSENT, Row

_NOT_SEARCHED = "the {kind}s were not supplied as a complete search, so none found does not mean none"


def _in_stay(res: dict[str, Any], stay: list[Item], admit: datetime | None, discharge: datetime | None) -> bool:
    if any(refers_to(reference_of(res.get("encounter")), "Encounter", e.rid, e.full_url) for e in stay):
        return True
    performed = res.get("performedPeriod") if isinstance(res.get("performedPeriod"), dict) else {}
    when = parse_time(res.get("performedDateTime")) or parse_time(performed.get("start")) or \
        parse_time(res.get("occurrenceDateTime"))
    return when is not None and admit is not None and discharge is not None and admit <= when <= discharge


def map_procedure(procedures: list[Item], stay: list[Item], admit: datetime | None, discharge: datetime | None,
                  searched: str | None, row: Row) -> None:
    """Whether any Procedure belongs to the stay (or a sub-encounter) or was performed during it."""
    if not row.wants("procedure_during_stay") or not stay:
        return
    usable = [p for p in procedures if status_code(p.resource) not in SKIPPED_PROCEDURE_STATUS]
    if any(_in_stay(p.resource, stay, admit, discharge) for p in usable):
        row.set("procedure_during_stay", 1, "Procedure (of the stay, or performed during it)")
    elif searched is not None:
        row.set("procedure_during_stay", 0, f"no Procedure in the stay ({searched})", ABSENT)
    else:
        if not procedures:
            row.warn("The Bundle has no Procedures, so 'procedure during the stay' is not recorded.")
        row.not_recorded("procedure_during_stay", _NOT_SEARCHED.format(kind="Procedure"))


def _observation_time(res: dict[str, Any]) -> datetime | None:
    """When an Observation was taken: its effective time, else the time it was issued."""
    period = res.get("effectivePeriod") if isinstance(res.get("effectivePeriod"), dict) else {}
    return (parse_time(res.get("effectiveDateTime")) or parse_time(res.get("effectiveInstant"))
            or parse_time(period.get("end")) or parse_time(period.get("start")) or parse_time(res.get("issued")))


def _quantities(res: dict[str, Any], feature: str) -> list[tuple[dict[str, Any], str]]:
    """(valueQuantity, LOINC code) of the Observation and its components whose code measures ``feature``."""
    parts = [res, *(c for c in as_list(res.get("component")) if isinstance(c, dict))]
    return [(p["valueQuantity"], code) for p in parts if isinstance(p.get("valueQuantity"), dict)
            for code in dict.fromkeys(codes_of(p.get("code"), "loinc"))
            if (lab := codes.lab_for_loinc(code)) is not None and lab.feature == feature]


def _read_quantity(q: dict[str, Any], lab: codes.Lab) -> tuple[float, str] | str:
    """(value in the feature's unit, unit as sent), or why the result was skipped."""
    value, unit = q.get("value"), str(q.get("code") or q.get("unit") or "")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "a result without a number"
    if q.get("comparator"):
        return f"a result reported as '{q['comparator']}{value}'"
    if abs(value) > 1e9:
        return "a result with an absurd number"
    converted = codes.convert(value, unit, lab)
    if converted is None:
        return f"a result in an unknown unit ('{unit or 'none'}')"
    return converted, unit


def map_labs(observations: list[Item], admit: datetime | None, discharge: datetime | None, row: Row) -> None:
    """The last usable result of each lab in the stay (or just before it), converted to the feature's unit."""
    for name, lab in LABS.items():
        if not row.wants(name):
            continue
        if discharge is None:
            row.not_recorded(name, "no inpatient stay, so no result can be dated to it")
            continue
        _map_lab(observations, lab, admit, discharge, row)


def _map_lab(observations: list[Item], lab: codes.Lab, admit: datetime | None, discharge: datetime,
             row: Row) -> None:
    start = admit - LAB_LOOKBACK if admit is not None else None
    best: tuple[datetime, float, str, str] | None = None
    skipped: list[str] = []
    outside = 0
    for item in observations:
        res = item.resource
        for q, loinc in _quantities(res, lab.feature):
            if status_code(res) not in USED_OBSERVATION_STATUS:
                continue
            when = _observation_time(res)
            if when is None:
                skipped.append("a result without a time")
            elif when > discharge or (start is not None and when < start):
                outside += 1
            elif isinstance(read := _read_quantity(q, lab), str):
                skipped.append(read)
            elif best is None or when > best[0]:
                best = (when, read[0], read[1], loinc)
    for why in dict.fromkeys(skipped):
        row.warn(f"{lab.label}: {why} was skipped.")
    if best is None:
        if outside:
            row.warn(f"{lab.label}: no result during this stay ({plural(outside, 'result')} from other times "
                     "ignored); not recorded.")
        row.not_recorded(lab.feature, f"no usable result from {int(LAB_LOOKBACK.total_seconds() // 3600)} h "
                                      f"before admission to discharge ({plural(outside, 'result')} from other "
                                      "times ignored)")
        return
    converted = "" if codes.convert(1.0, best[2], lab) == 1.0 else f", converted from {best[2]}"
    row.set(lab.feature, round(best[1], 2), f"Observation LOINC {best[3]}, last before discharge{converted}")


def map_history(prior: list[Item], index: Item | None, admit: datetime | None, searched: str | None,
                row: Row) -> None:
    """Inpatient admissions in the past 12 months and ED visits in the past 6, from earlier Encounters."""
    wanted = [n for n in ("admissions_12m", "ed_visits_6m") if row.wants(n)]
    if not wanted or index is None:
        return
    if admit is None:
        for name in wanted:
            row.not_recorded(name, "the stay has no start date to count back from")
        return
    admissions = ed_visits = undated = 0
    everyone = [*prior, index]
    for item in prior:
        res = item.resource
        if status_code(res) in SKIPPED_ENCOUNTER_STATUS:
            continue
        start = item.period[0]
        if start is None:
            undated += 1
            continue
        parent = part_of(item, everyone)
        if is_inpatient(res) and (parent is None or not is_inpatient(parent.resource)) \
                and admit - ADMISSIONS_WINDOW <= start < admit:
            admissions += 1
        led_here = parent is index or part_of(index, [item]) is item
        if is_emergency(res) and admit - ED_WINDOW <= start < admit - LEADING_ED_VISIT and not led_here:
            ed_visits += 1
    if undated:
        row.warn(f"{plural(undated, 'earlier Encounter')} without a start date could not be counted.")
    if searched is None:
        if not prior:
            row.warn("The Bundle has no earlier Encounters, so admissions in the past 12 months and ED visits in "
                     "the past 6 months are not recorded.")
        reason = _NOT_SEARCHED.format(kind="Encounter")
        row.not_recorded("admissions_12m", f"{reason} (at least {admissions} in the Bundle)")
        row.not_recorded("ed_visits_6m", f"{reason} (at least {ed_visits} in the Bundle)")
        return
    status = ABSENT if admissions == 0 else "recorded"
    row.set("admissions_12m", admissions, f"Encounter (inpatient) starting in the 365 days before admission "
                                          f"({searched})", status)
    row.set("ed_visits_6m", ed_visits, f"Encounter (class EMER) starting in the 183 days before admission "
                                       f"({searched})", ABSENT if ed_visits == 0 else "recorded")

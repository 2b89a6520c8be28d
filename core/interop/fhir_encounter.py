"""FHIR Encounters -> the index stay: which one is scored, its sub-encounters, and when it started and ended.

The index stay is an inpatient Encounter (class IMP, ACUTE or NONAC in the encounter-class
table) that has ended: it has ``period.end`` and a status that is neither open (in-progress,
arrived, triaged, on leave) nor cancelled, planned or entered in error. An Encounter that is
``partOf`` another inpatient Encounter is a sub-encounter (e.g. a German department contact
inside the facility contact), never a stay of its own. Without such a stay the mapping says
"no inpatient stay found" and leaves the stay's features not recorded. An Encounter named by
the caller (``encounter_id``) is used when it is inpatient, even while still open.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.interop.fhir_codes import (
    EMERGENCY_LEAD_IN,
    LEADING_ED_VISIT,
    OPEN_ENCOUNTER_STATUS,
    SKIPPED_ENCOUNTER_STATUS,
)
from core.interop.fhir_read import (
    FhirError,
    Item,
    encounter_kind,
    is_emergency,
    is_inpatient,
    plural,
    reference_of,
    refers_to,
    status_code,
)
from core.interop.fhir_row import Row

#: Features that only an index stay can give.
STAY_FEATURES: tuple[str, ...] = (
    "length_of_stay_days", "admission_type", "service", "discharge_disposition", "primary_diagnosis",
    "procedure_during_stay", "admissions_12m", "ed_visits_6m",
)
NO_STAY = "no inpatient stay found"


def _usable(item: Item) -> bool:
    return status_code(item.resource) not in SKIPPED_ENCOUNTER_STATUS


def _ended(item: Item) -> bool:
    return item.period[1] is not None and status_code(item.resource) not in OPEN_ENCOUNTER_STATUS


def part_of(item: Item, encounters: list[Item]) -> Item | None:
    """The Encounter of the Bundle that ``item`` is ``partOf``, if any."""
    ref = reference_of(item.resource.get("partOf"))
    return next((e for e in encounters if e is not item and refers_to(ref, "Encounter", e.rid, e.full_url)), None) \
        if ref else None


def sub_encounters(encounters: list[Item], index: Item | None) -> list[Item]:
    """Every usable Encounter that is ``partOf`` the index stay, directly or through another sub-encounter."""
    if index is None:
        return []
    found: list[Item] = []
    parents = [index]
    while parents:
        parent = parents.pop()
        children = [e for e in encounters if _usable(e) and e not in found and e is not index
                    and part_of(e, encounters) is parent]
        found += children
        parents += children
    return found


def index_encounter(encounters: list[Item], encounter_id: str | None, row: Row) -> Item | None:
    """The stay being scored: the inpatient Encounter named by ``encounter_id``, else the last ended one."""
    if encounter_id:
        return _named_encounter(encounters, encounter_id, row)
    candidates = [e for e in encounters if _usable(e) and is_inpatient(e.resource)
                  and not _is_sub_encounter(e, encounters)]
    ended = [e for e in candidates if _ended(e)]
    if not ended:
        _no_stay(encounters, len(candidates), row)
        return None
    row.index_stay_found = True
    far_past = datetime.min.replace(tzinfo=UTC)
    return max(ended, key=lambda e: e.period[0] or far_past)


def _is_sub_encounter(item: Item, encounters: list[Item]) -> bool:
    parent = part_of(item, encounters)
    return parent is not None and is_inpatient(parent.resource)


def _named_encounter(encounters: list[Item], encounter_id: str, row: Row) -> Item | None:
    named = next((e for e in encounters
                  if e.rid == encounter_id or refers_to(encounter_id, "Encounter", e.rid, e.full_url)), None)
    if named is None:
        raise FhirError(
            f"The Bundle has no Encounter with id '{encounter_id}' (the encounter being scored); "
            "include it, e.g. as the 'encounter' prefetch."
        )
    parent = part_of(named, encounters)
    if not is_inpatient(named.resource) and parent is not None and is_inpatient(parent.resource):
        row.warn("The Encounter named is a sub-encounter of an inpatient stay; the whole stay is scored.")
        named = parent
    if not is_inpatient(named.resource):
        kind = encounter_kind(named.resource)
        shown = f"a {kind.label.lower()} encounter" if kind else "not coded with a class Lantern knows"
        row.warn(f"No inpatient stay found: the Encounter named is {shown}, not an inpatient stay, so length of "
                 "stay, admission type, service, disposition and the stay's labs are not recorded.")
        _stay_not_recorded(row)
        return None
    row.index_stay_found = True
    return named


def _no_stay(encounters: list[Item], open_stays: int, row: Row) -> None:
    """Say why there is no stay, naming what the Bundle does hold."""
    _stay_not_recorded(row)
    if not encounters:
        row.warn("No inpatient stay found: the Bundle has no Encounter, so length of stay, admission type, "
                 "service and the stay's labs are not recorded.")
        return
    kinds: dict[str, int] = {}
    for e in encounters:
        kind = encounter_kind(e.resource)
        label = kind.kind if kind else "unknown-class"
        kinds[label] = kinds.get(label, 0) + 1
    held = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    still_open = f" ({plural(open_stays, 'inpatient stay')} not ended yet)" if open_stays else ""
    row.warn(f"No inpatient stay found: the Bundle holds {plural(len(encounters), 'Encounter')} ({held}) but no "
             f"inpatient stay that has ended{still_open}, so there is no stay to score: length of stay, admission "
             "type, service, disposition and the stay's labs are not recorded.")


def _stay_not_recorded(row: Row) -> None:
    for name in STAY_FEATURES:
        row.not_recorded(name, NO_STAY)


def lead_in(encounters: list[Item], index: Item, admit: datetime | None) -> tuple[Item, str] | None:
    """The emergency Encounter that led into the stay, with how it was linked; ``None`` if there is none."""
    for e in encounters:
        if e is index or not _usable(e) or not is_emergency(e.resource):
            continue
        if part_of(e, [index]) is index or part_of(index, [e]) is e:
            return e, "linked to the stay by partOf"
        start, end = e.period
        if admit is None or start is None or not admit - LEADING_ED_VISIT <= start <= admit:
            continue
        last = end or start
        if last >= admit:
            return e, "running into the admission"
        if admit - last <= EMERGENCY_LEAD_IN:
            hours = round((admit - last).total_seconds() / 3600, 1)
            return e, f"ending {hours:g} h before the admission"
    return None


def stay_times(index: Item | None, now: datetime | None, row: Row) -> tuple[datetime | None, datetime | None]:
    """Admission and discharge times of the index stay; an open stay ends ``now``, with a warning."""
    if index is None:
        return None, None
    admit, discharge = index.period
    if admit is None:
        row.warn("The Encounter has no period.start, so length of stay and the prior-visit counts are not recorded.")
    if discharge is None:
        discharge = now or datetime.now(UTC)
        row.warn(f"The Encounter has no end yet; discharge is taken as {discharge.date().isoformat()} "
                 "for age, length of stay and the labs.")
    return admit, discharge


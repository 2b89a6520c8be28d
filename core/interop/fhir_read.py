"""Reading a FHIR Bundle: its resources by type, element readers, references and times.

Everything here is about FHIR's shape, not about the model: which entries a Bundle holds,
how CodeableConcepts, references and dateTimes are read, and the refusals (``FhirError``)
for input that is not one patient's Bundle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from core.clinical import codes
from core.interop.fhir_codes import KNOWN_TYPES


class FhirError(ValueError):
    """Input that is not a usable FHIR Bundle for one patient, worded for the sender."""


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


def codings(concept: object) -> list[dict[str, Any]]:
    """Codings of a CodeableConcept, a Coding, a CodeableReference or a list of any of them."""
    if isinstance(concept, list):
        return [c for item in concept for c in codings(item)]
    if not isinstance(concept, dict):
        return []
    if "concept" in concept:
        return codings(concept["concept"])
    if "coding" in concept:
        return [c for c in as_list(concept.get("coding")) if isinstance(c, dict)]
    return [concept] if "code" in concept else []


def as_list(value: object) -> list[Any]:
    """A FHIR array, or nothing when the element is absent or not an array."""
    return value if isinstance(value, list) else []


def texts_of(concept: object) -> list[str]:
    """Every human-readable text of a CodeableConcept (text, then each coding's display)."""
    if isinstance(concept, list):
        return [t for item in concept for t in texts_of(item)]
    if not isinstance(concept, dict):
        return []
    if "concept" in concept:
        return texts_of(concept["concept"])
    out = [concept["text"]] if isinstance(concept.get("text"), str) else []
    out += [c["display"] for c in codings(concept) if isinstance(c.get("display"), str)]
    return out


def codes_of(concept: object, system_part: str | None = None) -> list[str]:
    """Codes of a concept, optionally only those whose system URL contains ``system_part``."""
    return [
        str(c["code"]) for c in codings(concept)
        if c.get("code") is not None and (system_part is None or system_part in str(c.get("system", "")).lower())
    ]


def status_code(resource: dict[str, Any], key: str = "status") -> str:
    """A resource's status in lower case, whether a plain code or a CodeableConcept."""
    value = resource.get(key)
    if isinstance(value, dict):  # Condition.clinicalStatus / verificationStatus are CodeableConcepts
        codes = codes_of(value)
        return codes[0].lower() if codes else ""
    return str(value).lower() if isinstance(value, str) else ""


def encounter_class(encounter: dict[str, Any]) -> str:
    """An Encounter's class code in upper case (``IMP``, ``EMER``...), or ''."""
    found = codes_of(encounter.get("class"))
    return found[0].upper() if found else ""


def encounter_kind(encounter: dict[str, Any]) -> codes.EncounterClass | None:
    """The first class coding of an Encounter that the encounter-class table knows, or ``None``."""
    return next((known for code in codes_of(encounter.get("class"))
                 if (known := codes.encounter_class(code)) is not None), None)


def is_inpatient(encounter: dict[str, Any]) -> bool:
    """Whether an Encounter's class is an inpatient one (IMP, ACUTE, NONAC in the table)."""
    kind = encounter_kind(encounter)
    return kind is not None and kind.inpatient


def is_emergency(encounter: dict[str, Any]) -> bool:
    """Whether an Encounter's class is emergency (EMER)."""
    kind = encounter_kind(encounter)
    return kind is not None and kind.kind == "emergency"


def period_of(resource: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """Start and end of ``resource.period``; ``None`` where absent or unreadable."""
    period = resource.get("period") if isinstance(resource.get("period"), dict) else {}
    return parse_time(period.get("start")), parse_time(period.get("end"))


def reference_of(value: object) -> str:
    """The reference string of a Reference (or a bare string), or ''."""
    if isinstance(value, dict):
        value = value.get("reference")
    return value.strip() if isinstance(value, str) else ""


def refers_to(reference: str, resource_type: str, rid: str | None, full_url: str | None) -> bool:
    """Whether ``reference`` names this resource, by ``Type/id`` (relative or absolute) or by fullUrl."""
    if not reference:
        return False
    if full_url and reference == full_url:
        return True
    return bool(rid) and (reference == f"{resource_type}/{rid}" or reference.endswith(f"/{resource_type}/{rid}"))


def plural(n: int, word: str) -> str:
    """"1 result", "2 results": counts in warnings read as sentences."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass
class Item:
    """One resource of the Bundle with its entry's fullUrl (references may use either)."""

    resource: dict[str, Any]
    full_url: str | None

    @cached_property
    def rid(self) -> str | None:
        rid = self.resource.get("id")
        return str(rid) if rid is not None else None

    @cached_property
    def kind(self) -> str:
        return str(self.resource.get("resourceType"))

    @cached_property
    def period(self) -> tuple[datetime | None, datetime | None]:
        """``period_of`` the resource, read once (encounters are compared with each other many times)."""
        return period_of(self.resource)


def read_bundle(bundle_json: object) -> tuple[dict[str, list[Item]], dict[str, int]]:
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
    by_type: dict[str, list[Item]] = {}
    ignored: dict[str, int] = {}
    _collect(bundle_json, by_type, ignored, set())
    return by_type, ignored


def _collect(bundle: dict[str, Any], by_type: dict[str, list[Item]], ignored: dict[str, int],
             seen: set[tuple[str, str]]) -> None:
    entries = bundle.get("entry")
    entries = [] if entries is None else entries
    if not isinstance(entries, list):
        raise FhirError("The Bundle's 'entry' is not a list; it should be a list of {\"resource\": {...}} objects.")
    for i, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise FhirError(f"Bundle entry {i} has no resource with a resourceType; every entry needs one.")
        item = Item(resource, entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None)
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


def _has_next(bundle: dict[str, Any]) -> bool:
    return any(isinstance(link, dict) and link.get("relation") == "next" for link in as_list(bundle.get("link")))


def search_state(bundle_json: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """Resource types the Bundle itself shows searched completely, and those that came paginated.

    A ``searchset`` Bundle (top level or nested) without a ``next`` link is the whole result of
    its search, so it is complete for the types of its matches; with a ``next`` link the types it
    holds are incomplete (only the first page was sent), whatever the caller says.
    """
    whole: set[str] = set()
    paged: set[str] = set()
    _search_state(bundle_json, whole, paged)
    return frozenset(whole - paged), frozenset(paged)


def _search_state(bundle: dict[str, Any], whole: set[str], paged: set[str]) -> None:
    kinds: set[str] = set()
    searchset = bundle.get("type") == "searchset"
    for entry in as_list(bundle.get("entry")):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        if resource.get("resourceType") == "Bundle":
            _search_state(resource, whole, paged)
            continue
        if not searchset:
            continue
        search = entry.get("search") if isinstance(entry.get("search"), dict) else {}
        if search.get("mode") in (None, "match"):  # 'include'd resources are not results of the search
            kinds.add(str(resource.get("resourceType")))
    if searchset:
        (paged if _has_next(bundle) else whole).update(kinds & KNOWN_TYPES)


def the_patient(by_type: dict[str, list[Item]]) -> Item:
    """The Bundle's one Patient; refuses a Bundle with none or with several."""
    patients = by_type.get("Patient", [])
    if not patients:
        present = ", ".join(sorted(by_type)) or "no resources Lantern uses"
        raise FhirError(f"The Bundle has no Patient resource (it holds {present}); Lantern needs the Patient.")
    if len({p.rid or p.full_url or str(i) for i, p in enumerate(patients)}) > 1:
        raise FhirError(
            f"The Bundle holds {len(patients)} different Patient resources; send one Bundle per patient."
        )
    return patients[0]


def check_one_patient(by_type: dict[str, list[Item]], patient: Item) -> None:
    """Refuses a Bundle in which a clinical resource is about another patient."""
    for kind in ("Encounter", "Condition", "Procedure", "Observation"):
        for item in by_type.get(kind, []):
            ref = reference_of(item.resource.get("subject") or item.resource.get("patient"))
            if not ref or refers_to(ref, "Patient", patient.rid, patient.full_url):
                continue
            other_patient = "Patient/" in ref or (ref.startswith("urn:") and patient.full_url is not None)
            if other_patient:
                raise FhirError(
                    f"The Bundle mixes patients: a {kind} refers to {ref}, not to the Bundle's Patient. "
                    "Send one Bundle per patient."
                )

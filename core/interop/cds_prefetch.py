"""CDS Hooks prefetch: what the EHR sent, what is still missing or only partly sent, and fetching the rest.

The spec (CDS Hooks 2.0, "Prefetch Template") says prefetch MUST NOT hold ``next`` links, and
that the service must check what was satisfied and fetch what it needs itself. Real EHRs do
send the first page of a search; taking it as the whole search turned 11 admissions into 0.
So a searchset with a ``next`` link is *partial*: its type is not "searched completely", and
the card says which input is incomplete. When the request allows it (``fhirServer`` on the
allow-list, see ``core/interop/fhir_client.py``), ``fill_prefetch`` reads the remaining pages
and any prefetch key that was not sent, and records in plain words what it fetched.

- ``read_prefetch(prefetch, patient_id)``: the ``Prefetched`` parts, or ``PrefetchError`` (400).
- ``fill_prefetch(prefetched, fetcher, context)``: fetch what is missing or partial.
- ``require(hook, prefetched)``: ``MissingPrefetchError`` (412) without the
  resources the hook cannot do without.
- ``Prefetched.bundle()``: one collection Bundle and the resource types searched completely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from core.interop.cds_hooks import PREFETCH, PREFETCH_LABELS
from core.interop.fhir_client import FetchRefusedError, SearchPages, next_link

FIRST_PAGE_ONLY = "only the first page of results was sent"
_TOKENS = (("{{context.patientId}}", "patientId"), ("{{context.encounterId}}", "encounterId"))


class PrefetchError(ValueError):
    """The prefetch is there but cannot be used (a wrong resource type, a malformed Bundle, another patient)."""


class MissingPrefetchError(PrefetchError):
    """Data the hook needs is neither in the prefetch nor fetchable from the FHIR server (the spec's 412)."""


class Fetcher(Protocol):
    """What ``fill_prefetch`` needs from a FHIR client (``core.interop.fhir_client.FhirFetcher``)."""

    def read(self, relative: str) -> dict[str, Any]: ...

    def rest_of_search(self, first_page: dict[str, Any]) -> SearchPages: ...


def required_prefetch(hook: str) -> tuple[str, ...]:
    """The prefetch keys without which the hook cannot be answered."""
    return ("patient", "encounter") if hook == "encounter-discharge" else ("patient",)


def _how_to_send(hook: str) -> str:
    return ("Send the prefetch listed at GET /cds-services, or a fhirServer listed in the service's "
            f"LANTERN_FHIR_SERVERS setting (at least: {', '.join(required_prefetch(hook))}).")


def no_prefetch(hook: str) -> MissingPrefetchError:
    """The error for a request that sent no prefetch object and cannot be fetched for."""
    return MissingPrefetchError(f"The request has no prefetch. {_how_to_send(hook)}")


@dataclass
class Prefetched:
    """The prefetch by key, the search keys still incomplete (key -> why), notes on what was fetched, and why
    nothing was fetched (``not_fetched``, e.g. the server is not on the allow-list)."""

    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    partial: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    not_fetched: str | None = None

    def bundle(self) -> tuple[dict[str, Any], set[str]]:
        """One collection Bundle of every resource, and the resource types whose search is complete."""
        entries, complete = [], set()
        for key, resource in self.resources.items():
            entries.append({"resource": resource})
            _, kind, is_search = PREFETCH.get(key, ("", "", False))
            if is_search and key not in self.partial:
                complete.add(kind)
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}, complete

    def gaps(self) -> list[str]:
        """One sentence per input that is still incomplete, e.g. 'Admissions ...: only the first page ...'."""
        return [f"{PREFETCH_LABELS[key]}: {why}." for key, why in self.partial.items()]

    def has_encounter(self, encounter_id: str) -> bool:
        """Is the Encounter named in the context among the resources?"""
        return any(r.get("resourceType") == "Encounter" and r.get("id") == encounter_id
                   for r in self._all_resources())

    def _all_resources(self) -> list[dict[str, Any]]:
        found = []
        for resource in self.resources.values():
            if resource.get("resourceType") == "Bundle":
                found += [e["resource"] for e in resource.get("entry", []) if isinstance(e.get("resource"), dict)]
            else:
                found.append(resource)
        return found


def _checked_search(key: str, value: dict[str, Any]) -> None:
    entries = value.get("entry", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PrefetchError(f"The '{key}' prefetch is a Bundle whose 'entry' is not a list of objects.")


def _patient_elsewhere(prefetch: Mapping[str, Any], patient_id: str) -> dict[str, Any] | None:
    """A Patient sent under another key (the spec's own example calls it 'patientToGreet')."""
    for key, value in prefetch.items():
        if key not in PREFETCH and isinstance(value, dict) and value.get("resourceType") == "Patient" \
                and value.get("id") in (None, patient_id):
            return value
    return None


def read_prefetch(prefetch: Mapping[str, Any] | None, patient_id: str) -> Prefetched:
    """The prefetch's usable parts; null, OperationOutcome and absent keys are left for fetching."""
    found = Prefetched()
    for key, (_, kind, is_search) in PREFETCH.items():
        value = (prefetch or {}).get(key)
        if not isinstance(value, dict) or value.get("resourceType") in (None, "OperationOutcome"):
            continue  # not fetched, or the EHR could not fetch it: treated as absent
        if value.get("resourceType") == "Bundle":
            _checked_search(key, value)
            if is_search and next_link(value):
                found.partial[key] = FIRST_PAGE_ONLY
        elif value.get("resourceType") != kind:
            raise PrefetchError(f"The '{key}' prefetch holds a {value.get('resourceType')}, not a {kind}.")
        found.resources[key] = value
    if "patient" not in found.resources and prefetch:
        elsewhere = _patient_elsewhere(prefetch, patient_id)
        if elsewhere is not None:
            found.resources["patient"] = elsewhere
    patient = found.resources.get("patient", {})
    if patient.get("resourceType") == "Patient" and patient.get("id") not in (None, patient_id):
        raise PrefetchError("The prefetched Patient is not the patient named in 'context.patientId'.")
    return found


def require(hook: str, prefetched: Prefetched, *, sent: bool = True) -> None:
    """``MissingPrefetchError`` naming what the hook needs and has neither been sent nor fetched
    (``sent``: did the request hold a prefetch object at all)."""
    absent = [key for key in required_prefetch(hook) if key not in prefetched.resources]
    if not absent:
        return
    what = f"is missing the prefetch for: {', '.join(absent)}" if sent else "has no prefetch"
    why = f" Lantern did not fetch it: {prefetched.not_fetched}." if prefetched.not_fetched else ""
    raise MissingPrefetchError(f"The request {what}.{why} {_how_to_send(hook)}")


def needs_fetching(prefetched: Prefetched, context: Mapping[str, str | None]) -> list[str]:
    """The prefetch keys that are partial, or absent and fillable from the context (patient-view: the
    encounter only when the context names one)."""
    return [key for key in PREFETCH if key in prefetched.partial
            or (key not in prefetched.resources and fill_template(key, context) is not None)]


def fill_template(key: str, context: Mapping[str, str | None]) -> str | None:
    """The key's query with the context's ids (percent-encoded), or None when the context lacks one."""
    query = PREFETCH[key][0]
    for token, name in _TOKENS:
        if token in query:
            value = context.get(name)
            if not value:
                return None
            query = query.replace(token, quote(value, safe=""))
    return quote(query, safe="/?=&,%")


def _pages(n: int) -> str:
    return "1 page" if n == 1 else f"{n} pages"


def _rest(prefetched: Prefetched, key: str, fetcher: Fetcher, first: dict[str, Any], sent: bool) -> None:
    """Read the pages after ``first`` into the key's Bundle; record what was fetched or why it stopped."""
    label = PREFETCH_LABELS[key]
    rest = fetcher.rest_of_search(first)
    merged = {k: v for k, v in first.items() if k != "link"}
    merged["entry"] = [*first.get("entry", []), *rest.entries]
    prefetched.resources[key] = merged
    if rest.stopped is None:
        prefetched.partial.pop(key, None)
        done = (f"the prefetch held the first page; the other {_pages(rest.pages)} were fetched from the EHR's "
                "FHIR server" if sent else f"not in the prefetch; fetched from the EHR's FHIR server "
                f"({_pages(rest.pages + 1)})")
        prefetched.notes.append(f"{label}: {done}.")
        return
    read = rest.pages + 1
    prefetched.partial[key] = (f"{FIRST_PAGE_ONLY}, and the rest could not be fetched ({rest.stopped})"
                               if read == 1 else f"only the first {read} pages of results could be read "
                               f"({rest.stopped})")


def _fetch_one(prefetched: Prefetched, key: str, fetcher: Fetcher, context: Mapping[str, str | None]) -> None:
    _, kind, is_search = PREFETCH[key]
    if key in prefetched.partial:
        _rest(prefetched, key, fetcher, prefetched.resources[key], sent=True)
        return
    query = fill_template(key, context)
    assert query is not None
    try:
        resource = fetcher.read(query)
    except FetchRefusedError as exc:
        prefetched.notes.append(f"{PREFETCH_LABELS[key]}: not in the prefetch, and it could not be fetched "
                                  f"({exc}).")
        return
    expected = "Bundle" if is_search else kind
    if resource.get("resourceType") != expected:
        prefetched.notes.append(f"{PREFETCH_LABELS[key]}: not in the prefetch; the FHIR server did not answer "
                                  f"with a {expected}.")
        return
    if is_search:
        _checked_search(key, resource)
        _rest(prefetched, key, fetcher, resource, sent=False)
    else:
        prefetched.resources[key] = resource
        prefetched.notes.append(f"{PREFETCH_LABELS[key]}: not in the prefetch; fetched from the EHR's FHIR server.")


def fill_prefetch(prefetched: Prefetched, fetcher: Fetcher, context: Mapping[str, str | None]) -> None:
    """Fetch the remaining pages of partial searches and the keys not sent, within the fetcher's caps."""
    for key in needs_fetching(prefetched, context):
        _fetch_one(prefetched, key, fetcher, context)
    patient = prefetched.resources.get("patient", {})
    if patient.get("id") not in (None, context.get("patientId")):
        del prefetched.resources["patient"]
        prefetched.notes.append("Patient: the FHIR server answered with another patient, which was not used.")

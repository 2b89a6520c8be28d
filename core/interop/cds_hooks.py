"""CDS Hooks without HTTP: the discovery document, prefetch -> FHIR Bundle, and the card for a scored patient.

The service (``service/``) turns HTTP into these calls and their answers back into HTTP;
everything here is a pure function of the engine, the request's parts and the result, so
the card wording can be read and tested without a server.

- ``discovery(engine)``: the ``GET /cds-services`` document (one service, its prefetch templates).
- ``prefetch_bundle(hook, prefetch, patient_id)``: the prefetch as one collection Bundle, or
  ``MissingPrefetchError`` (the service answers 412: it never queries the FHIR server itself) or
  ``PrefetchError`` (400: the prefetch is there but unusable).
- ``build_card(engine, result, mapping)``: one card, following the CDS Hooks rules (summary
  under 140 characters, indicator info/warning/critical, a source label, markdown detail).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.interop.fhir import LABS, FhirMapping
from core.presentation.wording import format_risk, natural_frequency

if TYPE_CHECKING:
    from core.scoring.engine import Engine, PatientResult

SERVICE_ID = "lantern-readmission"
HOOKS = ("encounter-discharge", "patient-view")
SUMMARY_LIMIT = 140
INDICATORS = ("info", "warning", "critical")
DISCLAIMER = (
    "Drivers are associations in the model, not causes. This score supports, not replaces, clinical judgement."
)

_LOINC_CODES = ",".join(f"http://loinc.org|{code}" for lab in LABS.values() for code in lab.loinc)
#: Prefetch key -> (FHIR query template, resource type it returns, is it a search).
PREFETCH: Mapping[str, tuple[str, str, bool]] = MappingProxyType({
    "patient": ("Patient/{{context.patientId}}", "Patient", False),
    "encounter": ("Encounter/{{context.encounterId}}", "Encounter", False),
    "conditions": ("Condition?patient={{context.patientId}}", "Condition", True),
    "observations": (f"Observation?patient={{{{context.patientId}}}}&code={_LOINC_CODES}", "Observation", True),
    "procedures": ("Procedure?patient={{context.patientId}}", "Procedure", True),
    "priorEncounters": ("Encounter?patient={{context.patientId}}", "Encounter", True),
})


class PrefetchError(ValueError):
    """The prefetch is there but cannot be used (a wrong resource type, a malformed Bundle, another patient)."""


class MissingPrefetchError(PrefetchError):
    """Prefetch the hook needs is absent; this service never fetches it from the FHIR server itself."""


def discovery(engine: Engine) -> dict[str, Any]:
    """The ``GET /cds-services`` document."""
    return {
        "services": [
            {
                "hook": "encounter-discharge",
                "id": SERVICE_ID,
                "title": "Lantern 30-day readmission risk",
                "description": (
                    "Estimates the risk of unplanned readmission within 30 days of discharge from the patient's "
                    "age, sex, stay, comorbidities, labs and prior visits, and explains the largest drivers. "
                    f"Model: {engine.bundle.name} {engine.bundle.version}. Also answers the patient-view hook."
                ),
                "prefetch": {key: template for key, (template, _, _) in PREFETCH.items()},
                "usageRequirements": "Send the prefetch; this service does not query the FHIR server itself.",
            }
        ]
    }


def required_prefetch(hook: str) -> tuple[str, ...]:
    """The prefetch keys without which the hook cannot be answered."""
    return ("patient", "encounter") if hook == "encounter-discharge" else ("patient",)


def no_prefetch(hook: str) -> MissingPrefetchError:
    """The error for a request that sent no prefetch object at all."""
    return MissingPrefetchError(
        "The request has no prefetch. This service does not query the FHIR server itself; send the prefetch "
        f"listed at GET /cds-services (at least: {', '.join(required_prefetch(hook))})."
    )


def _prefetch_entries(prefetch: Mapping[str, Any]) -> tuple[list[dict[str, Any]], set[str], list[str]]:
    """Bundle entries, the resource types searched completely, and the keys that held a resource."""
    entries: list[dict[str, Any]] = []
    complete: set[str] = set()
    given: list[str] = []
    for key, (_, kind, is_search) in PREFETCH.items():
        value = prefetch.get(key)
        if not isinstance(value, dict) or value.get("resourceType") in (None, "OperationOutcome"):
            continue  # not fetched, or the EHR could not fetch it: treated as absent
        found = value.get("resourceType")
        if found == "Bundle":
            if not isinstance(value.get("entry", []), list):
                raise PrefetchError(f"The '{key}' prefetch is a Bundle whose 'entry' is not a list.")
            if is_search:
                complete.add(kind)
        elif found != kind:
            raise PrefetchError(f"The '{key}' prefetch holds a {found}, not a {kind}.")
        entries.append({"resource": value})
        given.append(key)
    return entries, complete, given


def prefetch_bundle(
    hook: str, prefetch: Mapping[str, Any] | None, patient_id: str
) -> tuple[dict[str, Any], set[str], list[str]]:
    """Prefetch -> one collection Bundle, the resource types searched completely, and the keys given."""
    if not isinstance(prefetch, Mapping):
        raise no_prefetch(hook)
    entries, complete, given = _prefetch_entries(prefetch)
    absent = [key for key in required_prefetch(hook) if key not in given]
    if absent:
        raise MissingPrefetchError(
            f"The request is missing the prefetch for: {', '.join(absent)}. This service does not query the "
            "FHIR server itself; send the prefetch listed at GET /cds-services."
        )
    patient = prefetch["patient"]
    if patient.get("resourceType") == "Patient" and patient.get("id") not in (None, patient_id):
        raise PrefetchError("The prefetched Patient is not the patient named in 'context.patientId'.")
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, complete, given


# ---- the card -----------------------------------------------------------------------------------

def indicator_for(band: str, bands: Sequence[Mapping[str, Any]]) -> str:
    """Lowest band -> info, highest -> critical, any band between -> warning."""
    names = [str(b.get("name")) for b in bands]
    if band not in names:
        return "warning"
    i = names.index(band)
    if i == 0:
        return "info"
    return "critical" if i == len(names) - 1 else "warning"


_MD_SPECIAL = MappingProxyType(str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"}))


def markdown_text(text: object) -> str:
    """Text that may quote the request (FHIR warnings, rejection reasons), made inert in markdown."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def _card(summary: str, indicator: str, detail: Sequence[str], engine: Engine) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary[: SUMMARY_LIMIT - 1],
        "indicator": indicator,
        "detail": "\n\n".join(detail),
        "source": {"label": f"Lantern readmission model {engine.bundle.version}"},
    }


def _unscored_card(engine: Engine, result: PatientResult, mapping: FhirMapping) -> dict[str, Any]:
    """The warning card for a patient the model refused: which recorded value, and where it came from."""
    reason, came_from = result.rejected, []
    for name in engine.schema.names:
        if f"{name}:" in reason:
            reason = reason.replace(f"{name}:", f"{engine.schema.feature(name).display_label}:")
            if name in mapping.sources:
                came_from.append(mapping.sources[name])
    where = f" It came from: {markdown_text('; '.join(came_from))}." if came_from else ""
    warnings = [markdown_text(w) for w in mapping.warnings]
    detail = [
        "**Lantern could not score this patient.**",
        f"A value taken from the record is not plausible: {markdown_text(reason)}.{where}",
        "Check the value and its unit in the record; the model is not run on implausible inputs.",
        *(["**Notes on the FHIR data**\n\n" + "\n".join(f"- {w}" for w in warnings)] if warnings else []),
        f"_{DISCLAIMER}_",
    ]
    return _card("Lantern could not score this patient: a recorded value is not plausible", "warning", detail,
                 engine)


def _scored_card(engine: Engine, result: PatientResult, mapping: FhirMapping) -> dict[str, Any]:
    """The risk card: risk and band, a frequency sentence, the top three drivers and the data warnings."""
    pct = format_risk(result.risk)
    lines = [f"**30-day readmission risk: {pct}** ({result.band} band)", natural_frequency(result.risk)]
    if result.percentile == result.percentile:  # not NaN
        lines.append(f"Higher than {result.percentile:.0f}% of patients in the model's training data; "
                     f"the average risk there is {format_risk(result.baseline)}.")
    top = "\n".join(f"{i}. {r}" for i, r in enumerate(result.reasons[:3], start=1))
    lines.append("**Largest drivers** (in percentage points of risk)\n\n" + top)
    flagged = [f"- {title.capitalize()}: {', '.join(names)}" for title, names in result.flags.items() if names]
    notes = flagged + [f"- {markdown_text(w)}" for w in mapping.warnings]
    n_features = len(engine.schema.names)
    lines.append(f"**Warnings** ({n_features - len(mapping.missing)} of {n_features} inputs came from the FHIR "
                 "record)\n\n" + ("\n".join(notes) if notes else "- None."))
    lines.append(f"_{DISCLAIMER}_")
    return _card(f"30-day readmission risk {pct} ({result.band})", indicator_for(result.band, engine.bundle.bands),
                 lines, engine)


def build_card(engine: Engine, result: PatientResult, mapping: FhirMapping) -> dict[str, Any]:
    """One CDS Hooks card for a scored (or unscoreable) patient."""
    if result.rejected:
        return _unscored_card(engine, result, mapping)
    return _scored_card(engine, result, mapping)

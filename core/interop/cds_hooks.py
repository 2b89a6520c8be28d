"""CDS Hooks without HTTP: the discovery document and the card for a scored patient.

The service (``service/``) turns HTTP into these calls and their answers back into HTTP;
everything here is a pure function of the engine, the request's parts and the result, so
the card wording can be read and tested without a server. Reading the prefetch (and
fetching what it lacks) is ``core/interop/cds_prefetch.py``.

- ``discovery(engine)``: the ``GET /cds-services`` document: one service per hook answered
  (encounter-discharge, patient-view), each with its prefetch templates.
- ``build_card(engine, result, mapping, prefetched)``: one card, following the CDS Hooks rules
  (summary under 140 characters, indicator info/warning/critical, a source label, markdown
  detail). A card never shows a confident risk from a record that is not there: without a
  stay to score, or with a search only partly sent, it is an info card without a percentage;
  with searches not sent at all, the risk's summary says "from an incomplete record".
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from core.interop.fhir import LABS, FhirMapping
from core.presentation.wording import format_risk, markdown_text, natural_frequency

if TYPE_CHECKING:
    from core.interop.cds_prefetch import Prefetched
    from core.scoring.engine import Engine, PatientResult

SERVICE_ID = "lantern-readmission"
HOOKS = ("encounter-discharge", "patient-view")
SUMMARY_LIMIT = 140
INDICATORS = ("info", "warning", "critical")
#: The features that come from the stay itself: with none of them recorded there is no stay to score.
STAY_FEATURES = ("length_of_stay_days", "admission_type", "service", "discharge_disposition")
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


#: Prefetch key -> what it feeds, in the words of the card ("<label>: only the first page ... was sent").
PREFETCH_LABELS: Mapping[str, str] = MappingProxyType({
    "patient": "Patient (age and sex)",
    "encounter": "The stay being scored (length of stay, admission type, service, discharge)",
    "conditions": "Diagnoses (comorbidities and the Charlson index)",
    "observations": "Lab results (hemoglobin and sodium at discharge)",
    "procedures": "Procedures during the stay",
    "priorEncounters": "Admissions in the last 12 months and ED visits in the last 6 months",
})
#: Hook -> the id of the service that answers it (POST /cds-services/{id}); each id answers both hooks.
SERVICES: Mapping[str, str] = MappingProxyType({"encounter-discharge": SERVICE_ID,
                                                "patient-view": f"{SERVICE_ID}-patient-view"})
_USAGE = ("Send the prefetch. The service fetches missing or paginated prefetch itself only from a fhirServer "
          "listed in its LANTERN_FHIR_SERVERS setting (empty by default: it never fetches).")


def templates(hook: str) -> dict[str, str]:
    """The prefetch templates of a hook: patient-view has no encounter template (its encounterId is optional)."""
    return {key: template for key, (template, _, _) in PREFETCH.items()
            if hook == "encounter-discharge" or key != "encounter"}


def discovery(engine: Engine) -> dict[str, Any]:
    """The ``GET /cds-services`` document: one service per hook answered, each with its prefetch templates."""
    model = f"Model: {engine.bundle.name} {engine.bundle.version}."
    what = ("the risk of unplanned readmission within 30 days of discharge from the patient's age, sex, stay, "
            "comorbidities, labs and prior visits, and explains the largest drivers.")
    descriptions = {
        "encounter-discharge": f"At discharge, estimates {what} {model}",
        "patient-view": (f"When a patient's record is opened, estimates {what} The stay scored is the most recent "
                         f"inpatient stay that has ended; without one, the card says so and gives no risk. {model}"),
    }
    return {"services": [
        {"hook": hook, "id": service_id, "title": "Lantern 30-day readmission risk",
         "description": descriptions[hook], "prefetch": templates(hook), "usageRequirements": _USAGE}
        for hook, service_id in SERVICES.items()
    ]}


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


def _card(summary: str, indicator: str, detail: Sequence[str], engine: Engine) -> dict[str, Any]:
    return {
        "uuid": str(uuid.uuid4()),
        "summary": summary[: SUMMARY_LIMIT - 1],
        "indicator": indicator,
        "detail": "\n\n".join(detail),
        "source": {"label": f"Lantern readmission model {engine.bundle.version}"},
    }


def _bullets(title: str, lines: Sequence[str]) -> list[str]:
    """A titled markdown list, or nothing when there are no lines."""
    return [f"**{title}**\n\n" + "\n".join(f"- {line}" for line in lines)] if lines else []


def _request_notes(mapping: FhirMapping, prefetched: Prefetched | None) -> list[str]:
    """The FHIR warnings and what was fetched (or not), as inert markdown blocks."""
    fetched = [markdown_text(n) for n in prefetched.notes] if prefetched else []
    return [*_bullets("About the data sent", fetched),
            *_bullets("Notes on the FHIR data", [markdown_text(w) for w in mapping.warnings])]


def _not_sent(prefetched: Prefetched | None) -> list[str]:
    """The searches neither sent nor fetched: their inputs are not recorded."""
    if prefetched is None:
        return []
    return [PREFETCH_LABELS[key] for key, (_, _, is_search) in PREFETCH.items()
            if is_search and key not in prefetched.resources]


def stay_found(mapping: FhirMapping) -> bool:
    """Did the record give an inpatient stay to score? The mapper decides (an ended inpatient Encounter), and
    the stay must have given at least one of its length, admission, service or discharge."""
    return mapping.index_stay_found and any(name in mapping.sources for name in STAY_FEATURES)


def patient_facts(mapping: FhirMapping) -> dict[str, bool]:
    """What the record says beyond the inputs, for ``Engine.patient``'s population rules."""
    return {"alive": not mapping.deceased, "inpatient_stay": stay_found(mapping)}


def _not_estimated_card(engine: Engine, result: PatientResult, mapping: FhirMapping,
                        prefetched: Prefetched | None) -> dict[str, Any]:
    """The info card without a percentage for a patient outside the population or without a required input."""
    if result.not_eligible:
        summary = "Outside the model's population: Lantern gives no readmission risk"
        why = ["**This patient is outside the population the model was built for, so Lantern gives no "
               "readmission risk.**", markdown_text(result.not_eligible[:1].upper() + result.not_eligible[1:]) + "."]
    else:
        summary = "Not enough information to estimate: Lantern gives no readmission risk"
        why = ["**Not enough information to estimate, so Lantern gives no readmission risk.**",
               *_bullets("Needed", [markdown_text(n) for n in result.needed])]
    detail = [*why, *_request_notes(mapping, prefetched), f"_{DISCLAIMER}_"]
    return _card(summary, "info", detail, engine)


def _unscored_card(engine: Engine, result: PatientResult, mapping: FhirMapping,
                   prefetched: Prefetched | None) -> dict[str, Any]:
    """The warning card for a patient the model refused: which recorded value, and where it came from."""
    reason, came_from = result.rejected, []
    for name in engine.schema.names:
        if f"{name}:" in reason:
            reason = reason.replace(f"{name}:", f"{engine.schema.feature(name).display_label}:")
            if name in mapping.sources:
                came_from.append(mapping.sources[name])
    where = f" It came from: {markdown_text('; '.join(came_from))}." if came_from else ""
    detail = [
        "**Lantern could not score this patient.**",
        f"A value taken from the record is not plausible: {markdown_text(reason)}.{where}",
        "Check the value and its unit in the record; the model is not run on implausible inputs.",
        *_request_notes(mapping, prefetched),
        f"_{DISCLAIMER}_",
    ]
    return _card("Lantern could not score this patient: a recorded value is not plausible", "warning", detail,
                 engine)


def _no_risk_card(engine: Engine, mapping: FhirMapping, prefetched: Prefetched | None) -> dict[str, Any]:
    """The info card without a percentage: no stay to score, or inputs only partly sent (a risk would mislead)."""
    if not stay_found(mapping):
        summary = "No inpatient stay found: Lantern gives no readmission risk"
        why = ["**No inpatient stay found, so Lantern gives no readmission risk.**",
               "The risk is estimated at discharge from an inpatient stay; the record sent holds no inpatient "
               "stay with a length, admission, service or discharge Lantern could read."]
    else:
        summary = "Incomplete record: Lantern gives no readmission risk"
        why = ["**The record sent is incomplete, so Lantern gives no readmission risk.**",
               "A risk from part of the record could be far too low or too high. Send the complete searches in "
               "the prefetch, or list this EHR's FHIR server in Lantern's LANTERN_FHIR_SERVERS setting so that "
               "Lantern can fetch the remaining pages."]
    gaps = [markdown_text(g) for g in prefetched.gaps()] if prefetched else []
    if gaps and prefetched and prefetched.not_fetched:
        gaps.append(markdown_text(f"Lantern did not fetch the rest: {prefetched.not_fetched}."))
    detail = [*why, *_bullets("Incomplete inputs", gaps), *_request_notes(mapping, prefetched), f"_{DISCLAIMER}_"]
    return _card(summary, "info", detail, engine)


def _scored_card(engine: Engine, result: PatientResult, mapping: FhirMapping,
                 prefetched: Prefetched | None) -> dict[str, Any]:
    """The risk card: risk and band, a frequency sentence, the top three drivers and the data warnings."""
    pct, not_sent = format_risk(result.risk), _not_sent(prefetched)
    lines = [f"**30-day readmission risk: {pct}** ({result.band} band)", natural_frequency(result.risk)]
    if not_sent:
        lines.append("**From an incomplete record.** Not sent: " + "; ".join(not_sent) + ". What they feed is not "
                     "recorded, and the model fills it in from its training data.")
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
    if prefetched and prefetched.notes:
        lines += _bullets("About the data sent", [markdown_text(n) for n in prefetched.notes])
    lines.append(f"_{DISCLAIMER}_")
    summary = f"30-day readmission risk {pct} ({result.band})" + (", from an incomplete record" if not_sent else "")
    return _card(summary, indicator_for(result.band, engine.bundle.bands), lines, engine)


def build_card(engine: Engine, result: PatientResult, mapping: FhirMapping,
               prefetched: Prefetched | None = None) -> dict[str, Any]:
    """One CDS Hooks card: refused, no risk (no stay, inputs only partly sent, outside the population or
    without a required input), or the risk."""
    if result.rejected:
        return _unscored_card(engine, result, mapping, prefetched)
    if not stay_found(mapping) or (prefetched is not None and prefetched.partial):
        return _no_risk_card(engine, mapping, prefetched)
    if not result.estimated:
        return _not_estimated_card(engine, result, mapping, prefetched)
    return _scored_card(engine, result, mapping, prefetched)

"""The request and response bodies as pydantic models: they validate the requests and generate the OpenAPI.

Because the same classes check each request and write ``GET /openapi.json``, the document
cannot promise a field the handler does not enforce (or the other way round). Request
models are strict (no "yes" for true, no number for text); a body that fails them is
answered with one sentence from ``service/errors.py``.

The hook request follows CDS Hooks 2.0 (https://cds-hooks.org/specification/2.0/): ``hook``,
``hookInstance``, ``fhirServer``, ``fhirAuthorization``, ``context``, ``prefetch``. Each hook
has its own context, so the request is a union on ``hook``: ``encounter-discharge`` needs
``context.encounterId``, ``patient-view`` does not. ``context.userId`` is left optional
(the spec requires it) because the service never uses it and has always accepted requests
without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictBool, StrictFloat, StrictInt, StrictStr

from core.interop.cds_hooks import PREFETCH, SUMMARY_LIMIT
from service.errors import RequestError, hook_request_error, score_request_error

#: One cell of a row: what a CSV cell can hold, as JSON.
Cell = StrictStr | StrictInt | StrictFloat | StrictBool | None
#: A FHIR resource as JSON (the service reads only what ``core.interop.fhir`` understands).
Resource = dict[str, Any]



class StrictModel(BaseModel):
    """A request part: no coercion ("yes" is not true, 5 is not text)."""

    model_config = ConfigDict(strict=True)


class ErrorMessage(BaseModel):
    """Every error: one plain sentence that names the field or value and the fix."""

    model_config = ConfigDict(title="Error")
    error: str


# ---- CDS Hooks request -----------------------------------------------------------------------------

class FhirAuthorization(StrictModel):
    """CDS Hooks 2.0 fhirAuthorization: its access_token is sent only to an allow-listed fhirServer."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class PatientViewContext(StrictModel):
    """Context of the patient-view hook."""

    user_id: str | None = Field(None, alias="userId", description="Who is using the EHR (not used)")
    patient_id: str = Field(alias="patientId", description="The FHIR id of the patient")
    encounter_id: str | None = Field(None, alias="encounterId", description="The FHIR id of the current Encounter")


class EncounterDischargeContext(PatientViewContext):
    """Context of the encounter-discharge hook: the Encounter being closed is required."""

    encounter_id: str = Field(alias="encounterId", min_length=1, description="The FHIR id of the Encounter")


class Prefetch(StrictModel):
    """The FHIR data the EHR fetched for the templates at GET /cds-services (null: it could not fetch it).

    Both hooks need patient, and encounter-discharge also encounter: without a resource there (and
    no allow-listed fhirServer to fetch it from) the answer is 412 naming what is missing. The other
    keys are optional; each one absent is named on the card. A searchset with a ``next`` link is
    incomplete: its remaining pages are fetched when allowed, else the card gives no risk.
    """

    model_config = ConfigDict(extra="allow")
    patient: Resource | None = Field(None, description=PREFETCH["patient"][0])
    encounter: Resource | None = Field(None, description=PREFETCH["encounter"][0])
    conditions: Resource | None = Field(None, description=PREFETCH["conditions"][0])
    observations: Resource | None = Field(None, description=PREFETCH["observations"][0])
    procedures: Resource | None = Field(None, description=PREFETCH["procedures"][0])
    prior_encounters: Resource | None = Field(None, alias="priorEncounters",
                                              description=PREFETCH["priorEncounters"][0])


class _HookCall(StrictModel):
    """The CDS Hooks 2.0 request fields every hook shares."""

    hook_instance: str = Field(alias="hookInstance", description="A UUID naming this call")
    fhir_server: str | None = Field(None, alias="fhirServer", description=(
        "The EHR's FHIR base URL; queried for missing or paginated prefetch only when listed in "
        "LANTERN_FHIR_SERVERS"))
    fhir_authorization: FhirAuthorization | None = Field(None, alias="fhirAuthorization")
    prefetch: Prefetch | None = Field(None, description=(
        "The prefetch; without the required keys (and no allow-listed fhirServer to fetch them from), 412"))

    def prefetched(self) -> dict[str, Any] | None:
        """The prefetch as the JSON object it came in as (keys as sent), or None when there is none."""
        return None if self.prefetch is None else self.prefetch.model_dump(by_alias=True, exclude_unset=True)


class EncounterDischargeRequest(_HookCall):
    hook: Literal["encounter-discharge"]
    context: EncounterDischargeContext


class PatientViewRequest(_HookCall):
    hook: Literal["patient-view"]
    context: PatientViewContext


#: One CDS Hooks call, whichever hook it is.
HookCall = EncounterDischargeRequest | PatientViewRequest


class HookRequest(RootModel[Annotated[EncounterDischargeRequest | PatientViewRequest, Field(discriminator="hook")]]):
    """A CDS Hooks 2.0 request for encounter-discharge or patient-view."""

    @classmethod
    def problem(cls, errors: Iterable[Mapping[str, Any]]) -> RequestError:
        return hook_request_error(errors)


# ---- CDS Hooks responses --------------------------------------------------------------------------------

class CardSource(BaseModel):
    label: str


class Card(BaseModel):
    """A CDS Hooks card; detail is GitHub-flavoured markdown."""

    uuid: str
    summary: str = Field(max_length=SUMMARY_LIMIT - 1)
    indicator: Literal["info", "warning", "critical"]
    detail: str
    source: CardSource


class Cards(BaseModel):
    cards: list[Card] = Field(min_length=1, max_length=1)


class CdsService(BaseModel):
    hook: str
    id: str
    title: str
    description: str
    prefetch: dict[str, str] = Field(description="Prefetch key -> FHIR query template")
    usage_requirements: str = Field(alias="usageRequirements")


class Discovery(BaseModel):
    services: list[CdsService]


class Health(BaseModel):
    status: Literal["ok"]
    model_version: str


# ---- /score ----------------------------------------------------------------------------------------------

class ScoreRequest(StrictModel):
    """Rows of the model's columns (text, numbers, true/false or null), as python -m core.score reads them."""

    rows: list[dict[str, Cell]] = Field(min_length=1, description="One object per patient: column -> value")
    explain: StrictBool = Field(False, description="Add the per-feature contribution columns")

    @classmethod
    def problem(cls, errors: Iterable[Mapping[str, Any]]) -> RequestError:
        return score_request_error(errors)

    def frame(self) -> pd.DataFrame:
        """The rows as the table validation reads: true/false cells become the words it reads for yes/no."""
        frame = pd.DataFrame.from_records(self.rows)
        for column in frame.columns:
            if frame[column].map(lambda v: isinstance(v, bool)).any():
                frame[column] = frame[column].map(lambda v: str(v).lower() if isinstance(v, bool) else v)
        return frame


class ScoreCounts(BaseModel):
    """read = scored + rejected + not_eligible + insufficient_data."""

    read: int
    scored: int
    rejected: int
    not_eligible: int = Field(description="Rows outside the model's population (status 'not eligible')")
    insufficient_data: int = Field(description="Rows without an input the estimate needs (status 'insufficient "
                                               "data')")


class ScoreResponse(BaseModel):
    rows: list[dict[str, Cell]] = Field(description="The columns python -m core.score writes: ids, status, reason, "
                                                    "risk, risk_band, flags, top_reasons (and contributions)")
    counts: ScoreCounts

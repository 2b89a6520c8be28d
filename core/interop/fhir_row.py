"""The row being filled from FHIR, and the result handed back (``FhirMapping``).

``Row`` keeps only the features the schema has, refuses categories the model does not know
(with a warning instead of an exception), and remembers for every feature how it was read:
``recorded`` (a value in the Bundle), ``inferred`` (derived from other data, e.g. an
emergency admission from the encounter chain), ``absent`` (none found in a search the
caller or the Bundle says was complete: the 0 is data), or ``not recorded`` with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.data.schema import Schema
from core.presentation.wording import NOT_RECORDED

RECORDED = "recorded"
INFERRED = "inferred"
ABSENT = "absent (complete search)"


@dataclass
class FhirMapping:
    """One schema row from FHIR: the values, where each came from, what is missing and why.

    ``status`` says per feature how it was read (``recorded``, ``inferred``, ``absent
    (complete search)`` or ``not recorded``); ``reasons`` why a feature is not recorded;
    ``searched`` per resource type whether its search is known to be complete and how;
    ``index_stay_found`` whether the Bundle holds an inpatient stay to score.
    """

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    index_stay_found: bool = False
    status: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    searched: dict[str, str] = field(default_factory=dict)
    deceased: bool = False  # Patient.deceasedBoolean true or a deceasedDateTime: outside the model's population

    def provenance(self) -> list[dict[str, Any]]:
        """One row per feature: its value, how it was read and the FHIR element or the reason behind it."""
        return [{"feature": name, "value": value, "status": self.status.get(name, NOT_RECORDED),
                 "detail": self.sources.get(name) or self.reasons.get(name, "")}
                for name, value in self.values.items()]


class Row:
    """Collects values for the features the schema has, with their sources, reasons and the warnings."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.names = set(schema.names)
        self.values: dict[str, Any] = {n: None for n in schema.names}
        self.sources: dict[str, str] = {}
        self.status: dict[str, str] = {}
        self.reasons: dict[str, str] = {}
        self.searched: dict[str, str] = {}
        self.warnings: list[str] = []
        self.index_stay_found = False
        self.deceased = False

    def wants(self, name: str) -> bool:
        return name in self.names

    def set(self, name: str, value: Any, source: str, status: str = RECORDED) -> None:
        """Record a value read from FHIR; a category the model does not know stays not recorded."""
        if name not in self.names or value is None:
            return
        spec = self.schema.feature(name)
        if spec.kind == "categorical" and spec.categories and value not in spec.categories:
            self.warn(f"{spec.display_label}: '{value}' is not one of the model's categories; not recorded.")
            self.not_recorded(name, f"'{value}' is not one of the model's categories")
            return
        self.values[name] = value
        self.sources[name] = source
        self.status[name] = status
        self.reasons.pop(name, None)

    def not_recorded(self, name: str, reason: str) -> None:
        """Say why a feature is left not recorded (the first reason given is kept)."""
        if name in self.names and self.values[name] is None:
            self.reasons.setdefault(name, reason)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def result(self) -> FhirMapping:
        missing = [n for n in self.schema.names if self.values[n] is None]
        status = {n: self.status.get(n, NOT_RECORDED) for n in self.schema.names}
        reasons = {n: self.reasons.get(n, "not in the Bundle") for n in missing}
        return FhirMapping(dict(self.values), dict(self.sources), missing, list(self.warnings),
                           self.index_stay_found, status, reasons, dict(self.searched), deceased=self.deceased)

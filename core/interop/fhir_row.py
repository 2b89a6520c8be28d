"""The row being filled from FHIR, and the result handed back (``FhirMapping``).

``Row`` keeps only the features the schema has, refuses categories the model does not know
(with a warning instead of an exception), and remembers where each value came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.data.schema import Schema


@dataclass
class FhirMapping:
    """One schema row from FHIR: the values, where each came from, what is missing and why."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Row:
    """Collects values for the features the schema has, with their sources and the warnings."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.names = set(schema.names)
        self.values: dict[str, Any] = {n: None for n in schema.names}
        self.sources: dict[str, str] = {}
        self.warnings: list[str] = []

    def wants(self, name: str) -> bool:
        return name in self.names

    def set(self, name: str, value: Any, source: str) -> None:
        if name not in self.names or value is None:
            return
        spec = self.schema.feature(name)
        if spec.kind == "categorical" and spec.categories and value not in spec.categories:
            self.warn(f"{spec.display_label}: '{value}' is not one of the model's categories; not recorded.")
            return
        self.values[name] = value
        self.sources[name] = source

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def result(self) -> FhirMapping:
        missing = [n for n in self.schema.names if self.values[n] is None]
        return FhirMapping(dict(self.values), dict(self.sources), missing, list(self.warnings))

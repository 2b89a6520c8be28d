"""What the trainer records about who the model is for: the population rules and the required inputs.

Both go into the bundle's schema (``core.clinical.eligibility`` explains the rule forms), so
the engine refuses a number for a patient the model was not built for on every path.

- Population: the schema file's ``"eligibility"`` if it states one; otherwise the
  discharge-time default (adults 18 and over up to the oldest age in the training data, an
  ended inpatient stay, alive at discharge, no death or hospice disposition), plus any
  ``"exclusions"`` the schema file lists (rules in the same form).
- Required inputs: the schema file's ``"required_inputs"`` if it names them; otherwise the
  inputs that place the patient in the population (age, length of stay, where the model has
  them) plus the trainer's proposal (``propose_required``): of the three most important
  inputs (mean absolute contribution on held-out patients), those recorded in at least 95%
  of training rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pandas as pd

from core.clinical.eligibility import default_population, default_required, propose_required, rules_of
from core.data.infer import SchemaError
from core.data.schema import Schema


def record_population(schema: Schema, clean: pd.DataFrame, overrides: Mapping[str, Any],
                      importance: Mapping[str, float]) -> Schema:
    """``schema`` with its population rules and required inputs stated (see the module docstring)."""
    try:
        stated = overrides.get("eligibility")
        age = schema.roles.get("age", "age")
        rules = rules_of(stated) if stated is not None else default_population(schema.features, age)
        rules = (*rules, *rules_of(overrides.get("exclusions") or ()))
    except ValueError as exc:
        raise SchemaError(f"The schema file's eligibility rules cannot be used: {exc}") from exc
    required = overrides.get("required_inputs")
    if required is None:
        recorded = {name: float(clean[name].notna().mean()) for name in schema.names if name in clean}
        proposal = propose_required(importance, recorded)
        required = [*default_required(schema.features, schema.roles.get("age", "age")), *proposal]
    unknown = [n for n in required if n not in schema.names]
    if unknown:
        raise SchemaError(f"'required_inputs' names {', '.join(unknown)}, which are not features; the features "
                          f"are: {', '.join(schema.names)}.")
    return replace(schema, eligibility=tuple(rules), required_inputs=tuple(dict.fromkeys(required)))

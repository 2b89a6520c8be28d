"""One patient's values through the table rules, without building a DataFrame (about a millisecond)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from core.data.cells import CheckedCells, SchemaRules, check_cells
from core.data.schema import FeatureSpec


def check_record(values: Mapping[str, Any], rules: SchemaRules, units: dict[str, str] | None = None) -> CheckedCells:
    """One patient (the form, a FHIR mapping, a cohort row) through ``check_cells``: no DataFrame, same rules.

    Each value becomes the one-cell column a one-row table would hold, so the answer equals
    ``validate`` on ``pd.DataFrame([values])``.
    """
    cells = {spec.name: _one_cell(values.get(spec.name), spec) for spec in rules.schema.features}
    return check_cells(cells, 1, rules, units)


def _one_cell(value: object, spec: FeatureSpec) -> np.ndarray:
    """The column ``pd.DataFrame([{name: value}])`` gives, as ``validate`` hands it to the rules."""
    if isinstance(value, np.generic):
        return np.array([value]).astype(object if spec.kind != "numeric" or value.dtype.kind not in "iuf" else float)
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and spec.kind == "numeric" and (not isinstance(value, int) or -(2**63) <= value < 2**64):
        return np.array([float(value)])
    cell = np.empty(1, dtype=object)
    cell[0] = value
    return cell

"""What-if search: which single change to a modifiable input lowers the model's estimate most.

Kept pure (the model is passed in as a ``predict`` callable) so the search can be tested
without an app and reused by any view. The answer is a *model estimate* for patients like
this one, not a promise that making the change lowers this patient's risk: the model
learned associations, not effects.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.data.schema import FeatureSpec
from core.explain.explainer import format_value

if TYPE_CHECKING:
    from core.scoring.engine import Engine

#: Risks (0-1) for a batch of complete input sets; NaN for a set the model rejects.
Predict = Callable[[list[dict[str, Any]]], Sequence[float]]
NUMERIC_STEPS = 5


@dataclass(frozen=True)
class WhatIfChange:
    """One input changed from ``before`` to ``after`` and the model's risk either side."""

    feature: str
    label: str
    before: Any
    after: Any
    before_text: str
    after_text: str
    risk_before: float
    risk_after: float

    @property
    def change_points(self) -> float:
        """Change in risk in percentage points (negative = lower estimate)."""
        return (self.risk_after - self.risk_before) * 100.0

    def sentence(self) -> str:
        """The change in plain words, worded as a model estimate."""
        direction = "lowers" if self.change_points < 0 else "raises"
        sign = "+" if self.change_points >= 0 else "\u2212"
        return (
            f"Changing {self.label} from {self.before_text} to {self.after_text} {direction} the model's estimate "
            f"from {self.risk_before:.0%} to {self.risk_after:.0%} ({sign}{abs(self.change_points):.1f} points). "
            "This is what the model estimates for patients like this, not a promise of effect."
        )


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(np.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def _same(spec: FeatureSpec, a: Any, b: Any) -> bool:
    if _is_missing(a) or _is_missing(b):
        return _is_missing(a) and _is_missing(b)
    if spec.kind == "categorical":
        return str(a).strip().lower() == str(b).strip().lower()
    return bool(np.isclose(float(a), float(b)))


def alternative_values(spec: FeatureSpec, current: Any, steps: int = NUMERIC_STEPS) -> list[Any]:
    """Every value worth trying for ``spec`` other than ``current``.

    Categories and yes/no levels are tried exhaustively; a number is tried at ``steps``
    evenly spaced points of its training range (whole numbers for integer inputs), never
    outside it, where the model has no data. "Not recorded" is never proposed.
    """
    if spec.kind == "categorical":
        options: list[Any] = list(spec.categories)
    elif spec.kind == "binary":
        options = [0.0, 1.0]
    else:
        if spec.train_min is None or spec.train_max is None or spec.train_max < spec.train_min:
            return []
        grid = np.linspace(float(spec.train_min), float(spec.train_max), max(int(steps), 2))
        if spec.integer:
            grid = np.round(grid)
        options = [float(v) for v in dict.fromkeys(grid.tolist())]
    return [v for v in options if not _same(spec, v, current)]


def all_changes(
    predict: Predict, values: Mapping[str, Any], specs: Iterable[FeatureSpec], steps: int = NUMERIC_STEPS
) -> list[WhatIfChange]:
    """Every single-input change of the given (modifiable) inputs, lowest resulting risk first.

    ``predict`` scores the unchanged inputs and every variant in one batch; a variant the
    model rejects (NaN risk) is skipped.
    """
    base = dict(values)
    tries = [(spec, alt) for spec in specs for alt in alternative_values(spec, base.get(spec.name), steps)]
    risks = [float(r) for r in predict([base, *({**base, spec.name: alt} for spec, alt in tries)])]
    risk_before = risks[0]
    out: list[WhatIfChange] = []
    if not np.isfinite(risk_before):
        return out
    for (spec, alt), risk_after in zip(tries, risks[1:], strict=True):
        current = base.get(spec.name)
        if np.isfinite(risk_after):
            out.append(
                WhatIfChange(
                    feature=spec.name,
                    label=spec.display_label,
                    before=current,
                    after=alt,
                    before_text=format_value(spec, current),
                    after_text=format_value(spec, alt),
                    risk_before=risk_before,
                    risk_after=risk_after,
                )
            )
    out.sort(key=lambda c: (c.risk_after, c.label, str(c.after)))
    return out


def best_change(
    predict: Predict,
    values: Mapping[str, Any],
    specs: Iterable[FeatureSpec],
    steps: int = NUMERIC_STEPS,
    min_drop_points: float = 0.05,
) -> WhatIfChange | None:
    """The single change that lowers the model's estimate most, or None when nothing lowers it.

    A drop smaller than ``min_drop_points`` percentage points is not worth showing.
    """
    changes = all_changes(predict, values, specs, steps)
    if not changes or changes[0].change_points > -abs(min_drop_points):
        return None
    return changes[0]


def engine_predictor(engine: Engine) -> Predict:
    """A batched ``Predict`` backed by ``engine.score``: one validation pass for all variants."""

    def predict(rows: list[dict[str, Any]]) -> list[float]:
        frame = pd.DataFrame([{name: row.get(name) for name in engine.schema.names} for row in rows])
        return engine.score(frame).output["risk"].astype(float).tolist()

    return predict

"""Who the model is for and what it cannot estimate without: the population rules and required inputs.

A bundle carries both as DATA in its schema (``schema.json``: ``"eligibility"`` and
``"required_inputs"``), so the engine refuses a number on every path (CSV, app, form,
FHIR, CDS Hooks, ``/score``) from the same rules. Rule forms:

- ``{"feature": "age", "min": 18, "max": 100}``: a recorded value outside [min, max] is out;
- ``{"feature": "discharge_disposition", "not_in": ["died", "hospice"]}``: those values are out
  (compared case-insensitively; ``"in"`` lists the only values allowed);
- ``{"fact": "alive"}``: a fact about the patient that a caller may know (FHIR
  ``Patient.deceased*``, an inpatient stay found); a fact stated False is out.

A value not recorded (or a fact not known) passes a rule: whether an estimate can be made
without it is the job of the required inputs, reported as "insufficient data".

Bundles trained before these fields existed (``artifacts/default``) are discharge-time
models; ``default_population`` and ``default_required`` derive their population in one place:
adults from 18 to the oldest age in training, an ended inpatient stay, alive at discharge,
and no discharge disposition meaning death or hospice; and the inputs age and length of
stay, without which a discharge-time readmission estimate says nothing: they place the
patient in the population and are recorded for every ended inpatient stay (from
``Patient.birthDate`` and ``Encounter.period``). Admission type is not required by default,
although it is a large driver: FHIR records often do not code it (Synthea never sends
``Encounter.priority``), and demanding it would refuse every such adult with a real stay. A
schema file that states ``"required_inputs"`` overrides this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from core.data.schema import FeatureSpec

#: The youngest age the default population covers: the model is for adults.
ADULT_AGE = 18
#: Discharge dispositions meaning death or hospice: no readmission to predict (NUBC 20, 40-42, 50, 51).
DEATH_OR_HOSPICE: tuple[str, ...] = ("died", "expired", "deceased", "death", "hospice", "hospice - home",
                                     "hospice - medical facility")
#: Facts a caller may know about the patient, and the reason given when one is False.
FACTS: Mapping[str, str] = MappingProxyType({
    "alive": "the patient is recorded as deceased; a readmission risk does not apply",
    "inpatient_stay": "no ended inpatient stay; the model estimates risk at discharge from an inpatient stay",
})
#: The inputs a discharge-time estimate cannot be made without, when the schema names none.
DEFAULT_REQUIRED: tuple[str, ...] = ("age", "length_of_stay_days")
#: The trainer's rule for proposing required inputs: among the most important inputs, those recorded this often.
PROPOSE_TOP = 3
PROPOSE_MIN_RECORDED = 0.95


@dataclass(frozen=True)
class Rule:
    """One population rule (see the module docstring for its JSON form)."""

    feature: str = ""
    fact: str = ""
    min: float | None = None
    max: float | None = None
    not_in: tuple[str, ...] = ()
    only_in: tuple[str, ...] = ()
    reason: str = ""

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rule:
        if bool(d.get("feature")) == bool(d.get("fact")):
            raise ValueError(f"An eligibility rule names either a 'feature' or a 'fact', not {dict(d)}.")
        if d.get("fact") and d["fact"] not in FACTS:
            raise ValueError(f"Unknown eligibility fact '{d['fact']}'; the known facts are: {', '.join(FACTS)}.")
        return cls(feature=str(d.get("feature") or ""), fact=str(d.get("fact") or ""),
                   min=_number(d.get("min")), max=_number(d.get("max")),
                   not_in=tuple(str(v).lower() for v in d.get("not_in") or ()),
                   only_in=tuple(str(v).lower() for v in d.get("in") or ()), reason=str(d.get("reason") or ""))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"feature": self.feature} if self.feature else {"fact": self.fact}
        d |= {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}
        d |= {k: list(v) for k, v in (("not_in", self.not_in), ("in", self.only_in)) if v}
        return d | ({"reason": self.reason} if self.reason else {})

    def describe(self, label: str) -> str:
        """The rule in words, for the model card's "Population" line."""
        if self.fact:
            return {"alive": "alive at discharge", "inpatient_stay": "an ended inpatient stay"}[self.fact]
        parts = []
        if self.min is not None and self.max is not None:
            parts.append(f"{label} {self.min:g} to {self.max:g}")
        elif self.min is not None or self.max is not None:
            parts.append(f"{label} {'at least' if self.min is not None else 'at most'} {self.min or self.max:g}")
        if self.not_in:
            parts.append(f"{label}: not {', '.join(self.not_in)}")
        if self.only_in:
            parts.append(f"{label} one of {', '.join(self.only_in)}")
        return "; ".join(parts)

    def outside(self, values: np.ndarray) -> np.ndarray:
        """True where a recorded value breaks the rule (a value not recorded never does)."""
        if self.min is not None or self.max is not None:
            number = np.asarray(values, dtype=float)
            low = number < self.min if self.min is not None else np.zeros(len(number), dtype=bool)
            return low | (number > self.max) if self.max is not None else low
        text = np.array([str(v).strip().lower() if isinstance(v, str) else "" for v in values], dtype=object)
        out = np.isin(text, list(self.not_in)) if self.not_in else np.zeros(len(text), dtype=bool)
        return out | (~np.isin(text, list(self.only_in)) & (text != "")) if self.only_in else out

    def why(self, value: object, label: str) -> str:
        """Why a patient with ``value`` is outside, in words."""
        if self.fact:
            return self.reason or FACTS[self.fact]
        shown = f"{value:g}" if isinstance(value, float | int) else f"'{value}'"
        return f"{label} {shown} is outside the model's population ({self.reason or self.describe(label)})"


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def rules_of(items: Iterable[Mapping[str, Any]]) -> tuple[Rule, ...]:
    return tuple(Rule.from_dict(d) for d in items)


def default_population(features: Sequence[FeatureSpec], age: str = "age") -> tuple[Rule, ...]:
    """The population of a discharge-time bundle that does not state one (see the module docstring);
    ``age`` is the feature holding the age (the schema's ``age`` role). An age kept as bands (``[70-80)``, a
    categorical input) gets no numeric rule: a schema file states that population itself."""
    names = {f.name: f for f in features}
    rules: list[Rule] = []
    if age in names and names[age].kind == "numeric":
        top = names[age].train_max
        rules.append(Rule(feature=age, min=float(ADULT_AGE), max=None if top is None else float(top),
                          reason=f"adults {ADULT_AGE} and over" + ("" if top is None else f", up to {top:g}")))
    if "discharge_disposition" in names:
        rules.append(Rule(feature="discharge_disposition", not_in=DEATH_OR_HOSPICE,
                          reason="not discharged dead or to hospice"))
    return (*rules, Rule(fact="inpatient_stay"), Rule(fact="alive"))


def default_required(features: Sequence[FeatureSpec], age: str = "age") -> tuple[str, ...]:
    """The required inputs of a bundle that does not name them: those of ``DEFAULT_REQUIRED`` it has
    (``age``: the feature holding the age)."""
    names = {f.name for f in features}
    wanted = [age if n == "age" else n for n in DEFAULT_REQUIRED]
    return tuple(n for n in wanted if n in names)


def propose_required(importance: Mapping[str, float], recorded_share: Mapping[str, float]) -> tuple[str, ...]:
    """The trainer's proposal: of the ``PROPOSE_TOP`` most important inputs, those recorded in at least
    ``PROPOSE_MIN_RECORDED`` of training rows (an input often missing in training cannot be demanded)."""
    top = sorted(importance, key=lambda n: -abs(importance[n]))[:PROPOSE_TOP]
    return tuple(n for n in top if recorded_share.get(n, 0.0) >= PROPOSE_MIN_RECORDED)


@dataclass(frozen=True)
class Gate:
    """A schema's population rules and required inputs, prepared once per engine; read-only afterwards."""

    rules: tuple[Rule, ...]
    required: tuple[int, ...]  # feature positions
    labels: tuple[str, ...]  # every feature's display label, in schema order
    names: tuple[str, ...]  # every feature's name, in schema order

    @classmethod
    def of(cls, features: Sequence[FeatureSpec], rules: Sequence[Rule], required: Sequence[str]) -> Gate:
        position = {f.name: i for i, f in enumerate(features)}
        unknown = [n for n in [*required, *(r.feature for r in rules if r.feature)] if n not in position]
        if unknown:
            raise ValueError(f"Eligibility or required inputs name {', '.join(unknown)}, which the model does not "
                             f"have; its features are: {', '.join(position)}.")
        return cls(tuple(rules), tuple(position[n] for n in required), tuple(f.display_label for f in features),
                   tuple(position))

    def not_eligible(self, columns: Mapping[str, np.ndarray], n: int,
                     facts: Mapping[str, bool | None] | None = None) -> np.ndarray:
        """Per row, why it is outside the population ('' when inside); the first rule broken is given."""
        reasons = np.full(n, "", dtype=object)
        for rule in self.rules:
            if rule.fact:
                if facts is not None and facts.get(rule.fact) is False:
                    reasons[reasons == ""] = rule.why(None, "")
                continue
            if rule.feature not in columns:
                continue
            values = np.asarray(columns[rule.feature])
            label = self.labels[self.names.index(rule.feature)]
            for i in np.flatnonzero(rule.outside(values) & (reasons == "")):
                reasons[i] = rule.why(_plain(values[i]), label)
        return reasons

    def needed(self, missing: np.ndarray) -> np.ndarray:
        """Per row, the labels of the required inputs not recorded, joined ('' when all are there);
        ``missing`` is rows x features."""
        out = np.full(len(missing), "", dtype=object)
        if not self.required:
            return out
        block = missing[:, list(self.required)]
        for i in np.flatnonzero(block.any(axis=1)):
            out[i] = ", ".join(self.labels[self.required[j]] for j in np.flatnonzero(block[i]))
        return out


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def insufficient_reason(needed: str) -> str:
    """The status reason of a row without its required inputs (``needed``: their labels, joined)."""
    return f"not enough information to estimate: needs {needed}"

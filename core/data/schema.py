"""Feature schema: what each model input is, how to show it and which values make sense.

The schema is the contract between a bundle and everything that shows or checks its
inputs: the patient form, validation, the model card. Views never hard-code feature
names; they read them from here, so a bundle trained on a hospital's own CSV gets the
same app for its own features.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from core.clinical.eligibility import Rule, default_population, default_required, rules_of

Kind = Literal["numeric", "categorical", "binary"]

#: Cell text that means "no value" in real exports (compared after trimming, case-insensitive).
MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "?", "na", "n/a", "nan", "null", "none", "#n/a", "-", "--", "missing", "not recorded"}
)
TRUE_WORDS: frozenset[str] = frozenset({"1", "1.0", "yes", "y", "true", "t"})
FALSE_WORDS: frozenset[str] = frozenset({"0", "0.0", "no", "n", "false", "f"})
OTHER_LEVEL = "other"


@dataclass(frozen=True)
class AltUnit:
    """An alternative unit a value may be entered in: canonical = entered * factor."""

    unit: str
    factor: float


@dataclass(frozen=True)
class FeatureSpec:
    """One model input, with everything needed to ask for it, check it and show it.

    ``other_levels`` are categories seen in training but too rare to keep: the model
    treats them as "other", and they are not flagged as unseen.
    """

    name: str
    kind: Kind
    label: str = ""
    unit: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()
    other_levels: tuple[str, ...] = ()
    plausible_min: float | None = None
    plausible_max: float | None = None
    train_min: float | None = None
    train_max: float | None = None
    integer: bool = False
    modifiable: bool = False
    required: bool = True
    missing_share: float = 0.0
    typical: Any = None
    alt_units: tuple[AltUnit, ...] = ()

    @property
    def display_label(self) -> str:
        return self.label or humanize(self.name)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["categories"] = list(self.categories)
        d["other_levels"] = list(self.other_levels)
        d["alt_units"] = [asdict(u) for u in self.alt_units]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureSpec:
        d = dict(d)
        d["categories"] = tuple(d.get("categories") or ())
        d["other_levels"] = tuple(d.get("other_levels") or ())
        d["alt_units"] = tuple(AltUnit(**u) for u in d.get("alt_units") or ())
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


@dataclass(frozen=True)
class Schema:
    """The model's inputs plus the columns that are carried along but never used to predict.

    ``roles`` names columns with a meaning the app relies on (``age``, ``sex``, ``date``,
    ``site``, ``service``, ``insurance``); ``context_columns`` are kept for analytics
    (dates, sites, costs) but are not predictors. ``eligibility`` (population rules) and
    ``required_inputs`` are what the bundle states; None (a bundle from before they existed)
    means the defaults of ``core.clinical.eligibility``: read them through ``population`` and
    ``required_names``.
    """

    features: tuple[FeatureSpec, ...]
    target: str
    positive: str = "1"
    target_label: str = ""
    id_columns: tuple[str, ...] = ()
    context_columns: tuple[str, ...] = ()
    roles: dict[str, str] = field(default_factory=dict)
    eligibility: tuple[Rule, ...] | None = None
    required_inputs: tuple[str, ...] | None = None

    @property
    def population(self) -> tuple[Rule, ...]:
        """The population rules the model is for: stated, or derived for an older discharge-time bundle."""
        age = self.roles.get("age", "age")
        return default_population(self.features, age) if self.eligibility is None else self.eligibility

    @property
    def required_names(self) -> tuple[str, ...]:
        """The inputs an estimate cannot be made without: stated, or the discharge-time default."""
        age = self.roles.get("age", "age")
        return default_required(self.features, age) if self.required_inputs is None else self.required_inputs

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def feature(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(f"'{name}' is not a feature of this model; its features are: {', '.join(self.names)}")

    @property
    def modifiable(self) -> list[FeatureSpec]:
        return [f for f in self.features if f.modifiable]

    def with_features(self, features: list[FeatureSpec]) -> Schema:
        return replace(self, features=tuple(features))

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "positive": self.positive,
            "target_label": self.target_label,
            "id_columns": list(self.id_columns),
            "context_columns": list(self.context_columns),
            "roles": dict(self.roles),
            "features": [f.to_dict() for f in self.features],
            **({} if self.eligibility is None else {"eligibility": [r.to_dict() for r in self.eligibility]}),
            **({} if self.required_inputs is None else {"required_inputs": list(self.required_inputs)}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schema:
        return cls(
            features=tuple(FeatureSpec.from_dict(f) for f in d["features"]),
            target=d["target"],
            positive=str(d.get("positive", "1")),
            target_label=d.get("target_label", ""),
            id_columns=tuple(d.get("id_columns") or ()),
            context_columns=tuple(d.get("context_columns") or ()),
            roles=dict(d.get("roles") or {}),
            eligibility=None if d.get("eligibility") is None else rules_of(d["eligibility"]),
            required_inputs=None if d.get("required_inputs") is None else tuple(d["required_inputs"]),
        )

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Schema:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def humanize(name: str) -> str:
    """``length_of_stay_days`` -> ``Length of stay days``: a readable default label."""
    words = re.sub(r"[_\-.]+", " ", str(name)).strip()
    return words[:1].upper() + words[1:] if words else str(name)


def normalise_column_name(name: object) -> str:
    """Column names are matched after trimming spaces (and a BOM) and ignoring case."""
    return str(name).replace("\ufeff", "").strip().lower()


def is_missing_text(value: object) -> bool:
    """True for NaN/None and for the text markers real exports use for 'no value'."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_MARKERS

"""A bundle's manifest.json as frozen dataclasses: parsed and checked once, when the bundle loads.

The manifest says what a bundle is (name, outcome, data, splits), how well it did on
held-out patients (metrics), how it turns risk into bands, the training reference used
for drift and percentiles, the software it was built with and the sha256 of every file.
``Manifest.from_json`` refuses anything malformed with ``ManifestError`` (one clause,
worded by ``core.model.bundle`` into a sentence); ``to_json`` gives back exactly the JSON
that was read, so a loaded bundle can be written again unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import PurePosixPath, PureWindowsPath
from types import MappingProxyType
from typing import Any

from core.model.json_fields import (
    ABSENT_WHEN_NONE,
    EMPTY_WHEN_NONE,
    JsonRecord,
    ManifestError,
    child,
    describe,
    json_key,
    read_object,
    reads_with,
)

MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
PERFORMANCE_FILE = "performance.json"
#: The files every bundle has besides the manifest; the manifest must list each with its sha256.
BUNDLE_FILES = (MODEL_FILE, SCHEMA_FILE, PERFORMANCE_FILE)
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Target(JsonRecord):
    """The outcome: which column, which value counts as the event, and how it reads."""

    column: str
    positive: str
    label: str
    definition: str


@dataclass(frozen=True)
class Fingerprint(JsonRecord):
    """What the training file held, without holding any of it: counts, column names and a content hash."""

    rows: int
    events: int
    columns: tuple[str, ...]
    sha256: str


@dataclass(frozen=True)
class DateRange(JsonRecord):
    column: str
    start: str = field(metadata=json_key("from"))
    end: str = field(metadata=json_key("to"))


@dataclass(frozen=True)
class DataProvenance(JsonRecord):
    """Where the training data came from (``source`` is as the trainer was told: a generator or a CSV)."""

    source: Mapping[str, Any]
    fingerprint: Fingerprint
    dates: DateRange | None = field(metadata=EMPTY_WHEN_NONE)
    sites: tuple[str, ...]
    group_column: str | None


@dataclass(frozen=True)
class SplitCounts(JsonRecord):
    rows: int
    events: int
    event_rate: float


@dataclass(frozen=True)
class Splits(JsonRecord):
    """How the rows were split into training and held-out test sets."""

    train: SplitCounts
    test: SplitCounts
    method: str
    test_share: float
    seed: int


@dataclass(frozen=True)
class Metrics(JsonRecord):
    """Headline held-out performance; LACE and HOSPITAL are None when their inputs were not in the data."""

    auc: float
    auc_ci: tuple[float, float]
    brier: float
    scaled_brier: float
    calibration_slope: float
    calibration_intercept: float
    observed_expected: float
    lace_auc: float | None
    hospital_auc: float | None
    n_train: int
    n_test: int
    events_train: int
    events_test: int


@dataclass(frozen=True)
class Calibration(JsonRecord):
    """The recalibration check on cross-validated predictions; ``a`` and ``b`` are applied only if needed."""

    method: str
    slope_before: float
    intercept_before: float
    applied: bool
    a: float
    b: float


@dataclass(frozen=True)
class ModelInfo(JsonRecord):
    family: str
    params: Mapping[str, Any]
    n_features: int
    calibration: Calibration


@dataclass(frozen=True)
class CandidateResult(JsonRecord):
    """One model configuration compared by grouped cross-validation on the training set."""

    family: str
    params: Mapping[str, Any]
    cv_auc: float
    cv_auc_sd: float
    cv_log_loss: float
    explain_cost: float
    selected: bool


@dataclass(frozen=True)
class RiskBand(JsonRecord):
    """Risks from ``lower`` (included) up to ``upper``; a risk on a cut point belongs to the higher band."""

    name: str
    lower: float
    upper: float


@dataclass(frozen=True)
class CategoricalReference(JsonRecord):
    """Training share of each level of one categorical input (for drift)."""

    kind: str
    missing: float
    shares: Mapping[str, float]


@dataclass(frozen=True)
class NumericReference(JsonRecord):
    """Training distribution of one numeric input: 101 quantiles, mean and SD (None when never recorded)."""

    kind: str
    missing: float
    mean: float | None
    sd: float | None
    quantiles: tuple[float, ...]


FeatureReference = CategoricalReference | NumericReference


def _feature_references(value: Any, where: str) -> Mapping[str, FeatureReference]:
    """Each input's reference, read as categorical or numeric by its ``kind``."""
    out = {}
    for name, ref in read_object(value, where).items():
        kind = ref.get("kind") if isinstance(ref, dict) else None
        out[name] = (CategoricalReference if kind == "categorical" else NumericReference).read(ref, child(where, name))
    return MappingProxyType(out)


@dataclass(frozen=True)
class AgeSexRisk(JsonRecord):
    """Mean and median training risk of one age band and sex (groups of at least 20 patients)."""

    age_band: str
    sex: str
    mean: float
    median: float
    n: int


@dataclass(frozen=True)
class Reference(JsonRecord):
    """Aggregate training statistics, never patient rows: for drift, percentiles and explanations."""

    n: int
    baseline_risk: float
    risk_quantiles: tuple[float, ...]
    features: Mapping[str, FeatureReference] = field(metadata=reads_with(_feature_references))
    by_age_sex: tuple[AgeSexRisk, ...] | None = field(default=None, metadata=ABSENT_WHEN_NONE)


@dataclass(frozen=True)
class Versions(JsonRecord):
    """The software the bundle was built with; the model only loads with the same scikit-learn."""

    lantern: str
    python: str
    scikit_learn: str = field(metadata=json_key("scikit-learn"))
    shap: str
    pandas: str
    numpy: str
    joblib: str


def _file_name_problem(name: str) -> str | None:
    plain = PurePosixPath(name).name == name == PureWindowsPath(name).name and name.isprintable()
    if not plain or name in (".", ".."):
        return (f"lists the file {name[:60]!r}, which is not a plain file name inside the bundle folder "
                "(a manifest may not point elsewhere)")
    return None


@dataclass(frozen=True)
class Files:
    """sha256 of each file of the bundle, by file name: at least the model, schema and performance files."""

    sha256: Mapping[str, str]

    @classmethod
    def read(cls, value: Any, where: str) -> Files:
        for name, digest in read_object(value, where).items():
            problem = _file_name_problem(name)
            if problem:
                raise ManifestError(problem)
            if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
                raise ManifestError(f"has no sha256 (64 hexadecimal digits) for the file {name}")
        missing = [name for name in BUNDLE_FILES if name not in value]
        if missing:
            raise ManifestError(f"does not list {missing[0]} among the bundle's files")
        return cls(MappingProxyType(dict(value)))

    def to_json(self) -> dict[str, str]:
        return dict(self.sha256)


def _bands_problem(bands: tuple[RiskBand, ...]) -> str | None:
    """Bands must run in order from 0 to 1 without gaps or overlaps, each with its own name."""
    if not bands:
        return "has no risk bands"
    if len({b.name for b in bands}) != len(bands) or not all(b.name for b in bands):
        return "has risk bands without a name or with the same name twice"
    if bands[0].lower != 0 or bands[-1].upper != 1:
        return f"has risk bands from {bands[0].lower} to {bands[-1].upper}, where they must cover 0 to 1"
    for before, band in pairwise(bands):
        if band.lower != before.upper:
            return (f"has the risk band {band.name!r} starting at {band.lower} where {before.name!r} ended at "
                    f"{before.upper}; the bands must follow on in order")
    empty = next((b for b in bands if not b.lower < b.upper), None)
    return f"has the risk band {empty.name!r} from {empty.lower} to {empty.upper}, which holds no risk" if empty \
        else None


def _risk_problem(where: str, value: float) -> str | None:
    return None if 0 <= value <= 1 else f"has {value} at {where} where a risk from 0 to 1 belongs"


@dataclass(frozen=True)
class Manifest(JsonRecord):
    """Everything a bundle says about itself, in the order manifest.json holds it."""

    name: str
    version: str
    created: str
    target: Target
    data: DataProvenance
    splits: Splits
    metrics: Metrics
    model: ModelInfo
    comparison: tuple[CandidateResult, ...]
    risk_bands: tuple[RiskBand, ...]
    risk_bands_method: str
    decision_threshold: float
    reference: Reference
    warnings: tuple[str, ...]
    schema_notes: tuple[str, ...]
    versions: Versions
    files: Files = field(metadata=reads_with(Files.read))

    def __post_init__(self) -> None:
        problem = (_bands_problem(self.risk_bands) or _risk_problem("decision_threshold", self.decision_threshold)
                   or _risk_problem("reference.baseline_risk", self.reference.baseline_risk))
        if problem:
            raise ManifestError(problem)

    @classmethod
    def from_json(cls, value: Any) -> Manifest:
        """Check and read a parsed manifest.json; ``ManifestError`` names the first thing wrong."""
        if not isinstance(value, dict):
            raise ManifestError(f"holds {describe(value)} where a JSON object belongs")
        if not isinstance(value.get("files"), dict):
            raise ManifestError("lists no files")
        return cls.read(value, "")

    @property
    def selected(self) -> CandidateResult | None:
        """The candidate the trainer chose (None for a bundle that compared none)."""
        return next((c for c in self.comparison if c.selected), None)

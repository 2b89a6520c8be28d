"""Infer a feature schema from a hospital's CSV, as a careful analyst would.

Rules, in order, for every column except the target:
identifiers (named, or unique per row, or named like an ID with many distinct values) are
never features; columns the schema file excludes are kept only as context; dates are
context; all-missing and constant columns are dropped; numbers become numeric (0/1 only:
binary; small integer codes named ``*_id``/``*_code``/``*_type``: categorical); yes/no text
becomes binary; code columns (diagnosis, ICD, ``*_code``) and other text become
categorical with rare levels grouped as "other". A column is numeric only when 99.5% of
its present cells are numbers, so a few stray codes never turn a code column numeric.
Every decision is reported in plain words so the trainer can print it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.data.outcome import outcome_words, read_outcomes
from core.data.parse import as_text, parse_binary, parse_numeric
from core.data.schema import FALSE_WORDS, OTHER_LEVEL, TRUE_WORDS, AltUnit, FeatureSpec, Schema, humanize

MAX_LEVELS = 30
_ID_NAME = re.compile(
    r"(^|_)(id|mrn|nbr|ssn|uuid|guid)$|^(patient|encounter|subject|person|visit|member|account)_?(id|nbr|num|number|no)?$"
)
_SMALL_CODE_NAME = re.compile(r"(_id|_type|_class)$")
_CODE_NAME = re.compile(r"(_code|_cd|_codes)$|(^|_)(diag|dx|icd|icd9|icd10|drg|cpt|snomed|procedure_code)(_|$|\d)")
NUMERIC_SHARE = 0.995
_DATE_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T].*)?$|^\d{1,2}/\d{1,2}/\d{2,4}$")


class SchemaError(ValueError):
    """A problem with the training data or schema file, worded for the person who brought it."""


@cache
def known_features() -> dict[str, Any]:
    """Defaults for well-known clinical columns (labels, units, physiological ranges, roles)."""
    path = Path(__file__).with_name("known_features.json")
    return json.loads(path.read_text(encoding="utf-8"))


def load_schema_file(path: Path) -> dict[str, Any]:
    """Read a schema override file (JSON, or YAML when PyYAML is installed)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        try:
            import yaml  # type: ignore[import-untyped]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise SchemaError(f"{path.name} is YAML but PyYAML is not installed; use JSON instead.") from exc
        data = yaml.safe_load(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}).") from exc
    if not isinstance(data, dict):
        raise SchemaError(f"{path.name} must hold a mapping with keys such as 'features' and 'exclude'.")
    return data


def target_vector(raw: pd.Series, positive: str | None) -> tuple[np.ndarray, str]:
    """The outcome as 1.0/0.0/NaN and the value that counts as the event.

    A yes/no event label (``1``, ``yes``) reads cells as ``core.data.outcome`` does, so a
    ``2`` or ``maybe`` is no outcome (NaN), never 0; another label (``<30``) is the event and
    every other value is not.
    """
    text = as_text(raw)
    lowered = text.astype("string").str.lower()
    levels = sorted(set(lowered.dropna()))
    if positive is None:
        if set(levels) <= TRUE_WORDS | FALSE_WORDS and set(levels) & TRUE_WORDS:
            values, _ = parse_binary(raw)
            return values, "1"
        shown = ", ".join(levels[:10])
        raise SchemaError(
            f"The target column '{raw.name}' has values {shown}; say which one is the event with --positive VALUE."
        )
    pos = str(positive).strip().lower()
    events, no_events = outcome_words(positive)
    if pos in events | no_events and events != {pos}:  # a yes/no outcome: an unreadable cell is no outcome, never 0
        values = read_outcomes(raw, positive).values
        if (values == 1).any():
            return values, str(positive)
    if pos not in levels:
        shown = ", ".join(levels[:10])
        raise SchemaError(f"--positive '{positive}' does not occur in '{raw.name}'; its values are {shown}.")
    values = np.where(lowered.isna(), np.nan, (lowered == pos).astype(float))
    return values.astype(float), str(positive)


def infer_schema(
    raw: pd.DataFrame,
    target: str,
    positive: str | None = None,
    id_columns: tuple[str, ...] = (),
    group_column: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[Schema, list[str]]:
    """Build a schema from raw text cells. Returns the schema and the decisions made, in words."""
    overrides = overrides or {}
    if target not in raw.columns:
        have = ", ".join(map(str, raw.columns))
        raise SchemaError(f"The target column '{target}' is not in the file; its columns are: {have}.")
    y, positive = target_vector(raw[target], positive)
    keep = ~np.isnan(y)
    notes: list[str] = []
    if (~keep).any():
        notes.append(f"{int((~keep).sum())} rows have no outcome and are not used for training.")
    feature_overrides: dict[str, dict[str, Any]] = overrides.get("features", {})
    ids = set(id_columns) | set(overrides.get("id_columns", [])) | ({group_column} if group_column else set())
    features, context, id_found = _sort_columns(raw.loc[keep], target, ids, overrides, notes)
    for name, ov in feature_overrides.items():
        if ov.get("modifiable") and name not in {f.name for f in features}:
            notes.append(f"'{name}': marked modifiable in the schema file but not a feature of this model.")
    if not features:
        raise SchemaError("No usable predictor columns were found; check the file's columns and the schema file.")
    schema = Schema(
        features=tuple(features),
        target=target,
        positive=positive,
        target_label=overrides.get("target_label", humanize(target)),
        id_columns=tuple(id_found),
        context_columns=tuple(context),
        roles=_infer_roles([*[f.name for f in features], *context], overrides.get("roles", {})),
    )
    return schema, notes



def _sort_columns(
    frame: pd.DataFrame, target: str, ids: set[str], overrides: dict[str, Any], notes: list[str]
) -> tuple[list[FeatureSpec], list[str], list[str]]:
    """Each column but the target becomes a feature, an identifier or context (for analytics), noting why."""
    known = known_features()
    feature_overrides: dict[str, dict[str, Any]] = overrides.get("features", {})
    excluded = {c for c in overrides.get("exclude", [])} | {c for c in overrides.get("context", [])}
    features: list[FeatureSpec] = []
    context: list[str] = []
    id_found: list[str] = []
    for col in frame.columns:
        if col == target:
            continue
        if col in ids:
            id_found.append(col)
            continue
        if col in excluded:
            context.append(col)
            notes.append(f"'{col}': excluded by the schema file; kept for analytics only.")
            continue
        spec, note = _infer_column(frame[col], known["features"].get(str(col).strip().lower(), {}))
        if note:
            notes.append(f"'{col}': {note}")
        if spec is None:
            if note.startswith("looks like an identifier"):
                id_found.append(col)
            elif note.startswith("dates"):
                context.append(col)
            continue
        features.append(_apply_override(spec, feature_overrides.get(col, {})))
    return features, context, id_found

def _infer_column(col: pd.Series, known: dict[str, Any]) -> tuple[FeatureSpec | None, str]:
    text = as_text(col)
    present = text.notna()
    n_present = int(present.sum())
    missing_share = round(1 - n_present / max(len(col), 1), 4)
    if n_present == 0:
        return None, "dropped: every value is missing."
    distinct = text[present].unique()
    if len(distinct) == 1:
        return None, f"dropped: constant (always '{distinct[0]}')."
    name = str(col.name).strip().lower()
    if _CODE_NAME.search(name) and not known:
        return _categorical_spec({"name": str(col.name), "missing_share": missing_share, "label": humanize(col.name)},
                                 text, note_codes=True)
    values, bad = parse_numeric(col)
    numeric_share = 1 - bad.sum() / n_present
    is_integer = numeric_share >= NUMERIC_SHARE and bool(np.all(np.mod(values[np.isfinite(values)], 1) == 0))
    unique_per_row = len(distinct) == n_present and n_present >= 20
    if not known and _ID_NAME.search(name) and len(distinct) > 0.5 * n_present:
        return None, "looks like an identifier (named like an ID, many distinct values); never a feature."
    if not known and unique_per_row and (numeric_share < NUMERIC_SHARE or is_integer):
        return None, "looks like an identifier (a different value on every row); never a feature."
    sample = text[present].head(200).astype(str)
    if numeric_share < NUMERIC_SHARE and sample.str.match(_DATE_TEXT).mean() > 0.95:
        return None, "dates: kept for analytics, not a predictor."
    base = {"name": str(col.name), "missing_share": missing_share, "label": humanize(col.name)}
    if numeric_share >= NUMERIC_SHARE:
        finite = values[np.isfinite(values)]
        levels = set(np.unique(finite).tolist())
        if levels <= {0.0, 1.0}:
            return _binary_spec(base, finite), ""
        if is_integer and _SMALL_CODE_NAME.search(name) and len(levels) <= MAX_LEVELS and not known:
            return _categorical_spec(base, text, note_codes=True)
        spec = FeatureSpec(
            kind="numeric",
            train_min=float(finite.min()),
            train_max=float(finite.max()),
            integer=is_integer,
            typical=float(np.median(finite)),
            **base,
        )
        return _apply_override(spec, known), ""
    lowered = set(text[present].str.lower().unique())
    if lowered <= TRUE_WORDS | FALSE_WORDS and lowered & TRUE_WORDS and lowered & FALSE_WORDS:
        bvalues, _ = parse_binary(col)
        return _binary_spec(base, bvalues[np.isfinite(bvalues)]), ""
    return _categorical_spec(base, text)


def _binary_spec(base: dict[str, Any], finite: np.ndarray) -> FeatureSpec:
    typical = float(np.round(finite.mean())) if len(finite) else 0.0
    return FeatureSpec(kind="binary", categories=("0", "1"), train_min=0.0, train_max=1.0, typical=typical, **base)


def _categorical_spec(base: dict[str, Any], text: pd.Series, note_codes: bool = False) -> tuple[FeatureSpec, str]:
    counts = text.value_counts()
    min_count = max(10, int(0.005 * len(text)))
    frequent = counts[counts >= min_count].head(MAX_LEVELS)
    levels = [str(v) for v in frequent.index]
    grouped = len(counts) - len(levels)
    note = "codes treated as categories. " if note_codes else ""
    if grouped:
        levels.append(OTHER_LEVEL)
        note += f"{len(counts)} levels; {grouped} rare ones grouped as '{OTHER_LEVEL}'."
    typical = levels[0] if levels else None
    rare = tuple(sorted(str(v) for v in counts.index[~counts.index.isin(frequent.index)])) if grouped else ()
    spec = FeatureSpec(kind="categorical", categories=tuple(levels), other_levels=rare, typical=typical, **base)
    return spec, note.strip()


def _apply_override(spec: FeatureSpec, override: dict[str, Any]) -> FeatureSpec:
    allowed = {
        "label", "unit", "description", "plausible_min", "plausible_max", "integer",
        "modifiable", "required", "alt_units", "kind",
    }
    changes = {k: v for k, v in override.items() if k in allowed}
    if "alt_units" in changes:
        changes["alt_units"] = tuple(AltUnit(**u) for u in changes["alt_units"])
    return replace(spec, **changes) if changes else spec


def _infer_roles(columns: list[str], explicit: dict[str, str]) -> dict[str, str]:
    lowered = {c.strip().lower(): c for c in columns}
    roles: dict[str, str] = {}
    for role, candidates in known_features()["roles"].items():
        for cand in candidates:
            if cand in lowered:
                roles[role] = lowered[cand]
                break
    roles.update({k: v for k, v in explicit.items() if v in columns})
    return roles

"""The scoring engine: one verified bundle and its explainer, shared read-only by every caller.

The CLI, the app (through ``st.cache_resource``), the tests and any service build one
``Engine`` per bundle and call ``score`` for tables or ``patient`` for one patient. It
holds no per-user state, so sharing it between sessions is safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.clinical import consistency, scores
from core.clinical.bands import age_band, band_of
from core.clinical.eligibility import Gate, insufficient_reason
from core.data.validate import SchemaRules, ValidationResult, check_record, validate
from core.explain.explainer import Explainer, Explanation, reason_phrase, top_reasons
from core.model.bundle import Bundle, load_bundle

Progress = Callable[[float, str], None]
NOT_ELIGIBLE = "not eligible"
INSUFFICIENT = "insufficient data"


@dataclass(frozen=True)
class ScoredRows:
    """The engine's answers for the accepted rows, as arrays in ``ValidationResult.clean`` order.

    The output table spreads them over every input row; the cohort page's analysis table
    takes them as they are, so neither re-reads the other.
    """

    risk: np.ndarray  # 0-1
    band: np.ndarray
    flags: np.ndarray
    top_reasons: np.ndarray


@dataclass
class ScoreResult:
    """One output row per input record, in input order, plus the details behind it.

    Callers read the validation through the accessors below (counts, rejected rows,
    flags, one patient's validated inputs), not through ``validation``'s tables.
    """

    output: pd.DataFrame
    validation: ValidationResult
    explanation: Explanation | None
    seconds: float
    rows: ScoredRows
    unscored: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["row", "status", "reason"]))

    @property
    def counts(self) -> dict[str, int]:
        """read = scored + rejected + not eligible + insufficient data."""
        v, status = self.validation, self.unscored["status"]
        return {"read": v.n_read, "scored": v.n_scored, "rejected": v.n_rejected,
                "not_eligible": int((status == NOT_ELIGIBLE).sum()),
                "insufficient_data": int((status == INSUFFICIENT).sum())}

    @property
    def scored_index(self) -> pd.Index:
        """Input positions (0-based) of the scored rows: the index of every per-patient table."""
        return self.validation.clean.index

    @property
    def rejected(self) -> pd.DataFrame:
        """Rejected rows: ``row`` (1-based), identifiers and ``reason``."""
        return self.validation.rejected

    @property
    def extra_columns(self) -> list[str]:
        """The file's columns the model does not use (ignored)."""
        return self.validation.extra_columns

    def flag_counts(self) -> dict[str, int]:
        """Scored rows with at least one flag of each kind."""
        return self.validation.flag_counts()

    def clean_rows(self, index: pd.Index | None = None) -> pd.DataFrame:
        """Validated values (typed inputs plus the carried columns) of the scored rows in ``index`` (all if None)."""
        clean = self.validation.clean
        return clean if index is None else clean.loc[index]

    def clean_inputs(self, index: int) -> dict[str, Any]:
        """One scored row's validated inputs, as ``Engine.patient`` takes them (None where not recorded)."""
        row = self.validation.clean.loc[index, self.validation.feature_names]
        return {str(k): (None if pd.isna(v) else (float(v) if isinstance(v, np.floating | np.integer) else v))
                for k, v in row.items()}


@dataclass
class PatientResult:
    """Everything the patient page shows for one patient."""

    values: dict[str, Any]
    risk: float
    band: str
    baseline: float
    contributions: pd.Series
    reasons: list[str]
    percentile: float
    flags: dict[str, list[str]]
    lace: list[dict[str, Any]] | None = None
    hospital: list[dict[str, Any]] | None = None
    rejected: str = ""
    not_eligible: str = ""
    needed: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)  # values that disagree (e.g. Charlson index and flags)

    @property
    def estimated(self) -> bool:
        """Is there a number to show? Not for implausible values, a patient outside the population,
        or without the required inputs."""
        return not (self.rejected or self.not_eligible or self.needed)


class Engine:
    """A bundle plus its explainer. Build once per process per bundle."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.schema = bundle.schema
        self.explainer = Explainer(bundle.model, float(bundle.reference["baseline_risk"]))
        self.rules = SchemaRules.of(self.schema)  # category lookups, prepared once; read-only afterwards
        self.gate = Gate.of(self.schema.features, self.schema.population, self.schema.required_names)

    @classmethod
    def load(cls, path: Path | None = None) -> Engine:
        return cls(load_bundle(path))

    # ---- tables -------------------------------------------------------------------------
    def score(
        self,
        raw: pd.DataFrame,
        explain_columns: bool = False,
        row_problems: dict[int, str] | None = None,
        progress: Progress | None = None,
        chunk_rows: int = 20_000,
        columns: dict[str, object] | None = None,
    ) -> ScoreResult:
        """Validate, score and explain a table of raw rows; see ``core.score`` for the columns.

        ``columns`` is ``check_columns``' answer when the caller already checked the file
        (the upload does, before dropping identifier columns), so it is not checked twice.
        """
        start = time.perf_counter()
        checked = validate(raw, self.schema, row_problems=row_problems, rules=self.rules, columns=columns)
        result, unscored = self._gated(checked)
        clean = result.clean
        n = len(clean)
        risk_pct = np.empty(n)
        contrib = np.empty((n, len(self.schema.features)))
        for lo in range(0, n, chunk_rows):
            part = clean.iloc[lo : lo + chunk_rows]
            exp = self.explainer.explain(part)
            risk_pct[lo : lo + len(part)] = exp.risk_pct
            contrib[lo : lo + len(part)] = exp.contributions.to_numpy()
            if progress:
                done = lo + len(part)
                rate = done / max(time.perf_counter() - start, 1e-9)
                text = f"Scored and explained {done:,} of {n:,} rows ({rate:,.0f} rows/s)"
                progress(min(1.0, done / max(n, 1)), text)
        explanation = Explanation(
            risk_pct=risk_pct,
            baseline_pct=self.explainer.baseline * 100.0,
            contributions=pd.DataFrame(contrib, columns=self.schema.names, index=clean.index),
        )
        rows = self._answers(result, explanation)
        output = self._output_table(raw, result, rows, explanation, explain_columns, unscored)
        return ScoreResult(output, result, explanation, time.perf_counter() - start, rows, unscored)

    def _gated(self, result: ValidationResult) -> tuple[ValidationResult, pd.DataFrame]:
        """The accepted rows the model may score, and the others (``row`` 1-based, ``status``, ``reason``):
        outside the population (``not eligible``) or without a required input (``insufficient data``)."""
        clean = result.clean
        names = result.feature_names
        columns = {name: clean[name].to_numpy() for name in names}
        outside = self.gate.not_eligible(columns, len(clean))
        needed = self.gate.needed(result.missing.to_numpy(dtype=bool))
        status = np.where(outside != "", NOT_ELIGIBLE, np.where(needed != "", INSUFFICIENT, ""))
        off = status != ""
        unscored = pd.DataFrame({"row": clean.index.to_numpy()[off] + 1, "status": status[off],
                                 "reason": [o or insufficient_reason(n) for o, n in zip(outside[off], needed[off],
                                                                                      strict=True)]})
        if not off.any():
            return result, unscored
        keep = ~off
        return replace(result, clean=clean[keep], missing=result.missing[keep],
                       out_of_range=result.out_of_range[keep], unseen=result.unseen[keep]), unscored

    def _answers(self, result: ValidationResult, exp: Explanation) -> ScoredRows:
        """Risk, band, flags and top reasons of each accepted row, computed once."""
        risk = exp.risk_pct / 100.0
        reasons = np.asarray(top_reasons(self.schema, result.clean, exp.contributions), dtype=object)
        flags = result.flags_text().to_numpy().copy()
        problems = consistency.table_problems(result.clean, self.schema.names)
        for i in np.flatnonzero(problems != ""):
            flags[i] = "; ".join(p for p in (flags[i], f"inconsistent: {problems[i]}") if p)
        return ScoredRows(risk=risk, band=band_of(risk, self.bundle.bands), flags=flags, top_reasons=reasons)

    def _output_table(
        self, raw: pd.DataFrame, result: ValidationResult, rows: ScoredRows, exp: Explanation, explain_columns: bool,
        unscored: pd.DataFrame,
    ) -> pd.DataFrame:
        """One row per input row: ids, status and reason, then the scores of accepted rows (built column-wise)."""
        n = result.n_read
        ok = result.clean.index.to_numpy()
        found = result.columns
        cols: dict[str, np.ndarray] = {c: raw[found[c]].to_numpy() for c in self.schema.id_columns if c in found}

        def column(fill: object, accepted: object) -> np.ndarray:
            out = np.full(n, fill, dtype=object if isinstance(fill, str) else np.float64)
            out[ok] = accepted
            return out

        cols["status"] = column("rejected", "scored")
        cols["reason"] = np.full(n, "", dtype=object)
        if result.n_rejected:
            cols["reason"][result.rejected["row"].to_numpy() - 1] = result.rejected["reason"].to_numpy()
        if len(unscored):
            at = unscored["row"].to_numpy() - 1
            cols["status"][at] = unscored["status"].to_numpy()
            cols["reason"][at] = unscored["reason"].to_numpy()
        cols["risk"] = column(np.nan, rows.risk)
        cols["risk_band"] = column("", rows.band)
        cols["flags"] = column("", rows.flags)
        cols["top_reasons"] = column("", rows.top_reasons)
        if explain_columns:
            cols["baseline"] = column(np.nan, exp.baseline_pct / 100.0)
            cols["risk_percent"] = column(np.nan, exp.risk_pct)
            cols["baseline_percent"] = column(np.nan, exp.baseline_pct)
            contrib = exp.contributions.to_numpy()
            for j, name in enumerate(self.schema.names):
                cols[f"contrib_{name}"] = column(np.nan, contrib[:, j])
        return pd.DataFrame(cols, index=pd.RangeIndex(n))

    # ---- one patient --------------------------------------------------------------------
    def patient(self, values: Mapping[str, Any], units: dict[str, str] | None = None,
                facts: Mapping[str, bool | None] | None = None) -> PatientResult:
        """Validate and explain one patient entered in the form (or picked from a cohort, or read from FHIR).

        ``facts`` are what the caller knows beyond the inputs (``alive``, ``inpatient_stay``;
        see ``core.clinical.eligibility``): a patient outside the model's population, or
        without a required input, gets a reason and no number.

        The table rules and model, on one-cell columns and without a DataFrame per step
        (``check_record``), so a patient takes about a millisecond instead of tens.
        """
        checked = check_record(values, self.rules, units)
        if checked.reasons[0]:
            return self._no_estimate(values, rejected=str(checked.reasons[0]))
        outside = self.gate.not_eligible(checked.typed, 1, facts)[0]
        needed = self.gate.needed(checked.missing)[0]
        if outside or needed:
            typed = {n: (None if pd.isna(cell[0]) else cell[0]) for n, cell in checked.typed.items()}
            return self._no_estimate(typed, not_eligible=outside, needed=needed.split(", ") if needed else [])
        exp = self.explainer.explain_matrix(self.bundle.model.encode(checked.typed))
        risk = float(exp.risk[0])
        contrib = exp.contributions.iloc[0]
        points = contrib.to_numpy()
        row = {name: cell[0] for name, cell in checked.typed.items()}
        features = self.schema.features
        order = self._largest_first(points)
        reasons = [reason_phrase(features[j], row[features[j].name], float(points[j])) for j in order]
        flags = {
            title: [features[j].display_label for j in np.flatnonzero(mask[0])]
            for title, mask in (("outside training range", checked.out_of_range), ("unseen category", checked.unseen),
                                ("not recorded", checked.missing))
        }
        typed = {n: (None if pd.isna(v) else v) for n, v in row.items()}
        return PatientResult(
            values=typed,
            risk=risk,
            band=str(band_of(np.array([risk]), self.bundle.bands)[0]),
            baseline=self.explainer.baseline,
            contributions=contrib,
            reasons=reasons,
            percentile=self.percentile(risk),
            flags=flags,
            lace=scores.breakdown(typed, "lace") if scores.has_inputs(self.schema.names, "lace") else None,
            hospital=scores.breakdown(typed, "hospital") if scores.has_inputs(self.schema.names, "hospital") else None,
            inconsistent=consistency.record_problems(typed, self.schema.names),
        )

    def _no_estimate(self, values: Mapping[str, Any], **why: Any) -> PatientResult:
        """A result without a number: ``why`` says which of rejected, not_eligible or needed."""
        return PatientResult(dict(values), float("nan"), "", self.explainer.baseline, pd.Series(dtype=float),
                             [], float("nan"), {}, **why)

    @staticmethod
    def _largest_first(points: np.ndarray) -> np.ndarray:
        """Positions by size, largest first, ties in the order ``Series.abs().sort_values(ascending=False)`` gives."""
        size = np.abs(points)[::-1]
        return np.arange(len(points))[::-1][size.argsort(kind="quicksort")][::-1]

    def percentile(self, risk: float) -> float:
        """Share of the training cohort (in %) with a lower predicted risk."""
        q = np.asarray(self.bundle.reference.get("risk_quantiles", []), dtype=float)
        if not len(q):
            return float("nan")
        return float(np.interp(risk, q, np.linspace(0, 100, len(q))))

    def typical_patient(self) -> dict[str, Any]:
        """The schema's typical value for every feature: the form's reset. The Charlson index is the one its
        typical flags give, so the typical patient is consistent (each value's median alone need not be)."""
        typical = {f.name: f.typical for f in self.schema.features}
        return consistency.consistent_charlson(typical, self.schema.names)

    def reference_for(self, age: float | None, sex: str | None) -> dict[str, Any] | None:
        """Mean predicted risk of training patients of the same age band and sex."""
        if age is None or sex is None:
            return None
        band = str(age_band(np.array([age]))[0])
        for row in self.bundle.reference.get("by_age_sex", []):
            if row["age_band"] == band and str(row["sex"]).lower() == str(sex).lower():
                return row
        return None

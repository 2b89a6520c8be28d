"""Model card sections about the model itself: summary, intended use, outcome, data, predictors, development."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.data.schema import Schema
from core.model.bundle import Bundle
from core.presentation.wording import NOT_AVAILABLE
from core.reports.model_card.blocks import (
    Block,
    Bullets,
    Facts,
    Prose,
    Section,
    Table,
    Text,
    fmt_ci,
    fmt_int,
    fmt_num,
    fmt_pct,
    horizon_text,
    prose,
)


def summary(b: Bundle) -> Section:
    """Model Facts at a glance: what it predicts, for whom, and how well on held-out patients."""
    m, mf = b.metrics, b.manifest
    outcome = mf.target.label or b.schema.target_label or mf.target.column
    facts = (
        ("Model", f"{b.name}, version {b.version}"),
        ("Predicts", f"{outcome} (horizon: {horizon_text(mf.target)})"),
        ("Model type", f"{mf.model.family} with {fmt_int(mf.model.n_features)} inputs"),
        ("Population", population_text(b.schema)),
        ("Required inputs", ", ".join(b.schema.feature(n).display_label for n in b.schema.required_names)
         + "; without them Lantern gives no estimate" if b.schema.required_names else "none"),
        ("Held-out patients", f"{fmt_int(m.n_test)} discharges, {fmt_int(m.events_test)} events"),
        ("Discrimination (AUC)", f"{fmt_num(m.auc)} ({fmt_ci(*m.auc_ci)})"),
        ("Calibration", f"slope {fmt_num(m.calibration_slope, 2)}, intercept "
                        f"{fmt_num(m.calibration_intercept, 2)}, observed/expected "
                        f"{fmt_num(m.observed_expected, 2)}"),
        ("Trained", mf.created),
    )
    return Section("Summary", (
        Text("Lantern estimates the risk of the outcome below for one patient at discharge. It supports, and does "
             "not replace, clinical judgement; validate it on local data before clinical use."),
        Facts(facts),
    ))


def population_text(schema: Schema) -> str:
    """The population the model was built for, in words; patients outside it get a reason and no number."""
    labels = {f.name: f.display_label for f in schema.features}
    parts = [rule.reason or rule.describe(labels.get(rule.feature, rule.feature)) for rule in schema.population]
    return "; ".join(p for p in parts if p) + " (others get a reason and no estimate)"


def intended_use(b: Bundle) -> Section:
    """Who and what the model is for, and when not to use it (fixed prose)."""
    return Section("Intended use", (Prose(prose("intended_use")),))


def outcome(b: Bundle) -> Section:
    """The outcome, its definition and horizon, and when the prediction is made."""
    target = b.manifest.target
    facts = (
        ("Outcome", target.label or b.schema.target_label or NOT_AVAILABLE),
        ("Definition", target.definition),
        ("Horizon", horizon_text(target)),
        ("Source column and event value", f"{target.column} = {target.positive}"),
        ("When predicted", "at discharge, from the inputs listed under Predictors"),
    )
    return Section("Outcome", (Facts(facts),))


def _source_text(source: Mapping[str, Any]) -> str:
    kind = source.get("kind")
    if kind == "synthetic":
        return (f"synthetic cohort from the generator {source.get('generator', '')} "
                f"({fmt_int(source.get('rows'))} rows, seed {source.get('seed', '')})")
    if kind == "csv":
        return f"CSV extract {source.get('file', '')}"
    return str(source.get("name") or "not recorded in the bundle")


def data(b: Bundle) -> Section:
    """Where the training data came from, which dates and sites, and how many rows were used."""
    data, splits = b.manifest.data, b.manifest.splits
    dates, fp = data.dates, data.fingerprint
    used = splits.train.rows + splits.test.rows
    facts = [
        ("Source", _source_text(data.source)),
        ("Dates", f"{dates.start} to {dates.end} ({dates.column})" if dates and dates.start
         else "not recorded in the bundle"),
        ("Sites", ", ".join(data.sites) or "not recorded in the bundle"),
        ("Eligibility", f"every row with a recorded outcome: {fmt_int(fp.rows)} rows, of which {fmt_int(used)} "
                        f"were used and {fmt_int(fp.rows - used)} left out for impossible or unreadable values"),
        ("Unit of analysis", "one row per discharge"
         + (f"; patients identified by {data.group_column}" if data.group_column else "")),
        ("Data fingerprint (sha256)", fp.sha256),
    ]
    blocks: list[Block] = [Facts(tuple(facts))]
    if data.source.get("kind") == "synthetic":
        blocks.append(Text("These data are synthetic: the numbers in this card show how the model and the card "
                           "work, not how the model performs on real patients."))
    return Section("Data", tuple(blocks))


def splits(b: Bundle) -> Section:
    """Training and held-out sets, and whether one patient can be in both."""
    splits = b.manifest.splits
    rows = tuple((name, fmt_int(s.rows), fmt_int(s.events), fmt_pct(s.event_rate))
                 for s, name in ((splits.train, "Training"), (splits.test, "Held-out test")))
    method = splits.method
    grouped = method.startswith("grouped")
    held_out, seed = fmt_pct(splits.test_share, 0), splits.seed
    text = (f"Split {method}, {held_out} held out (seed {seed}); "
            + ("no patient is in both sets." if grouped else
               "no patient column was given, so a patient with several discharges may be in both sets, which can "
               "make the held-out numbers optimistic."))
    return Section("Patients and events", (Table(("Set", "Discharges", "Events", "Event rate"), rows),
                                           Text(text)))


def predictors(b: Bundle) -> Section:
    """Every input with its definition, unit, type, training range and missing share."""
    rows = []
    for f in b.schema.features:
        kind = f.kind
        if f.kind == "categorical":
            kind = f"categorical ({len(f.categories)} levels)"
        elif f.kind == "numeric" and f.train_min is not None and f.train_max is not None:
            kind = f"numeric, training range {f.train_min:g}-{f.train_max:g}"
        rows.append((f.display_label, f.name, f.description or "not given", f.unit or "-", kind,
                     fmt_pct(f.missing_share)))
    blocks: list[Block] = [
        Text(f"{len(rows)} inputs, all recorded at or before discharge. Missing is the share not recorded in the "
             "training data."),
        Table(("Input", "Column", "Definition", "Unit", "Type", "Missing"), tuple(rows)),
    ]
    never = [*b.schema.id_columns, *b.schema.context_columns]
    if never:
        blocks.append(Text("Kept for identification or analytics only, never used to predict: "
                           + ", ".join(never) + "."))
    if b.manifest.schema_notes:
        blocks.append(Bullets(tuple(b.manifest.schema_notes)))
    return Section("Predictors", tuple(blocks))


def missing(b: Bundle) -> Section:
    """How missing values are handled (fixed prose)."""
    return Section("Missing data", (Prose(prose("missing_data")),))


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def development(b: Bundle) -> Section:
    """How the model was chosen: candidates compared on the training set only, and recalibration."""
    model = b.manifest.model
    cal = model.calibration
    rows = [
        (c.family, _params(c.params), f"{fmt_num(c.cv_auc)} ± {fmt_num(c.cv_auc_sd)}", fmt_num(c.cv_log_loss, 4),
         f"{c.explain_cost:,.0f}", "chosen" if c.selected else "")
        for c in b.manifest.comparison
    ]
    recal = ("applied" if cal.applied else "not needed") + (
        f" ({cal.method}; cross-validated slope {fmt_num(cal.slope_before, 2)}, "
        f"intercept {fmt_num(cal.intercept_before, 2)} before)")
    facts = (
        ("Model type", model.family),
        ("Settings", _params(model.params)),
        ("Inputs", fmt_int(model.n_features)),
        ("Recalibration", recal),
    )
    blocks: list[Block] = [Prose(prose("development")), Facts(facts)]
    if rows:
        blocks.append(Table(("Family", "Settings", "Cross-validated AUC (± SD)", "Log-loss", "Explanation cost",
                             "Selected"), tuple(rows), caption="Candidate models compared on the training set only"))
    return Section("Model development", tuple(blocks))

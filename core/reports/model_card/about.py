"""Model card sections about the model itself: summary, intended use, outcome, data, predictors, development."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    finite,
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
    target = mf.get("target", {})
    outcome = target.get("label") or b.schema.target_label or str(target.get("column", "the outcome"))
    model = mf.get("model", {})
    facts = (
        ("Model", f"{b.name}, version {b.version}"),
        ("Predicts", f"{outcome} (horizon: {horizon_text(mf)})"),
        ("Model type", f"{model.get('family', NOT_AVAILABLE)} with {fmt_int(model.get('n_features'))} inputs"),
        ("Held-out patients", f"{fmt_int(m.get('n_test'))} discharges, {fmt_int(m.get('events_test'))} events"),
        ("Discrimination (AUC)", f"{fmt_num(m.get('auc'))} ({fmt_ci(*(m.get('auc_ci') or [None, None]))})"),
        ("Calibration", f"slope {fmt_num(m.get('calibration_slope'), 2)}, intercept "
                        f"{fmt_num(m.get('calibration_intercept'), 2)}, observed/expected "
                        f"{fmt_num(m.get('observed_expected'), 2)}"),
        ("Trained", str(mf.get("created", NOT_AVAILABLE))),
    )
    return Section("Summary", (
        Text("Lantern estimates the risk of the outcome below for one patient at discharge. It supports, and does "
             "not replace, clinical judgement; validate it on local data before clinical use."),
        Facts(facts),
    ))


def intended_use(b: Bundle) -> Section:
    """Who and what the model is for, and when not to use it (fixed prose)."""
    return Section("Intended use", (Prose(prose("intended_use")),))


def outcome(b: Bundle) -> Section:
    """The outcome, its definition and horizon, and when the prediction is made."""
    target = b.manifest.get("target", {})
    facts = (
        ("Outcome", str(target.get("label") or b.schema.target_label or NOT_AVAILABLE)),
        ("Definition", str(target.get("definition", NOT_AVAILABLE))),
        ("Horizon", horizon_text(b.manifest)),
        ("Source column and event value", f"{target.get('column', b.schema.target)} = "
                                          f"{target.get('positive', b.schema.positive)}"),
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
    data = b.manifest.get("data", {})
    source = data.get("source", {}) or {}
    dates = data.get("dates", {}) or {}
    fp = data.get("fingerprint", {}) or {}
    splits = b.manifest.get("splits", {})
    used = sum(int(splits.get(k, {}).get("rows", 0)) for k in ("train", "test"))
    left_out = int(fp.get("rows", used)) - used
    facts = [
        ("Source", _source_text(source)),
        ("Dates", f"{dates['from']} to {dates['to']} ({dates.get('column', 'date')})" if dates.get("from")
         else "not recorded in the bundle"),
        ("Sites", ", ".join(map(str, data.get("sites") or [])) or "not recorded in the bundle"),
        ("Eligibility", f"every row with a recorded outcome: {fmt_int(fp.get('rows'))} rows, of which {fmt_int(used)} "
                        f"were used and {fmt_int(left_out)} left out for impossible or unreadable values"),
        ("Unit of analysis", "one row per discharge"
         + (f"; patients identified by {data['group_column']}" if data.get("group_column") else "")),
        ("Data fingerprint (sha256)", str(fp.get("sha256", NOT_AVAILABLE))),
    ]
    blocks: list[Block] = [Facts(tuple(facts))]
    if source.get("kind") == "synthetic":
        blocks.append(Text("These data are synthetic: the numbers in this card show how the model and the card "
                           "work, not how the model performs on real patients."))
    return Section("Data", tuple(blocks))


def splits(b: Bundle) -> Section:
    """Training and held-out sets, and whether one patient can be in both."""
    splits = b.manifest.get("splits", {})
    rows = []
    for key, name in (("train", "Training"), ("test", "Held-out test")):
        s = splits.get(key, {})
        rows.append((name, fmt_int(s.get("rows")), fmt_int(s.get("events")), fmt_pct(s.get("event_rate"))))
    method = str(splits.get("method", "by row"))
    grouped = method.startswith("grouped")
    held_out, seed = fmt_pct(splits.get("test_share"), 0), splits.get("seed", NOT_AVAILABLE)
    text = (f"Split {method}, {held_out} held out (seed {seed}); "
            + ("no patient is in both sets." if grouped else
               "no patient column was given, so a patient with several discharges may be in both sets, which can "
               "make the held-out numbers optimistic."))
    return Section("Patients and events", (Table(("Set", "Discharges", "Events", "Event rate"), tuple(rows)),
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
    notes = b.manifest.get("schema_notes") or []
    if notes:
        blocks.append(Bullets(tuple(str(n) for n in notes)))
    return Section("Predictors", tuple(blocks))


def missing(b: Bundle) -> Section:
    """How missing values are handled (fixed prose)."""
    return Section("Missing data", (Prose(prose("missing_data")),))


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def development(b: Bundle) -> Section:
    """How the model was chosen: candidates compared on the training set only, and recalibration."""
    model = b.manifest.get("model", {})
    cal = model.get("calibration", {}) or {}
    rows = []
    for c in b.manifest.get("comparison", []) or []:
        rows.append((
            str(c.get("family", "")), _params(c.get("params", {})),
            f"{fmt_num(c.get('cv_auc'))} ± {fmt_num(c.get('cv_auc_sd'))}", fmt_num(c.get("cv_log_loss"), 4),
            f"{c.get('explain_cost', 0):,.0f}" if finite(c.get("explain_cost")) else NOT_AVAILABLE,
            "chosen" if c.get("selected") else "",
        ))
    recal = ("applied" if cal.get("applied") else "not needed") + (
        f" ({cal.get('method', '')}; cross-validated slope {fmt_num(cal.get('slope_before'), 2)}, "
        f"intercept {fmt_num(cal.get('intercept_before'), 2)} before)")
    facts = (
        ("Model type", str(model.get("family", NOT_AVAILABLE))),
        ("Settings", _params(model.get("params", {}))),
        ("Inputs", fmt_int(model.get("n_features"))),
        ("Recalibration", recal),
    )
    blocks: list[Block] = [Prose(prose("development")), Facts(facts)]
    if rows:
        blocks.append(Table(("Family", "Settings", "Cross-validated AUC (± SD)", "Log-loss", "Explanation cost",
                             "Selected"), tuple(rows), caption="Candidate models compared on the training set only"))
    return Section("Model development", tuple(blocks))

"""The model card (TRIPOD+AI, "Model Facts"), generated only from a bundle's own files.

Every number comes from the bundle's manifest.json, performance.json and schema.json,
never from a view, so the card a committee downloads matches what the app shows and what
a test compares. The card is first built as plain data (sections of text, facts, bullet
lists and tables holding raw, unescaped strings), then rendered to Markdown or to HTML;
each renderer escapes every data string itself, so a label such as ``<script>`` is shown,
never run. Long fixed prose (intended use, missing data, limitations ...) lives in
``core/reports/text/model_card_*.md`` so it can be edited as text, not code.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from core.model.bundle import Bundle
from core.model.manifest import Target

TEXT_DIR = Path(__file__).with_name("text")
LICENCE = "MIT"
NOT_AVAILABLE = "not available"
DECISION_POINTS = (0.05, 0.10, 0.15, 0.20, 0.30)
MIN_TEST_EVENTS = 100  # TRIPOD / Riley et al.: at least about 100 events for a precise validation

#: The section headings in order; tests check every one is present in both renderings.
SECTION_TITLES: tuple[str, ...] = (
    "Summary",
    "Intended use",
    "Outcome",
    "Data",
    "Patients and events",
    "Predictors",
    "Missing data",
    "Model development",
    "Discrimination",
    "Calibration",
    "Clinical utility (decision curve)",
    "Performance by subgroup",
    "Risk bands and thresholds",
    "Most influential inputs",
    "Limitations and warnings",
    "Version and provenance",
    "Licence and contact",
    "References",
)


# ---------------------------------------------------------------------------- the card as data


@dataclass(frozen=True)
class Text:
    """A paragraph of raw text (escaped by the renderer)."""

    text: str


@dataclass(frozen=True)
class Prose:
    """Trusted Markdown-lite from core/reports/text: paragraphs, "- " bullets, **bold** and `code`."""

    markdown: str


@dataclass(frozen=True)
class Facts:
    """Label: value pairs, shown as a bullet list with bold labels."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


Block = Text | Prose | Facts | Bullets | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


@cache
def prose(name: str) -> str:
    """Fixed card prose from core/reports/text/model_card_NAME.md."""
    return (TEXT_DIR / f"model_card_{name}.md").read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------------------- number formatting


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _num(x: Any, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if _finite(x) else NOT_AVAILABLE


def _pct(x: Any, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%" if _finite(x) else NOT_AVAILABLE


def _ci(lo: Any, hi: Any, digits: int = 3) -> str:
    return f"95% CI {lo:.{digits}f}-{hi:.{digits}f}" if _finite(lo) and _finite(hi) else "CI not available"


def _int(x: Any) -> str:
    return f"{int(x):,}" if _finite(x) else NOT_AVAILABLE


def horizon_text(target: Target) -> str:
    """The prediction horizon named in the outcome label, definition or column, if any."""
    for source in (target.label, target.definition, target.column):
        m = re.search(r"(\d+)\s*[- ]?\s*(?:days?\b|d\b)", str(source), flags=re.IGNORECASE)
        if m:
            return f"{int(m.group(1))} days after discharge"
    return "not stated in the bundle; check the outcome definition with the data owner"


# ---------------------------------------------------------------------------- sections


def _summary(b: Bundle) -> Section:
    m, mf = b.metrics, b.manifest
    outcome = mf.target.label or b.schema.target_label or mf.target.column
    facts = (
        ("Model", f"{b.name}, version {b.version}"),
        ("Predicts", f"{outcome} (horizon: {horizon_text(mf.target)})"),
        ("Model type", f"{mf.model.family} with {_int(mf.model.n_features)} inputs"),
        ("Held-out patients", f"{_int(m.n_test)} discharges, {_int(m.events_test)} events"),
        ("Discrimination (AUC)", f"{_num(m.auc)} ({_ci(*m.auc_ci)})"),
        ("Calibration", f"slope {_num(m.calibration_slope, 2)}, intercept {_num(m.calibration_intercept, 2)}, "
                        f"observed/expected {_num(m.observed_expected, 2)}"),
        ("Trained", mf.created),
    )
    return Section("Summary", (
        Text("Lantern estimates the risk of the outcome below for one patient at discharge. It supports, and does "
             "not replace, clinical judgement; validate it on local data before clinical use."),
        Facts(facts),
    ))


def _intended_use(b: Bundle) -> Section:
    return Section("Intended use", (Prose(prose("intended_use")),))


def _outcome(b: Bundle) -> Section:
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
                f"({_int(source.get('rows'))} rows, seed {source.get('seed', '')})")
    if kind == "csv":
        return f"CSV extract {source.get('file', '')}"
    return str(source.get("name") or "not recorded in the bundle")


def _data(b: Bundle) -> Section:
    data, splits = b.manifest.data, b.manifest.splits
    dates, fp = data.dates, data.fingerprint
    used = splits.train.rows + splits.test.rows
    facts = [
        ("Source", _source_text(data.source)),
        ("Dates", f"{dates.start} to {dates.end} ({dates.column})" if dates and dates.start
         else "not recorded in the bundle"),
        ("Sites", ", ".join(data.sites) or "not recorded in the bundle"),
        ("Eligibility", f"every row with a recorded outcome: {_int(fp.rows)} rows, of which {_int(used)} "
                        f"were used and {_int(fp.rows - used)} left out for impossible or unreadable values"),
        ("Unit of analysis", "one row per discharge"
         + (f"; patients identified by {data.group_column}" if data.group_column else "")),
        ("Data fingerprint (sha256)", fp.sha256),
    ]
    blocks: list[Block] = [Facts(tuple(facts))]
    if data.source.get("kind") == "synthetic":
        blocks.append(Text("These data are synthetic: the numbers in this card show how the model and the card "
                           "work, not how the model performs on real patients."))
    return Section("Data", tuple(blocks))


def _splits(b: Bundle) -> Section:
    splits = b.manifest.splits
    rows = tuple((name, _int(s.rows), _int(s.events), _pct(s.event_rate))
                 for s, name in ((splits.train, "Training"), (splits.test, "Held-out test")))
    method = splits.method
    grouped = method.startswith("grouped")
    text = (f"Split {method}, {_pct(splits.test_share, 0)} held out (seed {splits.seed}); "
            + ("no patient is in both sets." if grouped else
               "no patient column was given, so a patient with several discharges may be in both sets, which can "
               "make the held-out numbers optimistic."))
    return Section("Patients and events", (Table(("Set", "Discharges", "Events", "Event rate"), rows),
                                           Text(text)))


def _predictors(b: Bundle) -> Section:
    rows = []
    for f in b.schema.features:
        kind = f.kind
        if f.kind == "categorical":
            kind = f"categorical ({len(f.categories)} levels)"
        elif f.kind == "numeric" and f.train_min is not None and f.train_max is not None:
            kind = f"numeric, training range {f.train_min:g}-{f.train_max:g}"
        rows.append((f.display_label, f.name, f.description or "not given", f.unit or "-", kind,
                     _pct(f.missing_share)))
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
        blocks.append(Bullets(b.manifest.schema_notes))
    return Section("Predictors", tuple(blocks))


def _missing(b: Bundle) -> Section:
    return Section("Missing data", (Prose(prose("missing_data")),))


def _params(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "-"


def _development(b: Bundle) -> Section:
    model = b.manifest.model
    cal = model.calibration
    rows = [
        (c.family, _params(c.params), f"{_num(c.cv_auc)} ± {_num(c.cv_auc_sd)}", _num(c.cv_log_loss, 4),
         f"{c.explain_cost:,.0f}", "chosen" if c.selected else "")
        for c in b.manifest.comparison
    ]
    recal = ("applied" if cal.applied else "not needed") + (
        f" ({cal.method}; cross-validated slope {_num(cal.slope_before, 2)}, "
        f"intercept {_num(cal.intercept_before, 2)} before)")
    facts = (
        ("Model type", model.family),
        ("Settings", _params(model.params)),
        ("Inputs", _int(model.n_features)),
        ("Recalibration", recal),
    )
    blocks: list[Block] = [Prose(prose("development")), Facts(facts)]
    if rows:
        blocks.append(Table(("Family", "Settings", "Cross-validated AUC (± SD)", "Log-loss", "Explanation cost",
                             "Selected"), tuple(rows), caption="Candidate models compared on the training set only"))
    return Section("Model development", tuple(blocks))


def _baseline_rows(b: Bundle) -> list[dict[str, Any]]:
    return [r for r in b.performance.get("baseline_comparison", []) or [] if isinstance(r, Mapping)]


def _discrimination(b: Bundle) -> Section:
    m = b.metrics
    blocks: list[Block] = [
        Text(f"AUC (C-statistic) on {_int(m.n_test)} held-out discharges with {_int(m.events_test)} "
             f"events: {_num(m.auc)} ({_ci(*m.auc_ci)}; bootstrap). An AUC is the chance that a patient with the "
             "outcome is given a higher risk than one without; 0.5 is chance. Published readmission models mostly "
             "reach 0.55-0.72."),
    ]
    rows = [(str(r.get("name", "")), _num(r.get("auc")), _ci(r.get("auc_lo"), r.get("auc_hi"))) for r in
            _baseline_rows(b)]
    if len(rows) > 1:
        blocks.append(Table(("Score", "AUC", "95% CI"), tuple(rows),
                            caption="Same held-out patients, same outcome definition"))
        blocks.append(Text("LACE (van Walraven 2010: death or unplanned readmission within 30 days) and HOSPITAL "
                           "(Donzé 2013: potentially avoidable readmission) were built to predict slightly different "
                           "outcomes; here all are judged against this model's outcome."))
    else:
        blocks.append(Text("LACE and HOSPITAL could not be computed: their inputs are not among this model's data."))
    return Section("Discrimination", tuple(blocks))


def _calibration(b: Bundle) -> Section:
    m = b.metrics
    facts = (
        ("Calibration slope", f"{_num(m.calibration_slope, 2)} (ideal 1; below 1 means predictions too "
                              "extreme, above 1 too modest)"),
        ("Calibration intercept", f"{_num(m.calibration_intercept, 2)} (ideal 0; above 0 means risk "
                                  "under-estimated on average)"),
        ("Observed / expected events", f"{_num(m.observed_expected, 2)} (ideal 1)"),
        ("Brier score", f"{_num(m.brier)} (lower is better); scaled Brier {_num(m.scaled_brier)}"),
    )
    rows = tuple(
        (_pct(r.get("mean_predicted")), _pct(r.get("observed")), f"{_pct(r.get('lo'))}-{_pct(r.get('hi'))}",
         _int(r.get("n")))
        for r in b.performance.get("calibration", []) or []
    )
    blocks: list[Block] = [Facts(facts)]
    if rows:
        blocks.append(Table(("Mean predicted risk", "Observed", "95% CI", "Discharges"), rows,
                            caption="Held-out patients in equal-size groups of predicted risk"))
    return Section("Calibration", tuple(blocks))


def _decision_table(records: Sequence[Mapping[str, Any]], points: Iterable[float]) -> tuple[list[str], list[tuple]]:
    strategies = list(dict.fromkeys(str(r["strategy"]) for r in records))
    by = {(round(float(r["threshold"]), 4), str(r["strategy"])): r.get("net_benefit") for r in records}
    thresholds = sorted({round(float(r["threshold"]), 4) for r in records})
    rows = []
    for p in points:
        if not thresholds:
            break
        t = min(thresholds, key=lambda x: abs(x - p))
        if abs(t - p) > 0.011:
            continue
        rows.append((_pct(t, 0), *(_num(by.get((t, s)), 3) for s in strategies)))
    return strategies, list(dict.fromkeys(rows))


def _utility(b: Bundle) -> Section:
    records = [r for r in b.performance.get("decision_curve", []) or [] if isinstance(r, Mapping)]
    points = sorted({*DECISION_POINTS, float(b.manifest.decision_threshold)})
    strategies, rows = _decision_table(records, points)
    blocks: list[Block] = [Text(
        "Net benefit (Vickers & Elkin 2006) = true positives/N - false positives/N x pt/(1-pt): the benefit of "
        "acting on patients at or above a risk threshold pt, in true positives per patient, after counting false "
        "alarms at the weight the threshold implies. A strategy is useful where its curve is above both "
        "'treat all' and 'treat none'. The plausible range for readmission programmes is about 5-40%."
    )]
    if rows:
        blocks.append(Table(("Threshold", *strategies), tuple(rows), caption="Net benefit on held-out patients"))
    else:
        blocks.append(Text("The decision curve is not available in this bundle."))
    return Section("Clinical utility (decision curve)", tuple(blocks))


def weaker_subgroups(b: Bundle) -> list[str]:
    """Subgroups with clearly lower discrimination or poor calibration-in-the-large, as short phrases."""
    overall = b.metrics.auc
    out = []
    for r in b.performance.get("subgroups", []) or []:
        reasons = []
        if _finite(r.get("auc_hi")) and _finite(overall) and r["auc_hi"] < overall:
            reasons.append(f"AUC {_num(r.get('auc'))}")
        oe = r.get("observed_expected")
        if _finite(oe) and not 0.8 <= oe <= 1.25:
            reasons.append(f"O/E {oe:.2f} ({'under' if oe > 1 else 'over'}-predicted)")
        if reasons:
            out.append(f"{r.get('variable', '')} {r.get('level', '')}: {', '.join(reasons)}")
    return out


def _subgroups(b: Bundle) -> Section:
    records = [r for r in b.performance.get("subgroups", []) or [] if isinstance(r, Mapping)]
    if not records:
        return Section("Performance by subgroup", (Text(
            "No subgroup columns (sex, age, insurance, service, site) were identified in this bundle's data, so "
            "performance by subgroup could not be reported."),))
    rows = tuple(
        (str(r.get("variable", "")), str(r.get("level", "")), _int(r.get("n")), _int(r.get("events")),
         _pct(r.get("observed_rate")), _pct(r.get("mean_predicted")),
         f"{_num(r.get('auc'))} ({_ci(r.get('auc_lo'), r.get('auc_hi'))})" if _finite(r.get("auc")) else "-",
         _num(r.get("observed_expected"), 2) if _finite(r.get("observed_expected")) else "-",
         str(r.get("note") or ""))
        for r in records
    )
    few = sum(1 for r in records if r.get("note"))
    weaker = weaker_subgroups(b)
    blocks: list[Block] = [
        Table(("Group", "Level", "Discharges", "Events", "Observed", "Mean predicted", "AUC (95% CI)", "O/E",
               "Note"), rows),
        Text("Wide intervals mean the estimate is imprecise. Groups with fewer than 30 discharges or fewer than 5 "
             "events or non-events get no AUC or O/E: their performance is unknown, not good or bad."
             + (f" {few} group(s) here are that small." if few else "")),
        Text("Groups where the model looks weaker (AUC interval wholly below the overall AUC, or observed/expected "
             "outside 0.8-1.25): " + ("; ".join(weaker) if weaker else "none") + "."),
    ]
    return Section("Performance by subgroup", tuple(blocks))


def _bands(b: Bundle) -> Section:
    rows = tuple((x.name, _pct(x.lower, 0), _pct(x.upper, 0)) for x in b.manifest.risk_bands)
    conf = b.performance.get("confusion", {}) or {}
    threshold = b.manifest.decision_threshold
    blocks: list[Block] = [
        Table(("Band", "From (risk at least)", "To (below)"), rows),
        Text(f"How chosen: {b.manifest.risk_bands_method}. A risk on a cut point "
             "belongs to the higher band. The cut points are for ranking and workload planning; a team should set "
             "its own threshold from its capacity and the decision curve."),
    ]
    if conf:
        blocks.append(Facts((
            ("Flag threshold", f"{_pct(threshold, 0)} (lower edge of the highest band)"),
            ("Flagged", f"{_num(conf.get('flagged_per_100'), 1)} per 100 held-out discharges"),
            ("Sensitivity (recall)", _pct(conf.get("recall"))),
            ("Positive predictive value", _pct(conf.get("precision"))),
            ("Specificity", _pct(conf.get("specificity"))),
            ("Negative predictive value", _pct(conf.get("npv"))),
            ("Counts", f"{_int(conf.get('tp'))} true positives, {_int(conf.get('fp'))} false positives, "
                       f"{_int(conf.get('fn'))} false negatives, {_int(conf.get('tn'))} true negatives"),
        )))
    return Section("Risk bands and thresholds", tuple(blocks))


def _importance(b: Bundle, top: int = 10) -> Section:
    records = [r for r in b.performance.get("importance", []) or [] if isinstance(r, Mapping)]
    labels = {f.name: f.display_label for f in b.schema.features}
    rows = tuple(
        (labels.get(str(r.get("feature")), str(r.get("label", r.get("feature", "")))),
         f"{_num(r.get('mean_abs_points'), 2)} points")
        for r in records[:top]
    )
    sample = b.performance.get("explanation_sample", {}) or {}
    text = (f"Mean absolute contribution to the predicted risk, in percentage points, over a random sample of "
            f"{_int(sample.get('n'))} held-out patients (seed {sample.get('seed', NOT_AVAILABLE)}). These are "
            "associations in the model, not causes.")
    if not rows:
        return Section("Most influential inputs", (Text("Not available in this bundle."),))
    return Section("Most influential inputs", (Text(text), Table(("Input", "Mean absolute contribution"), rows)))


def automatic_warnings(b: Bundle) -> list[str]:
    """Warnings derived from the bundle's own numbers, added to the manifest's warnings."""
    m, out = b.metrics, []
    if b.manifest.data.source.get("kind") == "synthetic":
        out.append("Trained and tested on synthetic data: not evidence of performance on real patients.")
    if m.auc > 0.85:
        out.append(f"Held-out AUC {m.auc:.3f} is above 0.85, which for readmission usually means leakage.")
    slope = m.calibration_slope
    if not 0.8 <= slope <= 1.2:
        out.append(f"Calibration slope {slope:.2f} is outside 0.8-1.2: predicted risks may be too "
                   f"{'extreme' if slope < 1 else 'modest'} on new patients.")
    if m.events_test < MIN_TEST_EVENTS:
        out.append(f"Only {m.events_test} events in the held-out set (fewer than {MIN_TEST_EVENTS}): "
                   "the performance estimates are imprecise.")
    return out


def _limitations(b: Bundle) -> Section:
    blocks: list[Block] = [Prose(prose("limitations"))]
    warnings = [*b.manifest.warnings, *automatic_warnings(b)]
    if warnings:
        blocks.append(Text("Warnings for this bundle:"))
        blocks.append(Bullets(tuple(warnings)))
    else:
        blocks.append(Text("No warnings were raised when this bundle was built."))
    return Section("Limitations and warnings", tuple(blocks))


def _provenance(b: Bundle) -> Section:
    mf = b.manifest
    facts = (
        ("Name", b.name),
        ("Version", b.version),
        ("Training date", mf.created),
        ("Software", ", ".join(f"{k} {v}" for k, v in mf.versions.to_json().items())),
    )
    rows = tuple(mf.files.sha256.items())
    return Section("Version and provenance", (
        Facts(facts),
        Table(("File", "sha256"), rows, caption="Lantern refuses to load a bundle whose files do not match"),
    ))


def model_card_sections(bundle: Bundle) -> list[Section]:
    """The card as data, in SECTION_TITLES order."""
    sections = [
        _summary(bundle), _intended_use(bundle), _outcome(bundle), _data(bundle), _splits(bundle),
        _predictors(bundle), _missing(bundle), _development(bundle), _discrimination(bundle),
        _calibration(bundle), _utility(bundle), _subgroups(bundle), _bands(bundle), _importance(bundle),
        _limitations(bundle), _provenance(bundle),
        Section("Licence and contact", (Facts((("Licence", LICENCE),)), Prose(prose("licence")))),
        Section("References", (Prose(prose("references")),)),
    ]
    assert tuple(s.title for s in sections) == SECTION_TITLES
    return sections


# ---------------------------------------------------------------------------- Markdown


_MD_SPECIAL = re.compile(r"([\\`*\[\]|~$#])")


def md_escape(text: str) -> str:
    """Raw text -> Markdown that shows it literally (no emphasis, links, maths, tables or HTML)."""
    s = _MD_SPECIAL.sub(r"\\\1", str(text))
    s = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)  # intraword _ is literal already
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(s.split())  # no newlines: they would break tables and lists


def _md_block(block: Block) -> str:
    if isinstance(block, Text):
        return md_escape(block.text)
    if isinstance(block, Prose):
        return block.markdown
    if isinstance(block, Facts):
        return "\n".join(f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in block.items)
    if isinstance(block, Bullets):
        return "\n".join(f"- {md_escape(x)}" for x in block.items)
    lines = [f"*{md_escape(block.caption)}*", ""] if block.caption else []
    lines.append("| " + " | ".join(md_escape(h) for h in block.headers) + " |")
    lines.append("|" + "|".join("---" for _ in block.headers) + "|")
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
    return "\n".join(lines)


def section_markdown(section: Section) -> str:
    """One section's body in Markdown (no heading): the app shows each section in its own block."""
    return "\n\n".join(_md_block(b) for b in section.blocks)


def model_card_markdown(bundle: Bundle) -> str:
    """The whole card as a Markdown document."""
    parts = [f"# Model card: {md_escape(bundle.name)}", "",
             md_escape(f"Version {bundle.version}. Generated from the bundle's manifest, performance and schema "
                       "files, following TRIPOD+AI (2024) and the Model Facts label (Sendak 2020).")]
    for i, section in enumerate(model_card_sections(bundle), 1):
        parts += ["", f"## {i}. {section.title}", "", section_markdown(section)]
    return "\n".join(parts).strip() + "\n"


# ---------------------------------------------------------------------------- HTML


def _inline_html(markdown: str) -> str:
    """Trusted Markdown-lite inline -> HTML: escape first, then **bold** and `code`."""
    s = html.escape(markdown, quote=True)
    s = re.sub(r"`([^`]+)`", r"<code>\1</code>", s)
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", s)


def _prose_html(markdown: str) -> str:
    out = []
    for para in re.split(r"\n\s*\n", markdown.strip()):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if lines and all(ln.startswith("- ") for ln in lines):
            out.append("<ul>" + "".join(f"<li>{_inline_html(ln[2:])}</li>" for ln in lines) + "</ul>")
        else:
            out.append(f"<p>{_inline_html(' '.join(lines))}</p>")
    return "\n".join(out)


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


def _html_block(block: Block) -> str:
    if isinstance(block, Text):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, Prose):
        return _prose_html(block.markdown)
    if isinstance(block, Facts):
        return "<ul class='facts'>" + "".join(
            f"<li><strong>{_e(k)}:</strong> {_e(v)}</li>" for k, v in block.items) + "</ul>"
    if isinstance(block, Bullets):
        return "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in block.items) + "</ul>"
    caption = f"<caption>{_e(block.caption)}</caption>" if block.caption else ""
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in block.headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 3px solid #b45309; padding-bottom: .3rem; }
h2 { font-size: 1.2rem; margin-top: 1.8rem; color: #7c2d12; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-style: italic; color: #555; padding-bottom: .2rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f5f0e8; }
td { overflow-wrap: anywhere; }
ul.facts { list-style: none; padding-left: 0; }
ul.facts li { margin: .15rem 0; }
.lead { color: #444; }
@media print {
  body { max-width: none; margin: 0; font-size: 10pt; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; break-after: avoid; page-break-after: avoid; }
  tr, ul.facts li, caption { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  th { background: #eee !important; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def model_card_html(bundle: Bundle) -> str:
    """The whole card as one self-contained, printable HTML page; every data string is escaped."""
    body = [f"<h1>Model card: {_e(bundle.name)}</h1>",
            f"<p class='lead'>Version {_e(bundle.version)}. Generated from the bundle's manifest, performance and "
            "schema files, following TRIPOD+AI (2024) and the Model Facts label (Sendak 2020).</p>"]
    for i, section in enumerate(model_card_sections(bundle), 1):
        body.append(f"<section><h2>{i}. {_e(section.title)}</h2>")
        body += [_html_block(b) for b in section.blocks]
        body.append("</section>")
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>Model card: {_e(bundle.name)} {_e(bundle.version)}</title>\n<style>{_CSS}</style>\n</head>\n"
        "<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )

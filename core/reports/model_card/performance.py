"""Model card sections on held-out performance: discrimination, calibration, utility, subgroups, bands, importance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from core.model.bundle import Bundle
from core.policy import DECISION_POINTS, OBSERVED_EXPECTED_RANGE
from core.presentation.wording import NOT_AVAILABLE, plural, too_few
from core.reports.model_card.blocks import Block, Facts, Section, Table, Text, finite, fmt_ci, fmt_int, fmt_num, fmt_pct

OE_LOW, OE_HIGH = OBSERVED_EXPECTED_RANGE


def _is_are(count: int) -> str:
    return "is" if count == 1 else "are"


def _baseline_rows(b: Bundle) -> list[dict[str, Any]]:
    return [r for r in b.performance.get("baseline_comparison", []) or [] if isinstance(r, Mapping)]


def discrimination(b: Bundle) -> Section:
    """Held-out AUC with its interval, next to LACE and HOSPITAL on the same patients."""
    m = b.metrics
    ci = m.auc_ci
    n, events = fmt_int(m.n_test), fmt_int(m.events_test)
    blocks: list[Block] = [
        Text(f"AUC (C-statistic) on {n} held-out discharges with {events} events: {fmt_num(m.auc)} "
             f"({fmt_ci(*ci)}; bootstrap). An AUC is the chance that a patient with the outcome is given a higher "
             "risk than one without; 0.5 is chance. Published readmission models mostly reach 0.55-0.72."),
    ]
    rows = [(str(r.get("name", "")), fmt_num(r.get("auc")), fmt_ci(r.get("auc_lo"), r.get("auc_hi"))) for r in
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


def calibration(b: Bundle) -> Section:
    """Whether predicted risks match what happened: slope, intercept, O/E, Brier and the binned curve."""
    m = b.metrics
    facts = (
        ("Calibration slope", f"{fmt_num(m.calibration_slope, 2)} (ideal 1; below 1 means predictions too "
                              "extreme, above 1 too modest)"),
        ("Calibration intercept", f"{fmt_num(m.calibration_intercept, 2)} (ideal 0; above 0 means risk "
                                  "under-estimated on average)"),
        ("Observed / expected events", f"{fmt_num(m.observed_expected, 2)} (ideal 1)"),
        ("Brier score", f"{fmt_num(m.brier)} (lower is better); scaled Brier {fmt_num(m.scaled_brier)}"),
    )
    rows = tuple(
        (fmt_pct(r.get("mean_predicted")), fmt_pct(r.get("observed")), f"{fmt_pct(r.get('lo'))}-{fmt_pct(r.get('hi'))}",
         fmt_int(r.get("n")))
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
        rows.append((fmt_pct(t, 0), *(fmt_num(by.get((t, s)), 3) for s in strategies)))
    return strategies, list(dict.fromkeys(rows))


def utility(b: Bundle) -> Section:
    """Net benefit at the thresholds a team might act on, against treat-all and treat-none."""
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
        if finite(r.get("auc_hi")) and finite(overall) and r["auc_hi"] < overall:
            reasons.append(f"AUC {fmt_num(r.get('auc'))}")
        oe = r.get("observed_expected")
        if finite(oe) and not OE_LOW <= oe <= OE_HIGH:
            reasons.append(f"O/E {oe:.2f} ({'under' if oe > 1 else 'over'}-predicted)")
        if reasons:
            out.append(f"{r.get('variable', '')} {r.get('level', '')}: {', '.join(reasons)}")
    return out


def subgroups(b: Bundle) -> Section:
    """Performance by subgroup, with the reliability floor and the groups where the model looks weaker."""
    records = [r for r in b.performance.get("subgroups", []) or [] if isinstance(r, Mapping)]
    if not records:
        return Section("Performance by subgroup", (Text(
            "No subgroup columns (sex, age, insurance, service, site) were identified in this bundle's data, so "
            "performance by subgroup could not be reported."),))
    rows = tuple(
        (str(r.get("variable", "")), str(r.get("level", "")), fmt_int(r.get("n")), fmt_int(r.get("events")),
         fmt_pct(r.get("observed_rate")), fmt_pct(r.get("mean_predicted")),
         f"{fmt_num(r.get('auc'))} ({fmt_ci(r.get('auc_lo'), r.get('auc_hi'))})" if finite(r.get("auc")) else "-",
         fmt_num(r.get("observed_expected"), 2) if finite(r.get("observed_expected")) else "-",
         str(r.get("note") or ""))
        for r in records
    )
    few = sum(1 for r in records if r.get("note"))
    weaker = weaker_subgroups(b)
    blocks: list[Block] = [
        Table(("Group", "Level", "Discharges", "Events", "Observed", "Mean predicted", "AUC (95% CI)", "O/E",
               "Note"), rows),
        Text("Wide intervals mean the estimate is imprecise. Groups with "
             f"{too_few('discharges', 'events or non-events')} get no AUC or O/E: their performance is unknown, not "
             "good or bad." + (f" {plural(few, 'group')} here {_is_are(few)} that small." if few else "")),
        Text("Groups where the model looks weaker (AUC interval wholly below the overall AUC, or observed/expected "
             f"outside {OE_LOW}-{OE_HIGH}): " + ("; ".join(weaker) if weaker else "none") + "."),
    ]
    return Section("Performance by subgroup", tuple(blocks))


def bands(b: Bundle) -> Section:
    """The risk bands, how they were chosen, and what the flag threshold gives on held-out patients."""
    rows = tuple((x.name, fmt_pct(x.lower, 0), fmt_pct(x.upper, 0)) for x in b.manifest.risk_bands)
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
            ("Flag threshold", f"{fmt_pct(threshold, 0)} (lower edge of the highest band)"),
            ("Flagged", f"{fmt_num(conf.get('flagged_per_100'), 1)} per 100 held-out discharges"),
            ("Sensitivity (recall)", fmt_pct(conf.get("recall"))),
            ("Positive predictive value", fmt_pct(conf.get("precision"))),
            ("Specificity", fmt_pct(conf.get("specificity"))),
            ("Negative predictive value", fmt_pct(conf.get("npv"))),
            ("Counts", f"{fmt_int(conf.get('tp'))} true positives, {fmt_int(conf.get('fp'))} false positives, "
                       f"{fmt_int(conf.get('fn'))} false negatives, {fmt_int(conf.get('tn'))} true negatives"),
        )))
    return Section("Risk bands and thresholds", tuple(blocks))


def importance(b: Bundle, top: int = 10) -> Section:
    """The inputs with the largest average contribution, in percentage points."""
    records = [r for r in b.performance.get("importance", []) or [] if isinstance(r, Mapping)]
    labels = {f.name: f.display_label for f in b.schema.features}
    rows = tuple(
        (labels.get(str(r.get("feature")), str(r.get("label", r.get("feature", "")))),
         f"{fmt_num(r.get('mean_abs_points'), 2)} points")
        for r in records[:top]
    )
    sample = b.performance.get("explanation_sample", {}) or {}
    text = (f"Mean absolute contribution to the predicted risk, in percentage points, over a random sample of "
            f"{fmt_int(sample.get('n'))} held-out patients (seed {sample.get('seed', NOT_AVAILABLE)}). These are "
            "associations in the model, not causes.")
    if not rows:
        return Section("Most influential inputs", (Text("Not available in this bundle."),))
    return Section("Most influential inputs", (Text(text), Table(("Input", "Mean absolute contribution"), rows)))

"""The model card is generated from the bundle's files only, covers every TRIPOD+AI section and escapes data."""

from __future__ import annotations

import dataclasses
import re

import pytest

from core.model.bundle import Bundle
from core.model.manifest import Target
from core.reports.model_card import (
    SECTION_TITLES,
    horizon_text,
    md_escape,
    model_card_html,
    model_card_markdown,
    model_card_sections,
    weaker_subgroups,
)
from core.scoring.engine import Engine

EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def bundle(engine: Engine) -> Bundle:
    return engine.bundle


@pytest.fixture(scope="module")
def card_md(bundle: Bundle) -> str:
    return model_card_markdown(bundle)


@pytest.fixture(scope="module")
def card_html(bundle: Bundle) -> str:
    return model_card_html(bundle)


def _with_label(bundle: Bundle, label: str, warning: str = "") -> Bundle:
    first = bundle.schema.features[0]
    schema = bundle.schema.with_features(
        [dataclasses.replace(first, label=label), *bundle.schema.features[1:]])
    manifest = dataclasses.replace(bundle.manifest, warnings=(warning,) if warning else (), name=f"model {label}")
    return dataclasses.replace(bundle, schema=schema, manifest=manifest)


def test_every_section_heading_in_order(card_md: str, card_html: str) -> None:
    md_headings = re.findall(r"^## \d+\. (.+)$", card_md, flags=re.MULTILINE)
    assert tuple(md_headings) == SECTION_TITLES
    html_headings = re.findall(r"<h2>\d+\. (.+?)</h2>", card_html)
    assert tuple(html_headings) == SECTION_TITLES
    for needed in ("Intended use", "Missing data", "Calibration", "Performance by subgroup",
                   "Risk bands and thresholds", "Limitations and warnings", "Version and provenance"):
        assert needed in SECTION_TITLES


def test_numbers_come_from_the_manifest(bundle: Bundle, card_md: str, card_html: str) -> None:
    m = bundle.metrics
    lo, hi = m.auc_ci
    expected = [
        f"{m.auc:.3f} (95% CI {lo:.3f}-{hi:.3f}",
        f"slope {m.calibration_slope:.2f}",
        f"Calibration intercept:** {m.calibration_intercept:.2f}",
        f"{m.observed_expected:.2f} (ideal 1)",
        f"{m.brier:.3f} (lower is better)",
        f"{m.n_test:,} held-out discharges with {m.events_test:,} events",
        f"| Training | {bundle.manifest.splits.train.rows:,} | {m.events_train:,} |",
        bundle.version,
        bundle.manifest.created,
    ]
    for text in expected:
        assert text in card_md, text
    assert f"{m.auc:.3f}" in card_html
    for row in bundle.performance["baseline_comparison"]:
        assert f"| {row['name']} | {row['auc']:.3f} |" in card_md


def test_artifact_sha256_and_versions(bundle: Bundle, card_md: str, card_html: str) -> None:
    files = bundle.manifest.files.sha256
    assert set(files) == {"model.joblib", "schema.json", "performance.json"}
    for name, sha in files.items():
        assert f"| {md_escape(name)} | {sha} |" in card_md
        assert sha in card_html
    assert bundle.manifest.data.fingerprint.sha256 in card_md
    assert f"scikit-learn {bundle.manifest.versions.scikit_learn}" in card_md
    assert "MIT" in card_md and "MIT" in card_html


def test_predictors_bands_comparison_and_warnings(bundle: Bundle, card_md: str) -> None:
    for f in bundle.schema.features:
        assert md_escape(f.display_label) in card_md, f.name
        assert f"{100 * f.missing_share:.1f}%" in card_md
    for band in bundle.manifest.risk_bands:
        assert f"| {band.name} | {100 * band.lower:.0f}% | {100 * band.upper:.0f}% |" in card_md
    assert bundle.manifest.risk_bands_method in card_md
    chosen = next(c for c in bundle.manifest.comparison if c.selected)
    assert f"{chosen.cv_auc:.3f} ± {chosen.cv_auc_sd:.3f}" in card_md
    assert "readmissions to other hospitals are not captured" in card_md.lower()
    assert "slightly different outcomes" in card_md
    assert "When not to use it" in card_md
    n = bundle.performance["explanation_sample"]["n"]
    assert f"random sample of {n:,} held-out patients" in card_md


def test_subgroups_with_intervals(bundle: Bundle, card_md: str) -> None:
    rows = [r for r in bundle.performance["subgroups"] if r["auc"] is not None]
    assert rows
    r = rows[0]
    assert f"{r['auc']:.3f} (95% CI {r['auc_lo']:.3f}-{r['auc_hi']:.3f})" in card_md
    assert "Groups where the model looks weaker" in card_md
    assert isinstance(weaker_subgroups(bundle), list)


def test_manifest_warnings_appear(bundle: Bundle) -> None:
    b = _with_label(bundle, "Plain", warning="Feature x alone has AUC 0.99: probable leakage.")
    assert "Feature x alone has AUC 0.99: probable leakage." in model_card_markdown(b)
    assert "Feature x alone has AUC 0.99: probable leakage." in model_card_html(b)


def test_html_escapes_script_label_and_warning(bundle: Bundle) -> None:
    b = _with_label(bundle, EVIL, warning=f"bad {EVIL}")
    page = model_card_html(b)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page  # Jinja2's autoescape spells ' as &#39;
    md = model_card_markdown(b)
    assert "<script" not in md.lower()
    assert "&lt;script&gt;" in md


def test_pipe_in_label_does_not_break_tables(bundle: Bundle) -> None:
    md = model_card_markdown(_with_label(bundle, "a | b"))
    row = next(line for line in md.splitlines() if line.startswith("| a \\| b |"))
    assert row.replace("\\|", "").count("|") == 7  # 6 columns


def test_html_is_printable_and_self_contained(card_html: str) -> None:
    assert card_html.startswith("<!DOCTYPE html>")
    assert "@media print" in card_html
    assert "<script" not in card_html.lower() and "http" not in card_html.split("<body>")[0]


def test_generation_is_deterministic(bundle: Bundle, card_md: str) -> None:
    assert model_card_markdown(bundle) == card_md
    assert [s.title for s in model_card_sections(bundle)] == list(SECTION_TITLES)


def test_other_bundle_card(other_engine: Engine) -> None:
    b = other_engine.bundle
    md = model_card_markdown(b)
    html_text = model_card_html(b)
    assert tuple(re.findall(r"^## \d+\. (.+)$", md, flags=re.MULTILINE)) == SECTION_TITLES
    assert "Body-mass index" in md and "Current smoker" in html_text
    assert "LACE and HOSPITAL could not be computed" in md
    assert f"{b.metrics.auc:.3f}" in md
    assert "a patient with several discharges may be in both sets" in md
    assert "Charlson comorbidity index" not in md


def test_horizon_and_escape_helpers() -> None:
    def target(label: str = "", column: str = "") -> Target:
        return Target(column=column, positive="1", label=label, definition="")

    assert horizon_text(target(label="Readmission within 30 days")) == "30 days after discharge"
    assert horizon_text(target(column="readmit_90d")) == "90 days after discharge"
    assert horizon_text(target(label="Outcome")).startswith("not stated")
    assert md_escape("a*b*_c_ $5 [x](y)") == "a\\*b\\*\\_c\\_ \\$5 \\[x\\](y)"
    assert md_escape("length_of_stay_days") == "length_of_stay_days"
    assert md_escape("line\nbreak") == "line break"

"""Risk wording and the printable one-page summary (pure functions on the default engine)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from core.reports.patient_summary import (
    ReportInfo,
    driver_steps,
    format_risk,
    natural_frequency,
    patient_report_html,
    plain_problem,
    points_text,
    reference_row,
    report_info,
    warning_lines,
)
from core.scoring.engine import Engine


def test_risk_words() -> None:
    assert format_risk(0.183) == "18%"
    assert format_risk(0.002) == "<1%"
    assert format_risk(float("nan")) == "not available"
    assert natural_frequency(0.183) == "About 18 of 100 patients like this are readmitted within 30 days."
    assert natural_frequency(0.01).startswith("About 1 of 100 patients like this is readmitted")
    assert natural_frequency(0.001).startswith("Fewer than 1 of 100")
    assert points_text(3.14) == "+3.1 points"
    assert points_text(-0.44) == "\u22120.4 points"


def test_driver_steps_add_up_and_group_the_rest(engine: Engine) -> None:
    result = engine.patient(engine.typical_patient())
    steps = driver_steps(engine.schema, result, top=8)
    assert steps["kind"].iloc[0] == "baseline" and steps["kind"].iloc[-1] == "total"
    middle = steps.iloc[1:-1]
    assert len(middle) == 9 and middle["label"].iloc[-1].startswith("Other factors")
    sizes = middle["points"].abs().iloc[:-1].tolist()
    assert sizes == sorted(sizes, reverse=True)
    assert result.baseline * 100 + middle["points"].sum() == pytest.approx(result.risk * 100, abs=1e-6)
    assert middle["end"].iloc[-1] == pytest.approx(result.risk * 100, abs=1e-6)
    assert (middle["start"].iloc[1:].to_numpy() == pytest.approx(middle["end"].iloc[:-1].to_numpy()))


def test_warnings_and_plain_problem(engine: Engine) -> None:
    age = engine.schema.roles["age"]
    spec = engine.schema.feature(age)
    # Above the oldest training age is outside the model's population now (issue 16): a longer stay than any in
    # training is still scored with a warning.
    stay = engine.schema.feature("length_of_stay_days")
    result = engine.patient({**engine.typical_patient(), stay.name: stay.train_max + 1})
    assert any(stay.display_label in line for line in warning_lines(result))
    assert "outside the model's population" in engine.patient({**engine.typical_patient(),
                                                                age: spec.train_max + 1}).not_eligible
    rejected = engine.patient({**engine.typical_patient(), age: 500})
    assert rejected.rejected
    message = plain_problem(engine.schema, rejected.rejected)
    assert message.startswith(spec.display_label + ":")


def test_report_is_one_escaped_page(engine: Engine) -> None:
    result = engine.patient(engine.typical_patient())
    when = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    page = patient_report_html(engine, result, reference=reference_row(engine, result), generated=when)
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page and "@page" in page
    assert format_risk(result.risk) in page
    assert natural_frequency(result.risk) in page
    assert engine.bundle.version in page and "2026-01-02 03:04 UTC" in page
    assert "not causes" in page
    for spec in engine.schema.features:
        assert spec.display_label.replace("&", "&amp;") in page
    if result.lace:
        assert "LACE" in page and "slightly different outcome" in page


def test_report_escapes_every_value(engine: Engine) -> None:
    info = report_info(engine)
    nasty = "<script>alert(1)</script>"
    evil = ReportInfo(schema=info.schema, model_name=nasty, model_version='1" onload="x', trained="2026-01-01",
                      outcome=nasty, bands=info.bands, method=nasty)
    values = engine.typical_patient()
    cat = next(f for f in engine.schema.features if f.kind == "categorical")
    result = engine.patient({**values, cat.name: nasty})  # an unseen category, kept as typed
    page = patient_report_html(evil, result, intended_use=nasty)
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert 'onload="x' not in page


def test_report_of_a_rejected_patient(engine: Engine) -> None:
    age = engine.schema.roles["age"]
    result = engine.patient({**engine.typical_patient(), age: "abc"})
    page = patient_report_html(engine, result)
    assert "could not be estimated" in page and "abc" in page


def test_report_for_another_bundle(other_engine: Engine) -> None:
    result = other_engine.patient(other_engine.typical_patient())
    page = patient_report_html(other_engine, result)
    assert "Current smoker" in page and "Body-mass index" in page
    assert "LACE" not in page
    assert isinstance(driver_steps(other_engine.schema, result), pd.DataFrame)

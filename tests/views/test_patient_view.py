"""The patient page in Streamlit's AppTest: built from the bundle's schema, recomputes, never crashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.reports.patient_summary import format_risk
from core.scoring.engine import Engine
from tests.apptest import APP
from tests.apptest import run_app as _run


def _labels(at: AppTest) -> set[str]:
    widgets = [*at.number_input, *at.selectbox, *at.radio, *at.checkbox]
    return {w.label for w in widgets}


def _risk(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "30-day readmission risk")


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def _mover(engine: Engine) -> tuple[str, float]:
    """A numeric input and a value in its training range that moves the typical patient's risk a lot."""
    base = engine.typical_patient()
    risk = engine.patient(base).risk
    best = ("", 0.0, 0.0)
    for spec in engine.schema.features:
        if spec.kind != "numeric" or spec.train_max is None or spec.modifiable:
            continue
        moved = abs(engine.patient({**base, spec.name: spec.train_max}).risk - risk)
        if moved > best[2]:
            best = (spec.name, float(spec.train_max), moved)
    assert best[2] > 0.02, "some input should move the risk by 2 points or more"
    return best[0], best[1]


def test_form_renders_from_the_default_bundle(engine: Engine) -> None:
    at = _run()
    labels = _labels(at)
    for spec in engine.schema.features:
        assert any(label.startswith(spec.display_label) for label in labels), spec.display_label
    assert _risk(at) == format_risk(engine.patient(engine.typical_patient()).risk)
    text = " ".join(m.value for m in at.markdown)
    assert "of 100 patients like this" in text
    assert not _errors(at)


def test_form_renders_from_another_bundle(other_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_BUNDLE", str(other_bundle))
    at = _run()
    labels = _labels(at)
    assert "Current smoker" in labels
    assert any(label.startswith("Body-mass index") for label in labels)
    assert "Age" not in labels  # nothing from the default model's form
    assert not [s for s in at.selectbox if s.key == "patient_demo_pick"]  # the demo file does not fit: no picker
    assert _risk(at).endswith("%")
    assert not _errors(at)


def test_submit_updates_the_risk(engine: Engine) -> None:
    at = _run()
    before = _risk(at)
    name, value = _mover(engine)
    at.number_input(key=f"patient_in_{name}").set_value(value)
    at.button(key="patient_submit").click().run()
    assert not at.exception
    expected = format_risk(engine.patient({**engine.typical_patient(), name: value}).risk)
    assert _risk(at) == expected != before


def test_not_recorded_and_blank_inputs_are_named(engine: Engine) -> None:
    at = _run()
    numeric = [s for s in engine.schema.features if s.kind == "numeric"]
    at.checkbox(key=f"patient_nr_{numeric[0].name}").check()
    at.number_input(key=f"patient_in_{numeric[1].name}").set_value(None)
    at.button(key="patient_submit").click().run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert numeric[1].display_label in warnings and "left blank" in warnings
    captions = " ".join(c.value for c in at.caption)
    assert f"Marked as not recorded: {numeric[0].display_label}" in captions


def test_whatif_change_moves_the_estimate(engine: Engine) -> None:
    at = _run()
    spec = next(s for s in engine.schema.modifiable if s.kind == "binary")
    current = engine.typical_patient()[spec.name]
    new = "no" if current and float(current) >= 0.5 else "yes"
    at.radio(key=f"patient_wi_{spec.name}").set_value(new).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    changed = engine.patient({**engine.typical_patient(), spec.name: 1.0 if new == "yes" else 0.0}).risk
    assert metrics["With these changes"] == format_risk(changed)
    assert metrics["With these changes"] != metrics["Original estimate"]
    info = " ".join(i.value for i in at.info)
    assert "model's estimate" in info


def test_impossible_value_shows_a_message_not_an_exception(engine: Engine) -> None:
    at = _run()
    age = engine.schema.roles["age"]
    at.number_input(key=f"patient_in_{age}").set_value(500)
    at.button(key="patient_submit").click().run()
    assert not at.exception
    errors = " ".join(_errors(at))
    assert "could not be estimated" in errors
    assert engine.schema.feature(age).display_label in errors and "500" in errors
    assert "Traceback" not in errors


def test_demo_picker_loads_a_patient(engine: Engine) -> None:
    at = _run()
    picker = at.selectbox(key="patient_demo_pick")
    picker.set_value(3)
    at.button(key="patient_demo_load").click().run()
    assert not at.exception
    assert any("demo patient" in c.value for c in at.caption)
    age = engine.schema.roles["age"]
    assert at.number_input(key=f"patient_in_{age}").value is not None


def test_lab_in_its_alternative_unit_gives_the_same_risk(engine: Engine) -> None:
    spec = next(s for s in engine.schema.features if s.alt_units and s.kind == "numeric")
    alt = spec.alt_units[0]
    canonical = float(spec.typical) - 1.0
    at = _run()
    at.selectbox(key=f"patient_unit_{spec.name}").set_value(alt.unit)
    at.number_input(key=f"patient_in_{spec.name}").set_value(round(canonical / alt.factor, 6))
    at.button(key="patient_submit").click().run()
    assert not at.exception and not _errors(at)
    expected = engine.patient({**engine.typical_patient(), spec.name: canonical}).risk
    assert _risk(at) == format_risk(expected)
    row = next(r for r in at.session_state["patient_result"][1].values.items() if r[0] == spec.name)
    assert row[1] == pytest.approx(canonical)


def test_demo_picker_offers_every_demo_patient_by_identifier(engine: Engine) -> None:
    """The picker lists all demo rows in file order (no hidden sample), each named by its identifier and roles."""
    import csv

    with (Path(APP).parent / "data" / "demo_cohort.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ident = next(c for c in engine.schema.id_columns if c in rows[0])
    roles = [engine.schema.roles[r] for r in ("age", "sex", "service")
             if engine.schema.roles.get(r) in engine.schema.names]  # inputs of the model, as the picker reads them
    at = _run()
    options = at.selectbox(key="patient_demo_pick").options
    assert len(options) == len(rows)
    for i in (0, 3, len(rows) // 2, len(rows) - 1):
        expected = " · ".join([rows[i][ident], *(rows[i][c] for c in roles if rows[i][c].strip())])
        assert options[i] == expected, (i, options[i], expected)


def test_a_charlson_index_that_disagrees_with_the_flags_is_reported_and_the_hierarchy_explained(
        engine: Engine) -> None:
    at = _run()
    at.radio(key="patient_in_cm_cancer").set_value("yes")
    at.radio(key="patient_in_cm_metastatic").set_value("yes")
    at.number_input(key="patient_in_charlson_index").set_value(0)
    at.button(key="patient_submit").click().run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Charlson index entered as 0, but the comorbidities ticked give 6" in warnings
    captions = " ".join(c.value for c in at.caption)
    assert "counts only the more severe" in captions
    assert _risk(at).endswith("%")  # inconsistent, not refused

"""FHIR upload on the patient page: a Bundle fills the form, says where each value came from, never crashes.

AppTest cannot drive ``st.file_uploader``, so the tests put ``(file name, bytes)`` where the
uploader's callback would: ``st.session_state["patient_fhir_upload"]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.interop.fhir import FhirError, bundle_to_patient
from core.reports.patient_summary import format_risk
from core.scoring.engine import Engine
from tests import fhir_fixtures as fx
from tests.apptest import run_app as _run
from views.components.patient_fhir import MAX_BYTES, UPLOAD, fhir_fills, read_bundle_bytes


def _upload(at: AppTest, data: bytes, name: str = "bundle.json") -> AppTest:
    at.session_state[UPLOAD] = (name, data)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _risk(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label == "30-day readmission risk")


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def _fhir_table(at: AppTest) -> pd.DataFrame | None:
    """The "from FHIR" table, or None when the page does not show it."""
    return next((d.value for d in at.dataframe if "From FHIR element" in d.value.columns), None)


def _bytes(bundle: object) -> bytes:
    return json.dumps(bundle).encode("utf-8")


def test_complete_bundle_fills_the_form_and_the_risk(engine: Engine) -> None:
    mapping = bundle_to_patient(fx.complete_bundle(), engine.schema)
    at = _upload(_run(), _bytes(fx.complete_bundle()), "ann-example.json")
    assert not _errors(at)
    age = engine.schema.roles["age"]
    assert at.number_input(key=f"patient_in_{age}").value == pytest.approx(mapping.values[age])
    lab = next(s for s in engine.schema.features if s.alt_units and s.name in mapping.sources)  # hemoglobin
    assert at.number_input(key=f"patient_in_{lab.name}").value == pytest.approx(mapping.values[lab.name])
    for spec in engine.schema.features:  # every numeric input shows the mapped value, or is ticked not recorded
        if spec.kind == "numeric":
            shown = at.number_input(key=f"patient_in_{spec.name}").value
            if mapping.values[spec.name] is None:
                assert at.checkbox(key=f"patient_nr_{spec.name}").value, spec.name
            else:
                assert shown == pytest.approx(float(mapping.values[spec.name])), spec.name
    assert _risk(at) == format_risk(engine.patient(mapping.values).risk)
    assert _risk(at) != format_risk(engine.patient(engine.typical_patient()).risk)
    assert any("FHIR Bundle “ann-example.json”" in c.value for c in at.caption)
    table = _fhir_table(at)
    assert table is not None and len(table) == len(mapping.sources)
    assert mapping.sources[lab.name] in set(table["From FHIR element"])
    assert any("SNOMED" in w.value for w in at.warning)  # the mapper's warnings are shown
    assert UPLOAD not in at.session_state  # the bytes are dropped once read


def test_missing_labs_are_listed_as_not_recorded(engine: Engine) -> None:
    mapping = bundle_to_patient(fx.missing_labs_bundle(), engine.schema)
    labs = [engine.schema.feature(n) for n in mapping.missing if engine.schema.feature(n).alt_units]
    assert labs, "the fixture leaves out labs"
    at = _upload(_run(), _bytes(fx.missing_labs_bundle()))
    text = " ".join(m.value for m in at.markdown if "Not recorded in the Bundle" in m.value)
    for spec in labs:
        assert spec.display_label in text
        assert at.checkbox(key=f"patient_nr_{spec.name}").value
    assert _risk(at) == format_risk(engine.patient(mapping.values).risk)


@pytest.mark.parametrize(("data", "words"), [
    (b'{"resourceType": "Bundle", "entry": [', "not valid JSON"),
    (b"\xff\xfe\x00<Bundle/>", "not a text file"),
    (b"", "empty"),
    (_bytes(fx.patient()), "Expected a FHIR Bundle"),
    (_bytes([fx.complete_bundle()]), "a list"),
    (_bytes(fx.wrong_inputs()["two patients"][0]), "one Bundle per patient"),
    (b" " * (MAX_BYTES + 1), "MB"),
], ids=["malformed", "binary", "empty", "bare-patient", "list", "two-patients", "too-large"])
def test_unusable_files_show_a_plain_error(engine: Engine, data: bytes, words: str) -> None:
    at = _run()
    before = _risk(at)
    at = _upload(at, data)
    errors = _errors(at)
    assert words in errors and "could not be used" in errors
    assert "Traceback" not in errors and "Error:" not in errors
    assert _risk(at) == before  # the form was left as it was


def test_summary_stays_after_editing_and_goes_after_reset(engine: Engine) -> None:
    at = _upload(_run(), _bytes(fx.complete_bundle()))
    at.button(key="patient_submit").click().run()
    assert not at.exception
    assert _fhir_table(at) is not None
    assert any("changed the form" in c.value for c in at.caption)
    at.button(key="patient_reset").click().run()
    assert not at.exception
    assert _fhir_table(at) is None
    assert _risk(at) == format_risk(engine.patient(engine.typical_patient()).risk)


def test_other_bundle_offers_no_fhir_upload_and_does_not_crash(other_bundle: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_BUNDLE", str(other_bundle))
    at = _run()
    assert any("default model only" in c.value for c in at.caption)
    before = _risk(at)
    at = _upload(at, _bytes(fx.complete_bundle()))
    assert "default model only" in _errors(at)
    assert _risk(at) == before


def test_fhir_fills_only_the_default_schema(engine: Engine, other_engine: Engine) -> None:
    assert fhir_fills(engine.schema)
    assert not fhir_fills(other_engine.schema)


def test_read_bundle_bytes_accepts_a_bom_and_refuses_junk() -> None:
    assert read_bundle_bytes(b"\xef\xbb\xbf" + _bytes(fx.complete_bundle()))["resourceType"] == "Bundle"
    with pytest.raises(FhirError, match="nested too deeply"):
        read_bundle_bytes(b"[" * 100_000 + b"]" * 100_000)


def test_only_a_whole_record_lets_absence_mean_no(engine: Engine) -> None:
    """A Bundle without the 'whole record' tick leaves absent conditions not recorded; with it they read 'no'."""
    data = _bytes(fx.complete_bundle())
    partial = bundle_to_patient(fx.complete_bundle(), engine.schema)
    whole = bundle_to_patient(fx.complete_bundle(), engine.schema, complete=("Condition", "Procedure", "Encounter"))
    absent = [n for n in engine.schema.names if n.startswith("cm_") and whole.values.get(n) == 0]
    assert absent and all(partial.values.get(n) is None for n in absent)
    at = _upload(_run(), data)
    assert all(at.session_state["patient_fhir_summary"]["mapping"].values.get(n) is None for n in absent)
    at = _run()
    at.session_state[UPLOAD] = ("bundle.json", data, True)
    at.run()
    assert not at.exception
    assert all(at.session_state["patient_fhir_summary"]["mapping"].values.get(n) == 0 for n in absent)

"""Fill the patient form from a FHIR R4 Bundle (JSON) and say which inputs came from where.

The uploader's ``on_change`` callback only copies ``(file name, bytes)`` into
``st.session_state["patient_fhir_upload"]``; the script run then reads that pending upload
once (``apply_pending``), maps it with ``core.interop.fhir.bundle_to_patient`` and loads the values
through the same path as the demo-patient picker. Tests set the key directly because
AppTest cannot drive a file uploader. Bytes stay in memory and are dropped after reading;
nothing about the file is logged except an exception's type.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd
import streamlit as st

from core.data.schema import Schema
from core.explain.explainer import format_value
from core.interop.fhir import FhirError, FhirMapping, bundle_to_patient
from core.scoring.engine import Engine
from views.components import patient_form

UPLOAD = "patient_fhir_upload"
SUMMARY = "patient_fhir_summary"
MAX_BYTES = 5 * 1024 * 1024
log = logging.getLogger("lantern")


def _probe_bundle() -> dict[str, Any]:
    """The smallest Bundle with a stay: if the mapper fills nothing of a schema from it, it is not a schema it knows."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01", "gender": "female"}},
        {"resource": {"resourceType": "Encounter", "id": "e", "status": "finished", "class": {"code": "IMP"},
                      "subject": {"reference": "Patient/p"},
                      "period": {"start": "2024-01-01T10:00:00Z", "end": "2024-01-04T10:00:00Z"}}},
    ]}


def fhir_fills(schema: Schema) -> bool:
    """Whether the FHIR mapping fills any input of this model (it knows the default model's inputs only)."""
    probe = bundle_to_patient(_probe_bundle(), schema, complete=("Condition", "Procedure", "Encounter"))
    return bool(probe.sources)


def read_bundle_bytes(data: bytes) -> Any:
    """Uploaded bytes -> parsed JSON, or ``FhirError`` with a sentence the clinician can act on."""
    if len(data) > MAX_BYTES:
        raise FhirError(f"The file is {len(data) / 1024 / 1024:.1f} MB; a FHIR Bundle for one patient should be "
                        f"well under {MAX_BYTES // 1024 // 1024} MB. Export only this patient's stay.")
    if not data.strip():
        raise FhirError("The file is empty. Choose the JSON file exported from the record.")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FhirError("The file is not a text file (UTF-8). Choose the FHIR Bundle saved as JSON.") from None
    except json.JSONDecodeError as exc:
        raise FhirError(f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
                        "Choose the FHIR Bundle saved as JSON, not XML or PDF.") from None
    except RecursionError:
        raise FhirError("The file's JSON is nested too deeply to be a FHIR Bundle.") from None


#: What a whole-record export holds completely, when the user says the file is one.
WHOLE_RECORD = ("Condition", "Procedure", "Encounter")


def _on_upload() -> None:
    file = st.session_state.get("patient_fhir_file")
    if file is not None:
        whole = bool(st.session_state.get("patient_fhir_whole_record"))
        st.session_state[UPLOAD] = (file.name, file.getvalue(), whole)


def apply_pending(engine: Engine) -> str:
    """Read a pending upload once and load it into the form; return a plain error ('' when none)."""
    pending = st.session_state.pop(UPLOAD, None)
    if pending is None:
        return ""
    name, data, whole = str(pending[0])[:80], pending[1], bool(pending[2]) if len(pending) > 2 else False
    try:
        mapping = bundle_to_patient(read_bundle_bytes(data), engine.schema, complete=WHOLE_RECORD if whole else ())
    except FhirError as exc:
        return f"The FHIR Bundle could not be used. {exc}"
    except Exception as exc:  # a Bundle the mapper did not foresee must not take the page down
        log.error("fhir upload error %s", type(exc).__name__)
        return "The FHIR Bundle could not be read. Check that it is a FHIR R4 Bundle for one patient."
    if not mapping.sources:
        return ("Nothing in this FHIR Bundle fills an input of this model: FHIR import is available for the "
                "default model only. The form was not changed.")
    source = f"the values from FHIR Bundle “{name}”"
    patient_form.load_values(engine.schema, mapping.values, source)
    st.session_state[SUMMARY] = {"source": source, "name": name, "mapping": mapping}
    return ""


def summary_table(schema: Schema, mapping: FhirMapping) -> pd.DataFrame:
    """One row per input filled from FHIR: its label, the value as read and the FHIR element behind it."""
    rows = [{"Input": spec.display_label, "Value": format_value(spec, mapping.values.get(spec.name)),
             "From FHIR element": mapping.sources[spec.name]}
            for spec in schema.features if spec.name in mapping.sources]
    return pd.DataFrame(rows, columns=["Input", "Value", "From FHIR element"])


def _render_summary(engine: Engine) -> None:
    summary = st.session_state.get(SUMMARY)
    if not summary or st.session_state.get("patient_loaded_from") != summary["source"]:
        return
    schema, mapping = engine.schema, summary["mapping"]
    filled = [s for s in schema.features if s.name in mapping.sources]
    missing = [schema.feature(n).display_label for n in mapping.missing if n in schema.names]
    with st.expander(f"From the FHIR Bundle: {len(filled)} of {len(schema.features)} inputs filled, "
                     f"{len(missing)} not recorded", expanded=True, icon=":material/clinical_notes:"):
        st.dataframe(summary_table(schema, mapping), hide_index=True, width="stretch")
        if missing:
            st.markdown("**Not recorded in the Bundle:** " + ", ".join(missing) + ". Enter them in the form if you "
                        "know them; otherwise the estimate treats them as not recorded.")
        for warning in mapping.warnings:
            st.warning(warning, icon=":material/info:")
        if st.session_state.get("patient_source") != summary["source"]:
            st.caption("You have changed the form since the Bundle was read; this list shows what the Bundle held.")


def render_fhir_import(engine: Engine) -> None:
    """The upload block (for models whose inputs FHIR can fill) and what came from the Bundle."""
    problem = apply_pending(engine)
    if fhir_fills(engine.schema):
        with st.expander("Fill the form from a FHIR Bundle (JSON)", expanded=bool(problem),
                         icon=":material/upload_file:"):
            st.checkbox("This file is the patient's whole record (every Condition, Procedure and Encounter)",
                        key="patient_fhir_whole_record",
                        help="Only then can a condition or visit that is absent from the file count as 'no'. "
                             "Otherwise what the file does not show is 'not recorded'.")
            st.file_uploader("FHIR R4 Bundle for one patient (JSON, up to 5 MB)", type=["json"],
                             key="patient_fhir_file", on_change=_on_upload,
                             help="The Bundle should hold the Patient, the hospital Encounter and the patient's "
                                  "Conditions, Procedures, Observations and earlier Encounters. The file is read "
                                  "in memory only and is not stored.")
    else:
        st.caption("FHIR import is available for the default model only.")
    if problem:
        st.error(problem)
    _render_summary(engine)

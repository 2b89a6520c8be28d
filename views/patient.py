"""Patient page: one patient's 30-day readmission risk, its drivers and what-if, like a clinical calculator."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from core.clinical.consistency import hierarchy_notes
from core.reports.patient_summary import patient_report_html, plain_problem, reference_row
from core.scoring.engine import Engine, PatientResult
from views.components import patient_fhir, patient_form
from views.components.drivers import render_drivers
from views.components.result_card import no_estimate_message, render_result_card
from views.components.whatif import render_whatif
from views.shared import get_engine, intended_use_line, run_guarded, text


def _result(engine: Engine, entry: dict) -> PatientResult:
    """This patient's result, recomputed only when the entry changed (engine.patient per submit)."""
    values = patient_form.entry_values(entry)
    signature = repr((sorted((k, str(v)) for k, v in values.items()), sorted(entry["units"].items()),
                      engine.bundle.version))
    cached = st.session_state.get("patient_result")
    if cached is not None and cached[0] == signature:
        return cached[1]
    result = engine.patient(values, units=entry["units"] or None)
    st.session_state["patient_result"] = (signature, result)
    return result


def _download(engine: Engine, result: PatientResult) -> None:
    now = datetime.now(UTC)
    page = patient_report_html(engine, result, reference=reference_row(engine, result),
                               intended_use=text("intended_use_short"), generated=now)
    st.download_button("Download a printable summary (HTML, one page)", data=page.encode("utf-8"),
                       file_name=f"lantern-patient-summary-{now:%Y%m%d-%H%M}.html", mime="text/html",
                       key="patient_download", icon=":material/print:", width="stretch")
    st.caption("Open the file in a browser and print it, or save it as PDF. It contains the values entered here.")


def _consistency(engine: Engine, result: PatientResult) -> None:
    """Values that disagree (a warning), and Charlson's hierarchy when both of a pair are ticked (not an error)."""
    for problem in result.inconsistent:
        st.warning(f"{problem[:1].upper()}{problem[1:]}.")
    labels = {f.name: f.display_label for f in engine.schema.features}
    for note in hierarchy_notes(result.values, labels):
        st.caption(note)


def _result_column(engine: Engine, entry: dict, result: PatientResult) -> bool:
    """What was scored, then the result card, drivers and download; False when the entry was rejected."""
    st.caption(f"Showing {st.session_state.get('patient_source', 'the values entered')}.")
    blank = patient_form.left_blank_message(entry)
    if blank:
        st.warning(blank)
    if entry.get("marked"):
        st.caption("Marked as not recorded: " + ", ".join(entry["marked"]) + ".")
    if result.rejected:
        st.error(f"The risk could not be estimated. {plain_problem(engine.schema, result.rejected)}. "
                 "Check the value and its unit, then calculate again.")
        return False
    _consistency(engine, result)
    if not result.estimated:
        st.info(no_estimate_message(result))
        return False
    render_result_card(engine, result, key_prefix="patient")
    render_drivers(engine, result, key_prefix="patient")
    _download(engine, result)
    return True


def _page() -> None:
    engine = get_engine()
    st.title("30-day readmission risk")
    intended_use_line()
    st.page_link("views/model.py", label="How the model was built and how well it performs: model card",
                 icon=":material/description:")
    patient_form.ensure_state(engine)
    # The demo picker holds one option per demo patient and is the costliest widget for the browser to draw:
    # it keeps its place at the top but is filled last, so the form and the risk are on screen first.
    loaders = st.container()
    patient_fhir.render_fhir_import(engine)  # may load a Bundle into the form: read the entry after it
    entry = st.session_state[patient_form.ENTRY]
    form_col, result_col = st.columns([1.15, 1], gap="large")
    result = _result(engine, entry)
    with result_col:  # drawn before the long form beside it, so the browser paints the risk first
        scored = _result_column(engine, entry, result)
    with form_col:
        patient_form.render_form(engine)
    if scored:
        st.divider()
        render_whatif(engine, result, key_prefix="patient")
    with loaders:
        patient_form.render_loaders(engine)


run_guarded(_page)

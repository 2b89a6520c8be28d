"""What-if: change the inputs the schema marks modifiable and compare with the original estimate.

The widgets start from the patient's own values and are reset whenever the patient changes.
The single change that lowers the model's estimate most comes from ``core.explain.whatif``. The block is
a Streamlit fragment, so a what-if change reruns it alone: the rest of the patient page stays as drawn.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.explain.whatif import best_change, engine_predictor
from core.presentation.wording import format_risk
from core.reports.patient_summary import TOP_DRIVERS, driver_steps, plain_problem
from core.scoring.engine import Engine, PatientResult
from views.charts.waterfall import waterfall_chart
from views.components.patient_form import choice_widget, from_widget, input_key, number_widget, to_widget
from views.components.result_card import no_estimate_message
from views.shared import run_guarded


def _signature(result: PatientResult) -> str:
    return repr(sorted((k, str(v)) for k, v in result.values.items()))


def _reset(engine: Engine, result: PatientResult, prefix: str) -> None:
    for spec in engine.schema.modifiable:
        shown = to_widget(spec, result.values.get(spec.name))
        st.session_state[input_key(spec.name, f"{prefix}_wi")] = shown


def _changed_values(engine: Engine, result: PatientResult, prefix: str) -> dict[str, Any]:
    values = dict(result.values)
    for spec in engine.schema.modifiable:
        values[spec.name] = from_widget(spec, st.session_state.get(input_key(spec.name, f"{prefix}_wi")))
    return values


def render_whatif(engine: Engine, result: PatientResult, key_prefix: str = "patient") -> None:
    """Widgets for the modifiable inputs, the changed estimate next to the original, and the best change."""
    specs = engine.schema.modifiable
    st.markdown("#### What if?")
    if not result.estimated:
        return
    if not specs:
        st.caption("This model marks no input as modifiable, so there is nothing to try here.")
        return
    _whatif_block(engine, result, key_prefix)


@st.fragment
def _whatif_block(engine: Engine, result: PatientResult, key_prefix: str) -> None:
    """A fragment: changing a what-if input reruns this block only, not the form, result card and drivers above.

    A fragment rerun does not pass through the page's guard, so the block carries its own.
    """
    run_guarded(lambda: _whatif_body(engine, result, key_prefix))


def _whatif_body(engine: Engine, result: PatientResult, key_prefix: str) -> None:
    specs = engine.schema.modifiable
    sig_key = f"{key_prefix}_wi_sig"
    signature = _signature(result)
    keys = [input_key(spec.name, f"{key_prefix}_wi") for spec in specs]
    if st.session_state.get(sig_key) != signature or any(k not in st.session_state for k in keys):
        _reset(engine, result, key_prefix)
        st.session_state[sig_key] = signature
        st.session_state[f"{key_prefix}_wi_best"] = best_change(engine_predictor(engine), result.values, specs)
    st.caption(
        "Change the inputs this model marks as modifiable to see how its estimate moves. These are model "
        "estimates for patients like this one, not promises of effect: the model learned associations, not causes."
    )
    best = st.session_state.get(f"{key_prefix}_wi_best")
    if best is not None:
        st.info(f"**Largest single change in the model's estimate.** {best.sentence()}")
    else:
        st.info("None of the modifiable inputs lowers the model's estimate for this patient.")
    controls, now, then = st.columns([2, 1, 1], gap="medium")
    with controls:
        for spec in specs:
            key = input_key(spec.name, f"{key_prefix}_wi")
            if spec.kind == "numeric":
                number_widget(spec, key)
            else:
                choice_widget(spec, key, with_missing=True)
        st.button("Back to this patient's values", key=f"{key_prefix}_wi_reset", on_click=_reset,
                  args=(engine, result, key_prefix))
    changed = engine.patient(_changed_values(engine, result, key_prefix))
    now.metric("Original estimate", format_risk(result.risk))
    if changed.rejected:
        then.error(f"The changed inputs could not be scored: {plain_problem(engine.schema, changed.rejected)}")
        return
    if not changed.estimated:
        then.info(no_estimate_message(changed))
        return
    delta = (changed.risk - result.risk) * 100.0
    moved = abs(delta) >= 0.05
    then.metric("With these changes", format_risk(changed.risk),
                delta=f"{delta:+.1f} points" if moved else "no change",
                delta_color="inverse" if moved else "off", delta_arrow="auto" if moved else "off")
    before = driver_steps(engine.schema, result, TOP_DRIVERS)
    after = driver_steps(engine.schema, changed, TOP_DRIVERS)
    x_max = float(max(before[["start", "end"]].to_numpy().max(), after[["start", "end"]].to_numpy().max()))
    left, right = st.columns(2, gap="medium")
    with left:
        st.caption("Original drivers (associations in the model, not causes)")
        st.altair_chart(waterfall_chart(before, x_max=x_max), width="stretch",
                        key=f"{key_prefix}_wi_chart_before")
    with right:
        st.caption("Drivers with these changes, on the same scale")
        st.altair_chart(waterfall_chart(after, x_max=x_max), width="stretch",
                        key=f"{key_prefix}_wi_chart_after")

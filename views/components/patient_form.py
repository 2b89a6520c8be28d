"""The patient form, built from the bundle's schema: labels, units, ranges, categories and help.

Every input can be marked "not recorded" explicitly; an input left blank is treated as not
recorded and the page says which. Widget state lives in ``st.session_state`` under keys
prefixed ``patient_``; the last submitted entry is ``st.session_state["patient_entry"]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from core.data.csvio import CsvError, read_csv_path
from core.data.schema import FeatureSpec, Schema
from core.data.validate import match_columns
from core.presentation.wording import NOT_RECORDED
from core.project_files import project_path
from core.scoring.engine import Engine

YES, NO = "yes", "no"
ENTRY = "patient_entry"
DEMO_PATH = project_path("data", "demo_cohort.csv")


def input_key(name: str, prefix: str = "patient_in") -> str:
    return f"{prefix}_{name}"


def _unit_key(name: str) -> str:
    return f"patient_unit_{name}"


def _nr_key(name: str) -> str:
    return f"patient_nr_{name}"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ---- value <-> widget -----------------------------------------------------------------------
def to_widget(spec: FeatureSpec, value: Any) -> Any:
    """A canonical value as its widget shows it (numbers stay numbers, None stays blank)."""
    if spec.kind == "numeric":
        return None if _missing(value) else float(value)
    if _missing(value):
        return NOT_RECORDED
    if spec.kind == "binary":
        return YES if float(value) >= 0.5 else NO
    match = {c.lower(): c for c in spec.categories}.get(str(value).strip().lower())
    return match or str(value)


def from_widget(spec: FeatureSpec, shown: Any) -> Any:
    """A widget's value as the engine expects it (None = not recorded)."""
    if shown is None or shown == NOT_RECORDED:
        return None
    if spec.kind == "binary":
        return 1.0 if shown == YES else 0.0
    return float(shown) if spec.kind == "numeric" else shown


def options(spec: FeatureSpec, current: Any = None, with_missing: bool = True) -> list[str]:
    """Choices for a yes/no or categorical input; an unseen current value is kept as its own choice."""
    base = [NO, YES] if spec.kind == "binary" else list(spec.categories)
    if current not in (None, NOT_RECORDED) and current not in base:
        base.append(str(current))
    return [*base, NOT_RECORDED] if with_missing else base


REQUIRED_NOTE = "Required: without it Lantern gives no estimate."


def help_text(spec: FeatureSpec, required: bool = False) -> str:
    """The description plus the range the model learned from and accepted units (and whether it is required)."""
    parts = [REQUIRED_NOTE] if required else []
    parts += [spec.description.strip()] if spec.description else []
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.kind == "numeric" and spec.train_min is not None and spec.train_max is not None:
        parts.append(f"The model learned from values {spec.train_min:g} to {spec.train_max:g}{unit}.")
    if spec.kind == "numeric" and spec.plausible_min is not None and spec.plausible_max is not None:
        parts.append(f"Values outside {spec.plausible_min:g} to {spec.plausible_max:g}{unit} are rejected.")
    if spec.alt_units:
        parts.append("Also accepted in " + ", ".join(u.unit for u in spec.alt_units) + " (choose the unit).")
    if spec.missing_share:
        parts.append(f"Not recorded for {spec.missing_share:.0%} of the patients the model learned from.")
    return " ".join(parts)


def _number_format(spec: FeatureSpec) -> tuple[float, str]:
    if spec.integer:
        return 1.0, "%.0f"
    examples = [v for v in (spec.typical, spec.train_min, spec.train_max) if isinstance(v, int | float)]
    two = any(abs(round(float(v), 1) - float(v)) > 1e-9 for v in examples)
    return (0.01, "%.2f") if two else (0.1, "%.1f")


def number_widget(spec: FeatureSpec, key: str, label: str | None = None, required: bool = False) -> None:
    """A blank-able number input with the unit in its label."""
    step, fmt = _number_format(spec)
    shown = label or (f"{spec.display_label} ({spec.unit})" if spec.unit else spec.display_label)
    st.number_input(shown, value=None, step=step, format=fmt, key=key, help=help_text(spec, required) or None,
                    placeholder="enter a value")


def choice_widget(spec: FeatureSpec, key: str, with_missing: bool = True, required: bool = False) -> None:
    """Yes/no as a horizontal radio, categories as a select box; both can be "not recorded"."""
    opts = options(spec, st.session_state.get(key), with_missing)
    helped = help_text(spec, required) or None
    if spec.kind == "binary":
        st.radio(spec.display_label, opts, index=None, key=key, horizontal=True, help=helped)
    else:
        st.selectbox(spec.display_label, opts, index=None, key=key, help=helped,
                     placeholder="choose")


# ---- state --------------------------------------------------------------------------------
def set_values(schema: Schema, values: dict[str, Any]) -> None:
    """Put a patient's canonical values into the form's widgets (call before they are drawn)."""
    for spec in schema.features:
        value = values.get(spec.name)
        st.session_state[input_key(spec.name)] = to_widget(spec, value)
        if spec.kind == "numeric":
            st.session_state[_nr_key(spec.name)] = _missing(value)
            if spec.alt_units:
                st.session_state[_unit_key(spec.name)] = spec.unit


def collect(schema: Schema) -> dict[str, Any]:
    """The form's current entry: values, units, inputs left blank and inputs marked not recorded."""
    values: dict[str, Any] = {}
    units: dict[str, str] = {}
    blank: list[str] = []
    marked: list[str] = []
    for spec in schema.features:
        shown = st.session_state.get(input_key(spec.name))
        if spec.kind == "numeric" and st.session_state.get(_nr_key(spec.name)):
            shown = NOT_RECORDED
        if shown is None:
            (blank if spec.required else marked).append(spec.display_label)
        elif shown == NOT_RECORDED:
            marked.append(spec.display_label)
        values[spec.name] = from_widget(spec, shown)
        unit = st.session_state.get(_unit_key(spec.name))
        if values[spec.name] is not None and unit and unit != spec.unit:
            units[spec.name] = unit
    widgets = {k: st.session_state[k] for spec in schema.features
               for k in (input_key(spec.name), _unit_key(spec.name), _nr_key(spec.name)) if k in st.session_state}
    return {"values": values, "units": units, "blank": blank, "marked": marked, "widgets": widgets}


def ensure_state(engine: Engine) -> dict[str, Any]:
    """On the first visit (or a new bundle) fill the form with a typical patient; return the entry."""
    tag = f"{engine.bundle.name}|{engine.bundle.version}|{','.join(engine.schema.names)}"
    if st.session_state.get("patient_bundle") != tag or ENTRY not in st.session_state:
        load_values(engine.schema, engine.typical_patient(), "a typical patient")
        st.session_state["patient_bundle"] = tag
    elif input_key(engine.schema.names[0]) not in st.session_state:
        # Streamlit drops widget state when another page was shown: put the last entry back.
        for key, value in st.session_state[ENTRY].get("widgets", {}).items():
            st.session_state[key] = value
    return st.session_state[ENTRY]


def load_values(schema: Schema, values: dict[str, Any], source: str) -> None:
    """Fill the form with a patient and make it the entry (typical, demo or FHIR patient; before drawing)."""
    set_values(schema, values)
    st.session_state[ENTRY] = collect(schema)
    st.session_state["patient_source"] = source
    st.session_state["patient_loaded_from"] = source  # kept when the clinician edits and submits


def _submit(schema: Schema) -> None:
    st.session_state[ENTRY] = collect(schema)
    st.session_state["patient_source"] = "the values entered"


def _reset(engine: Engine) -> None:
    load_values(engine.schema, engine.typical_patient(), "a typical patient")


# ---- demo picker --------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=4)
def _demo_rows(path: str, mtime: float, names: tuple[str, ...], id_columns: tuple[str, ...]) -> pd.DataFrame | None:
    """Demo rows renamed to the schema's columns, or None when the file does not fit this schema."""
    try:
        frame, _info = read_csv_path(Path(path))
    except (CsvError, OSError):
        return None
    schema_like = Schema(features=tuple(FeatureSpec(n, "numeric") for n in names), target="", id_columns=id_columns)
    found = match_columns(list(frame.columns), schema_like)
    if any(n not in found for n in names):
        return None
    keep = [n for n in (*id_columns, *names) if n in found]
    return pd.DataFrame({n: frame[found[n]] for n in keep}).reset_index(drop=True)


def demo_cohort(schema: Schema) -> pd.DataFrame | None:
    if not DEMO_PATH.exists():
        return None
    return _demo_rows(str(DEMO_PATH), DEMO_PATH.stat().st_mtime, tuple(schema.names), tuple(schema.id_columns))


@st.cache_data(show_spinner=False, max_entries=4)
def _demo_labels(path: str, mtime: float, names: tuple[str, ...], id_columns: tuple[str, ...],
                 label_roles: tuple[str, ...]) -> tuple[str, ...]:
    """Every demo row's picker label (identifier, then age, sex and service when recorded), built once per file.

    The picker asks for the label of every option on every rerun, so a per-row lookup there
    would cost the whole page a second on each click.
    """
    frame = _demo_rows(path, mtime, names, id_columns)
    if frame is None:
        return ()
    ident = next((c for c in id_columns if c in frame.columns), None)
    idents = frame[ident].astype(str).tolist() if ident else [f"Patient {i + 1}" for i in range(len(frame))]
    extras = [frame[c].astype(str).tolist() for c in label_roles if c in frame.columns]
    rows = zip(idents, *extras, strict=True)
    return tuple(" · ".join([first, *(v for v in rest if v.strip())]) for first, *rest in rows)


def demo_labels(schema: Schema) -> tuple[str, ...]:
    """The demo picker's labels, one per row of ``demo_cohort(schema)`` (empty when it does not fit)."""
    if not DEMO_PATH.exists():
        return ()
    roles = tuple(schema.roles[r] for r in ("age", "sex", "service") if schema.roles.get(r))
    return _demo_labels(str(DEMO_PATH), DEMO_PATH.stat().st_mtime, tuple(schema.names), tuple(schema.id_columns), roles)


def _load_demo(engine: Engine, frame: pd.DataFrame) -> None:
    i = st.session_state.get("patient_demo_pick")
    if i is None:
        return
    raw = {n: frame.iloc[int(i)][n] for n in engine.schema.names}
    result = engine.patient(raw)
    if result.rejected:
        st.session_state["patient_load_problem"] = result.rejected
        return
    load_values(engine.schema, result.values, f"demo patient {demo_labels(engine.schema)[int(i)]}")


def render_loaders(engine: Engine) -> None:
    """Load a demo patient (only when the demo file fits this model) or reset to a typical patient."""
    frame = demo_cohort(engine.schema)
    cols = st.columns([5, 1.3, 1.6], vertical_alignment="bottom")
    if frame is not None and len(frame):
        labels = demo_labels(engine.schema)
        with cols[0]:
            st.selectbox("Load a patient from the demo cohort", range(len(frame)), index=None, key="patient_demo_pick",
                         format_func=labels.__getitem__,
                         placeholder="search by identifier, age, sex or service")
        cols[1].button("Load patient", key="patient_demo_load", on_click=_load_demo, args=(engine, frame),
                       width="stretch")
    cols[2].button("Reset to typical patient", key="patient_reset", on_click=_reset, args=(engine,),
                   width="stretch")
    problem = st.session_state.pop("patient_load_problem", None)
    if problem:
        st.error(f"That demo patient could not be loaded: {problem}")


# ---- the form -----------------------------------------------------------------------------
def _sections(schema: Schema) -> list[tuple[str, list[FeatureSpec]]]:
    roles = [schema.roles.get(r) for r in ("age", "sex")]
    first = [f for f in schema.features if f.name in roles and not f.modifiable]
    main = first + [f for f in schema.features if f.kind != "binary" and not f.modifiable and f not in first]
    flags = [f for f in schema.features if f.kind == "binary" and not f.modifiable and f not in first]
    modifiable = [f for f in schema.features if f.modifiable]
    out = [("Patient and stay", main), ("Yes / no", flags), ("Modifiable before discharge", modifiable)]
    return [(title, specs) for title, specs in out if specs]


def _numeric_row(spec: FeatureSpec, required: bool) -> None:
    """Number (unit in its label), a unit selector when the lab has an alternative unit, and 'not recorded'."""
    if spec.alt_units:
        number_col, unit_col, nr_col = st.columns([2.4, 1.4, 1.6], vertical_alignment="bottom")
        unit_col.selectbox(f"Unit of {spec.display_label}", [spec.unit, *(u.unit for u in spec.alt_units)],
                           key=_unit_key(spec.name), label_visibility="collapsed")
    else:
        number_col, nr_col = st.columns([3.75, 1.6], vertical_alignment="bottom")
    with number_col:
        number_widget(spec, input_key(spec.name), required=required)
    nr_col.checkbox(NOT_RECORDED.capitalize(), key=_nr_key(spec.name))


def render_form(engine: Engine) -> None:
    """The input form. Submitting stores the entry in session state (recomputing only this patient)."""
    schema = engine.schema
    required = set(schema.required_names)
    with st.form("patient_form", border=True):
        if required:
            st.caption(required_caption(schema))
        for title, specs in _sections(schema):
            st.markdown(f"**{title}**")
            if all(s.kind == "binary" for s in specs):
                grid = st.columns(2)
                for j, spec in enumerate(specs):
                    with grid[j % 2]:
                        choice_widget(spec, input_key(spec.name), required=spec.name in required)
                continue
            for spec in specs:
                if spec.kind == "numeric":
                    _numeric_row(spec, spec.name in required)
                else:
                    choice_widget(spec, input_key(spec.name), required=spec.name in required)
        st.form_submit_button("Calculate risk", type="primary", key="patient_submit", on_click=_submit,
                              args=(schema,), width="stretch")


def required_caption(schema: Schema) -> str:
    """The line above the form naming the inputs an estimate cannot be made without."""
    labels = [schema.feature(n).display_label for n in schema.required_names]
    return f"Required for an estimate: {', '.join(labels)} (their help says 'Required')."


def left_blank_message(entry: dict[str, Any]) -> str:
    """Which inputs were left blank and are therefore treated as not recorded ('' when none)."""
    blank = entry.get("blank") or []
    if not blank:
        return ""
    return (f"Required input{'' if len(blank) == 1 else 's'} left blank: {', '.join(blank)}. "
            "The estimate treats them as not recorded; enter a value or tick 'not recorded' to confirm.")


def entry_values(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's values with numpy scalars made plain, ready for ``engine.patient``."""
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in entry["values"].items()}

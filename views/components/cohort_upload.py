"""Upload block: privacy banner, file uploader or demo cohort, identifier scan, scoring with progress.

The page never reads the uploader widget directly: the uploader's callback (or the demo
button) puts ``(name, bytes)`` into ``st.session_state["cohort_upload"]`` and the page
processes whatever is there. Tests feed files through the same path.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from core.data.csvio import CsvError
from core.data.limits import LimitError
from core.data.validate import ValidationError
from core.presentation.wording import plural, was_were
from core.project_files import project_path
from core.scoring.engine import Engine
from core.scoring.upload import score_upload
from views.components import cohort_state as state
from views.shared import text

DEMO_COHORT = project_path("data", "demo_cohort.csv")
UPLOADER = "cohort_uploader"
log = logging.getLogger("lantern")


def _on_upload() -> None:
    file = st.session_state.get(UPLOADER)
    if file is None:
        state.clear_upload()
    else:
        state.set_upload(file.name, file.getvalue())


def _load_demo() -> None:
    state.set_upload(DEMO_COHORT.name, DEMO_COHORT.read_bytes())


def _process(engine: Engine, name: str, data: bytes, key: str) -> state.CohortRun | str:
    """Score the bytes with a progress bar; a file that cannot be used becomes a plain message."""
    bar = st.progress(0.0, text="Reading the file and checking for identifiers ...")
    try:
        upload = score_upload(engine, data, progress=lambda f, msg: bar.progress(min(max(f, 0.0), 1.0), text=msg))
    except (CsvError, ValidationError) as exc:
        log.info("cohort upload rejected: %s", type(exc).__name__)
        return f"This file could not be used. {exc}"
    except LimitError as exc:  # the administrator's setting is wrong, not the file
        log.error("cohort upload limits misconfigured: %s", type(exc).__name__)
        return f"Lantern's upload limits are set wrongly, so no file can be read. {exc} Ask your Lantern administrator."
    finally:
        bar.empty()
    log.info("cohort upload scored: %d rows x %d columns", *upload.shape)
    return state.CohortRun(key=key, name=name, upload=upload)


def _identifier_warning(run: state.CohortRun) -> None:
    found = run.upload.identifiers
    if not found:
        return
    st.warning(
        f"{plural(len(found), 'column')} looked like patient identifiers and "
        f"{was_were(len(found))} removed before anything else happened. They are not used, "
        "shown or kept. Remove them from the export next time.",
        icon="🛡️",
    )
    st.dataframe(pd.DataFrame(found).rename(columns={"column": "Column", "kind": "Looks like", "why": "Why"}),
                 hide_index=True, key=f"cohort_identifiers_{run.short}")


def render_upload(engine: Engine) -> state.CohortRun | None:
    """The upload block; returns the scored upload, or None when there is none (or it failed)."""
    st.info(text("cohort_privacy"), icon="🔒")
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        st.file_uploader("Upload a cohort CSV (one row per discharge)", type=["csv", "txt", "tsv"], key=UPLOADER,
                         on_change=_on_upload, help=text("cohort_upload_help"))
    with right:
        st.button("Load the demo cohort", key="cohort_demo", on_click=_load_demo, help="2,000 synthetic discharges "
                  "with outcomes, from data/demo_cohort.csv.", width="stretch")
    current = state.current_upload()
    if current is None:
        st.markdown(text("cohort_intro"))
        return None
    name, data = current
    key = state.cache_key(data, engine.bundle.version)
    run = state.stored(key)
    if run is None:
        run = _process(engine, name, data, key)
        state.store(key, run)
    if isinstance(run, str):
        st.error(run)
        return None
    st.caption(f"File **{name}** scored with {engine.bundle.name}, version {engine.bundle.version}.")
    _identifier_warning(run)
    return run

"""What every page shares: the cached engine, the error guard and clinician text files.

Per-user state lives only in ``st.session_state``; the engine is shared read-only
through ``st.cache_resource`` (one per bundle path per process).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

import streamlit as st

from core.model.bundle import BundleError, configured_bundle_path
from core.presentation.wording import too_few
from core.scoring.engine import Engine

TEXT_DIR = Path(__file__).with_name("text")
#: A text file writes the reliability floor as this placeholder, so its numbers live only in core.policy.
FLOOR_PLACEHOLDER = "{reliability_floor}"
log = logging.getLogger("lantern")


@st.cache_resource(show_spinner="Loading the model ...")
def _engine_for(path: str) -> Engine:
    return Engine.load(Path(path))


def get_engine() -> Engine:
    """The engine for the configured bundle (``LANTERN_BUNDLE`` or the default)."""
    return _engine_for(str(configured_bundle_path().resolve()))


@cache
def text(name: str) -> str:
    """Long clinician-facing text kept in views/text/NAME.md, with the reliability floor filled in from policy."""
    raw = (TEXT_DIR / f"{name}.md").read_text(encoding="utf-8").strip()
    return raw.replace(FLOOR_PLACEHOLDER, too_few("patients", "readmissions"))


def intended_use_line() -> None:
    """The one-line intended use every page shows under its title."""
    st.caption(text("intended_use_short"))


def run_guarded(page: Callable[[], None]) -> None:
    """Run a page; on any error show a plain message with a reference, never a traceback.

    The server log records the exception type and the reference only: never values.
    """
    try:
        page()
    except BundleError as exc:
        st.error(f"The model could not be loaded. {exc}")
    except Exception as exc:
        ref = uuid.uuid4().hex[:8]
        log.error("page error %s ref=%s", type(exc).__name__, ref)
        st.error(
            f"Something went wrong on this page and it could not be shown. Nothing you entered was saved. "
            f"If it happens again, quote reference **{ref}** to your Lantern administrator."
        )

"""No Streamlit deprecation warning on any page: patient, cohort (the demo upload, every section) and model.

Streamlit 1.67 announces a deprecated call (the old container-width flag, a renamed ``st.*`` function ...)
through ``streamlit.deprecation_util.show_deprecation_warning``: it always logs the message to the
``streamlit.deprecation_util`` logger (Streamlit's loggers do not propagate, so pytest's caplog never
sees it) and shows it in the page only when ``client.showErrorDetails`` is "full", which Lantern's
config turns off. The test records that logger, any warning-level message about deprecation on the
other ``streamlit`` loggers, and Python's own deprecation warnings, while the app runs in AppTest.
Some deprecated keywords are converted silently (``st.button`` takes the old container-width flag
without a word), so the source tree is also searched for that flag.
A deprecated call is an upgrade that breaks the app: the stated removal dates have passed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from streamlit import deprecation_util
from streamlit.testing.v1 import AppTest

from tests.apptest import run_app
from tests.conftest import DEMO_COHORT, ROOT

COHORT_SECTIONS = ("Worklist", "Analytics", "Performance", "Drift", "Monitoring", "Rows and flags")
DEPRECATION_WORDS = ("deprecat", "will be removed")
#: The deprecated keyword the self-check uses, spelled in two parts: the tree must not contain it whole.
OLD_WIDTH_FLAG = "_".join(("use", "container", "width"))


class _Recorder(logging.Handler):
    """Keeps the text of every deprecation message a Streamlit logger emits."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.name == deprecation_util._LOGGER.name or any(w in text.lower() for w in DEPRECATION_WORDS):
            self.messages.append(f"{record.name}: {text}")


@contextmanager
def deprecations_recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every deprecation message Streamlit or Python emits inside the block."""
    monkeypatch.setattr(deprecation_util, "_shown_warnings", set())  # "show once" messages are shown again
    recorder = _Recorder()
    names = [deprecation_util._LOGGER.name, "streamlit",
             *(n for n in logging.root.manager.loggerDict if n.startswith("streamlit."))]
    loggers = [logging.getLogger(name) for name in dict.fromkeys(names)]
    for logger in loggers:
        logger.addHandler(recorder)
    found: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield found
    finally:
        for logger in loggers:
            logger.removeHandler(recorder)
    found.extend(recorder.messages)
    found.extend(f"{w.category.__name__} ({w.filename}:{w.lineno}): {w.message}" for w in caught
                 if issubclass(w.category, DeprecationWarning | PendingDeprecationWarning | FutureWarning))


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _walk_every_page() -> list[str]:
    """Run each page as a user would reach it; returns the warnings shown in the pages (should be none)."""
    at = _ok(run_app())  # the patient page
    at.switch_page("views/cohort.py")
    _ok(at.run())
    at.session_state["cohort_upload"] = (DEMO_COHORT.name, DEMO_COHORT.read_bytes())
    for section in COHORT_SECTIONS:
        at.session_state["cohort_section"] = section
        _ok(at.run())
    shown = [w.value for w in at.warning]
    at.switch_page("views/model.py")
    _ok(at.run())
    return shown + [w.value for w in at.warning]


def test_no_page_uses_a_deprecated_streamlit_call(monkeypatch: pytest.MonkeyPatch) -> None:
    with deprecations_recorded(monkeypatch) as found:
        shown = _walk_every_page()
    assert not found, "deprecated calls:\n" + "\n".join(dict.fromkeys(found))
    assert not [w for w in shown if any(word in w.lower() for word in DEPRECATION_WORDS)]


def test_the_recorder_sees_a_deprecated_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above is only as good as its recorder: a real deprecated call must be caught."""
    def page(flag: str) -> None:
        import pandas as pd
        import streamlit as st

        st.dataframe(pd.DataFrame({"a": [1]}), **{flag: True})

    with deprecations_recorded(monkeypatch) as found:
        _ok(AppTest.from_function(page, args=(OLD_WIDTH_FLAG,)).run())
    assert any(OLD_WIDTH_FLAG in message for message in found), found


def test_no_file_in_the_tree_uses_the_old_width_flag() -> None:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist"}
    files = [p for p in ROOT.rglob("*") if p.suffix in (".py", ".md", ".toml", ".txt", ".cfg", ".json")
             and p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    assert len(files) > 100
    offenders = [p.relative_to(ROOT).as_posix() for p in files if OLD_WIDTH_FLAG in p.read_text(errors="replace")]
    assert not offenders, f"use width='stretch' or width='content' instead, in {offenders}"

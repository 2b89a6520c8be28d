"""Uploaded patient data never leaves memory: not on disk, not in a log.

A cohort CSV carries a unique sentinel (in the identifier column, a context column, a
rejected row and a column the model does not use). It goes through the cohort page in
AppTest (every section, an opened patient, both downloads built), then every file in the
temporary directories, Streamlit's and the user's cache folders and the repository's
working tree is searched for the sentinel, as are the captured log records and the
process's stdout/stderr. The CSV itself is built in memory, so any copy on disk came from
Lantern.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT, ROOT

PAGE = str(ROOT / "views" / "cohort.py")
SECTIONS = ("Worklist", "Analytics", "Performance", "Drift", "Monitoring", "Rows and flags")
SKIP_DIRS = {ROOT / ".git", ROOT / ".venv"}
CHUNK = 1 << 20


def search_roots() -> list[Path]:
    """Where a careless implementation would leave a copy: temp folders, caches, the working tree."""
    home = Path.home()
    roots = [Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"), home / ".streamlit", home / ".cache", ROOT]
    seen: list[Path] = []
    for r in roots:
        if r.exists() and r.resolve() not in seen:
            seen.append(r.resolve())
    return seen


def _files(roots: Iterable[Path], skip: set[Path]) -> Iterator[Path]:
    for root in roots:
        for folder, dirs, names in os.walk(root, followlinks=False):
            here = Path(folder)
            dirs[:] = [d for d in dirs if here / d not in skip]
            for name in names:
                path = here / name
                try:
                    if stat.S_ISREG(os.lstat(path).st_mode):  # never open a FIFO or socket (it could block)
                        yield path
                except OSError:
                    continue


def files_containing(needle: str, roots: Iterable[Path], skip: set[Path] = SKIP_DIRS) -> list[Path]:
    """Regular files under ``roots`` whose bytes contain ``needle`` (UTF-8), read in overlapping chunks."""
    target = needle.encode("utf-8")
    hits = []
    for path in _files(roots, skip):
        try:
            with path.open("rb") as fh:
                tail = b""
                while block := fh.read(CHUNK):
                    if target in tail + block:
                        hits.append(path)
                        break
                    tail = block[-len(target):]
        except OSError:
            continue
    return hits


def sentinel_csv(sentinel: str) -> bytes:
    """A small labelled cohort with the sentinel in four places, built in memory only."""
    raw = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(120)
    raw.loc[0, "encounter_id"] = sentinel  # identifier column: shown in the worklist
    raw.loc[1, "hospital"] = sentinel  # context column (the site role): shown in filters and breakdowns
    raw.loc[2, "age"] = sentinel  # a value that cannot be read: the row is rejected with a reason
    raw.loc[3, "encounter_id"] = f"{sentinel}-rejected"
    raw.loc[3, "length_of_stay_days"] = "-4"
    raw["ward_note"] = ""
    raw.loc[4, "ward_note"] = sentinel  # a column the model does not use
    return raw.to_csv(index=False).encode("utf-8")


def test_the_search_finds_a_file_it_should(tmp_path: Path) -> None:
    """Control: the same search does find a token written to a temporary file (so a miss means something)."""
    token = f"CONTROL-{uuid.uuid4().hex}"
    (tmp_path / "deep" / "er").mkdir(parents=True)
    planted = tmp_path / "deep" / "er" / "x.bin"
    planted.write_bytes(os.urandom(CHUNK - 5) + token.encode() + b"tail")  # straddles a chunk boundary
    try:
        assert files_containing(token, search_roots()) == [planted]
    finally:
        planted.unlink()


def _screen_text(at: AppTest) -> str:
    parts = [str(el.value) for el in at.main if hasattr(el, "value") and not hasattr(el.value, "to_csv")]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


def test_an_upload_leaves_no_trace_outside_memory(caplog: pytest.LogCaptureFixture,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    from core.analytics.cohort import Filters
    from views.components.cohort_downloads import report_builder, scored_csv_bytes
    from views.components.cohort_filters import FilteredView

    sentinel = f"SENTINEL-{uuid.uuid4()}"
    caplog.set_level(logging.DEBUG, logger="lantern")
    caplog.set_level(logging.DEBUG)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["cohort_upload"] = ("ward.csv", sentinel_csv(sentinel))
    at.run()
    assert not at.exception
    seen_on_screen = False
    for section in SECTIONS:
        at.session_state["cohort_section"] = section
        at.run()
        assert not at.exception, section
        seen_on_screen |= sentinel in _screen_text(at)
    (run,) = at.session_state["cohort_results"].values()
    assert run.upload.result.counts["rejected"] >= 2
    # open the sentinel patient from the worklist
    table = run.upload.tables
    at.session_state["cohort_section"] = "Worklist"
    at.session_state["cohort_selected"] = int(table.ids.index[table.ids["encounter_id"] == sentinel][0])
    at.run()
    assert not at.exception
    assert any(sentinel in s.value for s in at.subheader), "the opened patient should be named on screen"
    # both downloads, built in memory exactly as the buttons build them
    assert sentinel.encode() in scored_csv_bytes(run)
    view = FilteredView(table, Filters(), "all", len(table.table))
    assert report_builder(Engine.load(configured_bundle_path()), run, view)().startswith(b"<!DOCTYPE html>")
    assert seen_on_screen, "the sentinel should have reached the screen (else this test proves nothing)"

    roots = search_roots()
    assert files_containing(sentinel, roots) == [], "uploaded data was written to disk"
    out, err = capfd.readouterr()
    assert sentinel not in out and sentinel not in err, "uploaded data reached stdout/stderr"
    assert sentinel not in caplog.text, "uploaded data reached a log record"
    assert "cohort upload scored: 120 rows" in caplog.text  # the log holds shapes only

"""Privacy in a real browser: an upload leaves no trace on disk or in the server log, and sessions are isolated.

The first test uploads a CSV carrying a unique sentinel through the real uploader (from
memory, so the test itself never writes it to disk), reads it back on screen, then searches
the temporary folders, caches, the working tree and the server log for it. The second
opens two browser contexts (two users): what one uploads, opens or enters is invisible to
the other, even after a reload, while the first user's own session keeps it.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from tests.browser.conftest import assert_no_error_box, wait_idle
from tests.guards.test_privacy import files_containing, search_roots, sentinel_csv

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_cohort.csv"
PRIVACY_NOTE = re.compile("processed in memory only")


def _open_cohort(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/cohort")
    page.get_by_text(PRIVACY_NOTE).first.wait_for(timeout=60_000)
    wait_idle(page)


def _upload(page, files) -> None:  # type: ignore[no-untyped-def]
    page.locator(".st-key-cohort_uploader input[type=file]").set_input_files(files)
    page.get_by_text("Rows read").first.wait_for(timeout=60_000)
    wait_idle(page, timeout_ms=60_000)
    assert_no_error_box(page)


def _nav(page, label: str) -> None:  # type: ignore[no-untyped-def]
    """Move between pages inside the same session (the sidebar, not a new page load)."""
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text=re.compile(f"{label}$")).first.click()
    wait_idle(page)


def _assert_no_cohort(page) -> None:  # type: ignore[no-untyped-def]
    assert page.get_by_text(PRIVACY_NOTE).first.is_visible()
    assert page.get_by_text("Rows read").count() == 0, "another session's upload is visible"
    assert page.locator('[data-testid="stDataFrame"]').count() == 0, "another session's worklist is visible"
    assert page.get_by_text(re.compile(r"^Patient: ")).count() == 0, "another session's patient is visible"
    assert page.get_by_text(re.compile(r"File \S+ scored with")).count() == 0


def test_browser_upload_leaves_no_trace(app, browser) -> None:  # type: ignore[no-untyped-def]
    url, log_path = app
    sentinel = f"SENTINEL-{uuid.uuid4()}"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        _open_cohort(page, url)
        _upload(page, {"name": "ward.csv", "mimeType": "text/csv", "buffer": sentinel_csv(sentinel)})
        assert page.get_by_text(re.compile(r"File ward\.csv scored with")).first.is_visible()
        # the sentinel reached the app: searching the worklist for it finds its row
        search = page.locator("[class*='st-key-cohort_search_'] input")
        search.fill(sentinel)
        search.press("Enter")
        wait_idle(page)
        # its identifier row and its site row (the rejected row is not in the worklist)
        page.get_by_text(f"2 patients match '{sentinel}'.").first.wait_for(timeout=30_000)
        assert_no_error_box(page)
    finally:
        context.close()

    assert log_path.is_file()
    assert sentinel not in log_path.read_text(encoding="utf-8", errors="replace"), "the server log holds row values"
    assert files_containing(sentinel, [*search_roots(), log_path.parent]) == []


def test_two_browser_sessions_are_isolated(app, browser) -> None:  # type: ignore[no-untyped-def]
    url, _log = app
    ctx_a = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx_b = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        a, b = ctx_a.new_page(), ctx_b.new_page()

        # A uploads the demo cohort and opens the highest-risk patient
        _open_cohort(a, url)
        _upload(a, str(DEMO))
        grid = a.locator('[data-testid="stDataFrame"]').first
        grid.wait_for(timeout=30_000)
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        a.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
        wait_idle(a)
        heading = a.get_by_text(re.compile(r"^Patient: .*\(row [\d,]+ in the file\)"))
        heading.wait_for(timeout=30_000)
        opened = heading.first.inner_text()

        # B, a fresh session, sees none of it, before and after a reload
        _open_cohort(b, url)
        _assert_no_cohort(b)
        b.reload()
        b.get_by_text(PRIVACY_NOTE).first.wait_for(timeout=60_000)
        wait_idle(b)
        _assert_no_cohort(b)
        assert b.get_by_text(opened).count() == 0

        # B fills the patient form with a demo patient; A's patient page keeps its own values
        _nav(b, "Patient")
        b.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        pick = b.locator(".st-key-patient_demo_pick input[role='combobox']")
        pick.click()
        pick.fill("E0000004")
        b.get_by_role("option").filter(has_text="E0000004").first.click()
        wait_idle(b)
        b.locator(".st-key-patient_demo_load button").click()
        wait_idle(b)
        b.get_by_text(re.compile(r"Showing demo patient E0000004")).first.wait_for(timeout=30_000)

        _nav(a, "Patient")
        a.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
        wait_idle(a)
        assert a.get_by_text(re.compile(r"Showing demo patient E0000004")).count() == 0, "B's patient leaked to A"
        assert_no_error_box(a)

        # A's own session still holds A's upload; B's still holds B's patient
        _nav(a, "Cohort")
        a.get_by_text("Rows read").first.wait_for(timeout=60_000)
        _nav(b, "Cohort")
        _assert_no_cohort(b)
        _nav(b, "Patient")
        b.get_by_text(re.compile(r"Showing demo patient E0000004")).first.wait_for(timeout=30_000)
    finally:
        ctx_a.close()
        ctx_b.close()

"""A quality team's journey in a real browser: upload the demo cohort, read the worklist, open a patient,
download the scored CSV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.data.csvio import read_csv_path, to_csv_bytes
from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine
from tests.browser.conftest import ARTIFACTS, assert_no_error_box, wait_idle

pytestmark = pytest.mark.browser

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo_cohort.csv"


def test_cohort_journey(app, page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _log = app
    page.goto(f"{url}/cohort")
    page.get_by_text(re.compile("processed in memory only")).first.wait_for(timeout=60_000)
    wait_idle(page)
    assert_no_error_box(page)

    # upload the demo cohort through the real uploader
    page.locator(".st-key-cohort_uploader input[type=file]").set_input_files(str(DEMO))
    page.get_by_text("Rows read").first.wait_for(timeout=60_000)
    wait_idle(page, timeout_ms=60_000)
    assert_no_error_box(page)
    read = page.locator('[data-testid="stMetric"]').filter(has_text="Rows read").locator(
        '[data-testid="stMetricValue"]').inner_text()
    assert read.strip() == "2,000"

    # the worklist is on screen; select its first (highest-risk) row
    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=30_000)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None and box["height"] > 100
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    wait_idle(page)
    heading = page.get_by_text(re.compile(r"^Patient: .*\(row [\d,]+ in the file\)"))
    heading.wait_for(timeout=30_000)
    page.get_by_text("What drives this estimate").first.wait_for(timeout=30_000)
    assert_no_error_box(page)

    # the scored CSV is exactly what the batch CLI writes for this file
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=re.compile("Download scored CSV")).click()
    saved = tmp_path / "scored.csv"
    info.value.save_as(saved)
    raw, meta = read_csv_path(DEMO)
    expected = Engine.load(configured_bundle_path()).score(raw, row_problems=meta["row_problems"]).output
    assert saved.read_bytes() == to_csv_bytes(expected)
    assert_no_error_box(page)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.locator('[data-testid="stMain"]').evaluate("el => el.scrollTo(0, 0)")
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "cohort_journey.png"), full_page=True)

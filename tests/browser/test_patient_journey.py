"""A clinician's journey in a real browser: load a demo patient, read risk and drivers, try a what-if."""

from __future__ import annotations

import re

import pytest

from core.scoring.engine import Engine
from tests.browser.conftest import ARTIFACTS, assert_no_error_box, wait_idle

pytestmark = pytest.mark.browser


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_patient_journey(app, page, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    url, _log = app
    page.goto(url)  # the patient page is the default page
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)  # first run loads the model
    wait_idle(page)
    assert_no_error_box(page)
    assert page.get_by_role("heading", name="30-day readmission risk").is_visible()

    # load a demo patient through the picker
    box = page.locator(".st-key-patient_demo_pick input[role='combobox']")
    box.click()
    box.fill("E0000004")
    page.get_by_role("option").filter(has_text="E0000004").first.click()
    wait_idle(page)
    page.locator(".st-key-patient_demo_load button").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Showing demo patient E0000004")).wait_for(timeout=30_000)
    wait_idle(page)

    # risk, natural frequency and drivers are on screen
    risk = _metric(page, "30-day readmission risk")
    assert re.fullmatch(r"(<1|>99|\d{1,2})%", risk), risk
    assert page.get_by_text(re.compile(r"of 100 patients like this")).first.is_visible()
    assert page.get_by_text("What drives this estimate").is_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2
    assert_no_error_box(page)

    # change a modifiable factor in the what-if panel and see the estimate move
    spec = next(s for s in engine.schema.modifiable if s.kind == "binary")
    radio = page.locator(f".st-key-patient_wi_{spec.name}")
    radio.scroll_into_view_if_needed()
    current = radio.locator("[data-selected='true'] [data-testid='stRadioOption']").first.inner_text().strip()
    target = "no" if current == "yes" else "yes"
    radio.locator("[data-testid='stRadioOption']").filter(has_text=re.compile(f"^{target}$")).click()
    wait_idle(page)
    original = _metric(page, "Original estimate")
    changed = _metric(page, "With these changes")
    for _ in range(30):  # the rerun may still be arriving
        if changed != original:
            break
        page.wait_for_timeout(500)
        changed = _metric(page, "With these changes")
    if changed == original:
        page.screenshot(path=str(ARTIFACTS / "patient_journey_failed.png"), full_page=True)
    assert original == risk
    assert changed != original, (original, changed)
    assert_no_error_box(page)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its own container, so grow the viewport to capture the whole page
    height = page.evaluate("Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})
    wait_idle(page)
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "patient_journey.png"), full_page=True)
    assert_no_error_box(page)

"""The model page in a real browser: opens at /model without an error, shows the manifest's AUC and its charts."""

from __future__ import annotations

import pytest

from core.scoring.engine import Engine
from tests.browser.conftest import ARTIFACTS, assert_no_error_box, wait_idle

pytestmark = pytest.mark.browser


def _metric(page, label: str) -> str:  # type: ignore[no-untyped-def]
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _charts_drawn(page) -> int:  # type: ignore[no-untyped-def]
    """Visible Vega charts that have drawn marks (an SVG or canvas with a size)."""
    page.wait_for_timeout(800)
    return int(page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
        ".filter(c => c.offsetParent !== null && c.querySelector('canvas, svg')"
        " && c.getBoundingClientRect().height > 50).length"
    ))


def test_model_page(app, page, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    url, _log = app
    page.goto(f"{url}/model")
    wait_idle(page)
    assert_no_error_box(page)
    m = engine.bundle.metrics
    assert _metric(page, "AUC (held-out)") == f"{m.auc:.3f}"
    assert _metric(page, "Calibration slope") == f"{m.calibration_slope:.2f}"
    # the script may still be drawing the lower blocks when the status widget first reads idle: wait for them
    page.get_by_role("button", name="Download model card (HTML)").wait_for(state="visible", timeout=30_000)
    page.get_by_text("1. Summary").wait_for(state="visible", timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its own container
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "model_page.png"))

    page.get_by_role("tab", name="Global explanations").click()
    wait_idle(page)
    assert_no_error_box(page)
    assert _charts_drawn(page) == 5
    page.screenshot(path=str(ARTIFACTS / "model_page_explanations.png"))

    page.get_by_role("tab", name="Held-out performance").click()
    wait_idle(page)
    assert_no_error_box(page)
    assert _charts_drawn(page) == 5
    page.screenshot(path=str(ARTIFACTS / "model_page_performance.png"))

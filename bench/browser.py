"""Browser timings for the bench table: app cold start to first paint, and a what-if round trip.

Cold start: from launching ``streamlit run`` to the patient page showing a risk in a fresh
Chromium page. What-if: from clicking a modifiable factor to the "With these changes"
estimate showing the new value (median of several clicks).
"""

from __future__ import annotations

import statistics
import time

from core.bundle import load_bundle
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app, wait_idle

_WITH_CHANGES = (
    "() => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
    ".find(e => e.innerText.includes('With these changes'));"
    " return m ? m.querySelector('[data-testid=\"stMetricValue\"]').innerText : null; }"
)


def browser_timings(clicks: int = 6) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; install it with 'apt-get install -y chromium'")
    spec = next(s for s in load_bundle().schema.modifiable if s.kind == "binary")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        proc, url, _log = start_app()
        try:
            page.goto(url)
            page.get_by_text("30-day readmission risk").first.wait_for(timeout=60_000)
            page.locator('[data-testid="stMetricValue"]').first.wait_for(timeout=60_000)
            cold = time.perf_counter() - t0
            wait_idle(page)
            radio = page.locator(f".st-key-patient_wi_{spec.name}")
            radio.scroll_into_view_if_needed()
            rounds = []
            for i in range(clicks):
                before = page.evaluate(_WITH_CHANGES)
                target = "yes" if i % 2 == 0 else "no"
                option = radio.locator("[data-testid='stRadioOption']").filter(has_text=target).first
                start = time.perf_counter()
                option.click()
                try:
                    page.wait_for_function(f"(b) => ({_WITH_CHANGES})() !== b", arg=before, timeout=10_000,
                                           polling=5)
                except Exception:
                    wait_idle(page)
                rounds.append(time.perf_counter() - start)
                wait_idle(page)
        finally:
            stop_app(proc)
            browser.close()
    return {"cold_start_s": cold, "whatif_ms": statistics.median(rounds) * 1000}

"""A what-if change reruns the what-if block only, not the whole patient page (issue 7).

Counted, not timed: the server answers a rerun with one websocket message per element it
draws, so a what-if change that reran the whole page would bring back about as many messages
as the first page load, while the what-if block alone brings back a small share of them.
The new estimate must still be the engine's and the rest of the page must stay on screen.
"""

from __future__ import annotations

import pytest

from core.reports.patient_summary import format_risk
from core.scoring.engine import Engine
from tests.browser.conftest import assert_no_error_box, wait_idle

pytestmark = pytest.mark.browser

_CHANGED = (
    "() => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
    ".find(e => e.innerText.includes('With these changes'));"
    " return m ? m.querySelector('[data-testid=\"stMetricValue\"]').innerText.trim() : null; }"
)


def test_whatif_change_reruns_only_the_whatif_block(app, page, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    url, _log = app
    received: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.append(len(payload))))
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)
    wait_idle(page)
    page.wait_for_function(f"() => ({_CHANGED})() !== null", timeout=30_000)
    wait_idle(page)
    first_load = len(received)

    spec = next(s for s in engine.schema.modifiable if s.kind == "binary")
    typical = engine.typical_patient()
    radio = page.locator(f".st-key-patient_wi_{spec.name}")
    radio.scroll_into_view_if_needed()
    current = radio.locator("[data-selected='true'] [data-testid='stRadioOption']").first.inner_text().strip()
    target = "no" if current == "yes" else "yes"
    expected = format_risk(engine.patient({**typical, spec.name: 1.0 if target == "yes" else 0.0}).risk)
    assert expected != format_risk(engine.patient(typical).risk), "choose an input whose change moves the estimate"

    received.clear()
    radio.locator("[data-testid='stRadioOption']").filter(has_text=target).first.click()
    page.wait_for_function(f"(t) => ({_CHANGED})() === t", arg=expected, timeout=30_000)
    wait_idle(page)
    page.wait_for_timeout(500)  # anything a whole-page rerun would still send has arrived by now
    after_change = len(received)

    assert after_change > 0, "the what-if change reached the server"
    assert after_change * 3 < first_load, (after_change, first_load)
    assert page.locator(".st-key-patient_submit button").is_visible()  # the form is still there
    risk = page.locator('[data-testid="stMetric"]').filter(has_text="30-day readmission risk").first
    assert risk.locator('[data-testid="stMetricValue"]').inner_text().strip() == format_risk(
        engine.patient(typical).risk)
    assert_no_error_box(page)

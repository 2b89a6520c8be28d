"""Browser timings for the bench table: app cold start to first paint, and a what-if round trip.

``python -m bench.browser [--starts N] [--clicks N]`` prints the detail; ``python -m bench.run --browser``
puts the two headline numbers in the table.

- First paint: from launching the ``streamlit run`` process until, in a fresh Chromium page, the
  patient page shows its form (the "Calculate risk" button) and its result card with the risk the
  engine gives the typical patient. The browser is started before the clock; its cache is cold.
  Page complete: until the last block (the what-if waterfalls) is drawn and the script is idle.
- What-if round trip: from clicking a modifiable yes/no input in the what-if block until the
  "With these changes" estimate shows the value the engine gives for the changed input (checked
  against the engine, so a stale or wrong number does not stop the clock). Settled: until the
  "with these changes" waterfall has been redrawn too. Medians over several clicks, alternating.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from core.reports.patient_summary import format_risk
from core.scoring.engine import Engine
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app, wait_idle

_METRIC_JS = (
    "(label) => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
    ".find(e => e.innerText.includes(label));"
    " const v = m && m.querySelector('[data-testid=\"stMetricValue\"]'); return v ? v.innerText.trim() : null; }"
)
_FIRST_PAINT_JS = (
    "([risk]) => !!document.querySelector('.st-key-patient_submit button')"
    f" && ({_METRIC_JS})('30-day readmission risk') === risk"
)
_STATUS_IDLE_JS = (
    "(() => { const s = document.querySelector('[data-testid=\"stStatusWidget\"]');"
    " return !s || !s.innerText.includes('Running'); })()"
)
_COMPLETE_JS = (
    f"() => ({_METRIC_JS})('With these changes') !== null"
    " && [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')].every(c => c.querySelector('svg'))"
    f" && {_STATUS_IDLE_JS}"
)
_LAST_CHART_JS = (
    "() => { const c = [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')].pop();"
    " const s = c && c.querySelector('svg'); return s ? s.outerHTML : null; }"
)


def _whatif_input(engine: Engine) -> tuple[str, dict[str, str]]:
    """The modifiable yes/no input whose change moves the shown estimate most, and the expected text per option.

    Returns (name, {"yes": "With these changes" text, "no": ...}) for the typical patient. An input whose
    change leaves the rounded estimate unchanged cannot be timed by watching the number, so it is skipped.
    """
    typical = engine.typical_patient()
    best: tuple[float, str, dict[str, str]] | None = None
    for spec in engine.schema.modifiable:
        if spec.kind != "binary":
            continue
        risks = {opt: engine.patient({**typical, spec.name: val}).risk for opt, val in (("yes", 1.0), ("no", 0.0))}
        texts = {opt: format_risk(r) for opt, r in risks.items()}
        gap = abs(risks["yes"] - risks["no"])
        if texts["yes"] != texts["no"] and (best is None or gap > best[0]):
            best = (gap, spec.name, texts)
    if best is None:
        raise RuntimeError("No modifiable yes/no input of this model changes the shown estimate of the typical "
                           "patient, so the what-if round trip cannot be timed; use a bundle that has one.")
    return best[1], best[2]


def _one_start(browser: Any, expected_risk: str, name: str, texts: dict[str, str], clicks: int) -> dict[str, Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})  # a new context: cold cache
    t0 = time.perf_counter()
    proc, url, _log = start_app()
    try:
        healthy = time.perf_counter() - t0
        page.goto(url)
        page.wait_for_function(_FIRST_PAINT_JS, arg=[expected_risk], timeout=90_000, polling=10)
        first_paint = time.perf_counter() - t0
        page.wait_for_function(_COMPLETE_JS, timeout=90_000, polling=20)
        complete = time.perf_counter() - t0
        wait_idle(page)
        radio = page.locator(f".st-key-patient_wi_{name}")
        radio.scroll_into_view_if_needed()
        current = radio.locator("[data-selected='true'] [data-testid='stRadioOption']").first.inner_text().strip()
        first = "no" if current == "yes" else "yes"  # the first click always changes the input
        targets = (first, "yes" if first == "no" else "no")
        shown, settled = [], []
        for i in range(clicks):
            target = targets[i % 2]
            chart_before = page.evaluate(_LAST_CHART_JS)
            option = radio.locator("[data-testid='stRadioOption']").filter(has_text=target).first
            start = time.perf_counter()
            option.click()
            page.wait_for_function(f"(t) => ({_METRIC_JS})('With these changes') === t", arg=texts[target],
                                   timeout=30_000, polling="raf")
            shown.append(time.perf_counter() - start)
            page.wait_for_function(f"(b) => {{ const now = ({_LAST_CHART_JS})(); return now !== null && now !== b; }}",
                                   arg=chart_before, timeout=30_000, polling="raf")
            settled.append(time.perf_counter() - start)
            wait_idle(page)
    finally:
        stop_app(proc)
        page.context.close()
    return {"healthy_s": healthy, "first_paint_s": first_paint, "complete_s": complete, "shown": shown,
            "settled": settled}


def browser_timings(clicks: int = 8, starts: int = 1) -> dict[str, float]:
    """Cold start and what-if timings on the configured bundle (medians over ``starts`` cold starts).

    ``cold_start_s`` is first paint and ``whatif_ms`` the median round trip to the new risk on screen; the
    other keys give the server's health time, page-complete time and the settled/p90 round trips.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}; install it with 'apt-get install -y chromium'")
    from core.model.bundle import configured_bundle_path

    engine = Engine.load(configured_bundle_path())
    expected_risk = format_risk(engine.patient(engine.typical_patient()).risk)
    name, texts = _whatif_input(engine)
    runs = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for _ in range(starts):
                runs.append(_one_start(browser, expected_risk, name, texts, clicks))
        finally:
            browser.close()
    shown = [s for r in runs for s in r["shown"]]
    settled = [s for r in runs for s in r["settled"]]
    return {
        "cold_start_s": statistics.median(r["first_paint_s"] for r in runs),
        "whatif_ms": statistics.median(shown) * 1000,
        "healthy_s": statistics.median(r["healthy_s"] for r in runs),
        "complete_s": statistics.median(r["complete_s"] for r in runs),
        "whatif_p90_ms": statistics.quantiles(shown, n=10)[-1] * 1000 if len(shown) > 1 else shown[0] * 1000,
        "whatif_settled_ms": statistics.median(settled) * 1000,
        "clicks": float(len(shown)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser", description=__doc__.split("\n\n")[0])
    ap.add_argument("--starts", type=int, default=3, help="cold starts (each a new server and browser context)")
    ap.add_argument("--clicks", type=int, default=8, help="what-if clicks per start")
    args = ap.parse_args(argv)
    b = browser_timings(clicks=args.clicks, starts=args.starts)
    print(f"server healthy {b['healthy_s']:.2f} s | first paint {b['cold_start_s']:.2f} s | "
          f"page complete {b['complete_s']:.2f} s (medians of {args.starts} cold starts)")
    print(f"what-if: new risk on screen {b['whatif_ms']:.0f} ms (p90 {b['whatif_p90_ms']:.0f} ms), "
          f"waterfall redrawn {b['whatif_settled_ms']:.0f} ms (medians of {b['clicks']:.0f} clicks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

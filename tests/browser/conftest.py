"""Real-browser harness: a Streamlit server on a free port and Debian's Chromium via Playwright.

Tests here are skipped, with the reason, when Chromium or Playwright is absent; the CI
script installs Chromium so they run there. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.settings import DEFAULT_CHROMIUM, read_value

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = read_value("LANTERN_CHROMIUM") or DEFAULT_CHROMIUM
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(env_extra: dict[str, str] | None = None, base_path: str = "") -> tuple[subprocess.Popen, str, Path]:
    """Start ``streamlit run`` on a free loopback port; wait for its health check.

    Outer ``STREAMLIT_*`` variables are dropped so the committed config is what runs.
    ``base_path`` serves the app under ``server.baseUrlPath``. Returns (process, root URL, log).
    """
    port = _free_port()
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outer = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env = {**outer, "PYTHONUNBUFFERED": "1", **(env_extra or {})}
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true"]
    if base_path:
        cmd += ["--server.baseUrlPath", base_path]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log_path}")
        try:
            health = f"{url}/{base_path}/_stcore/health" if base_path else f"{url}/_stcore/health"
            with urllib.request.urlopen(health, timeout=2) as r:
                if r.status == 200:
                    return proc, url, log_path
        except OSError:
            time.sleep(0.05)
    proc.terminate()
    raise RuntimeError(f"streamlit did not become healthy in 90 s; see {log_path}")


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app() -> Iterator[tuple[str, Path]]:
    """(base URL, server log path) of a running app on the default bundle."""
    proc, url, log_path = start_app()
    try:
        yield url, log_path
    finally:
        stop_app(proc)


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}; install it with 'apt-get install -y chromium'")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed; pip install -r requirements-dev.txt")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    context.close()


def wait_idle(page, timeout_ms: int = 30_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until Streamlit has finished running the script (no 'Running...' widget)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_ms,
    )


def assert_no_error_box(page) -> None:  # type: ignore[no-untyped-def]
    """No Streamlit exception or error element on the page."""
    assert page.locator('[data-testid="stException"]').count() == 0, "a Python exception is shown"
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, f"an error box is shown: {errors.first.inner_text() if errors.count() else ''}"

"""Hardened Streamlit configuration, and every page's error guard.

The config file is parsed as TOML and each production-safety setting asserted; every key
must also be an option Streamlit knows (a misspelt key is silently ignored by Streamlit,
which would quietly drop a protection), and a fresh interpreter started in the repository
must see the same values. A real server started under a ``server.baseUrlPath`` (as behind
a reverse proxy) must serve the app only under that path and refuse an upload that lacks
the XSRF token. The guard tests make a core function a page calls raise an
exception whose message holds a sentinel, then check that the page shows only a plain
message with a reference, no traceback, and that the log has the reference but not the
sentinel.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import tomllib
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from core.scoring.engine import Engine
from tests.browser.conftest import start_app, stop_app
from tests.conftest import DEMO_COHORT, ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
APP = str(ROOT / "streamlit_app.py")
PAGES = ("patient", "cohort", "model")
REFERENCE = re.compile(r"reference \*\*([0-9a-f]{8})\*\*")

#: option -> the value a hospital deployment needs.
REQUIRED = {
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",
    "client.toolbarMode": "viewer",
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "server.fileWatcherType": "none",
    "server.runOnSave": False,
    "server.headless": True,
}


@pytest.fixture(scope="module")
def options() -> dict[str, Any]:
    """The config file flattened to Streamlit's dotted option names."""
    data = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {f"{section}.{key}": value for section, table in data.items() for key, value in table.items()}


def test_usage_statistics_are_off(options: dict[str, Any]) -> None:
    assert options["browser.gatherUsageStats"] is False


def test_error_details_are_hidden(options: dict[str, Any]) -> None:
    assert options["client.showErrorDetails"] == "none"


def test_xsrf_protection_is_on(options: dict[str, Any]) -> None:
    assert options["server.enableXsrfProtection"] is True
    assert options["server.enableCORS"] is True  # CORS *protection*: cross-origin requests are refused


def test_upload_size_is_limited(options: dict[str, Any]) -> None:
    size = options["server.maxUploadSize"]
    assert isinstance(size, int) and not isinstance(size, bool)
    assert 1 <= size <= 200, "an explicit limit in MB, no larger than Streamlit's default"


def test_toolbar_is_viewer_only(options: dict[str, Any]) -> None:
    assert options["client.toolbarMode"] == "viewer"


def test_no_file_watcher(options: dict[str, Any]) -> None:
    assert options["server.fileWatcherType"] == "none"
    assert options["server.runOnSave"] is False


def test_every_key_is_a_real_streamlit_option(options: dict[str, Any]) -> None:
    from streamlit import config

    known = set(config._config_options_template)
    assert set(options) - known == set(), "misspelt options are silently ignored by Streamlit"


def test_streamlit_reads_these_values_from_the_repository() -> None:
    """A fresh interpreter in the repository (no STREAMLIT_* overrides) sees the hardened values."""
    names = [*REQUIRED, "server.maxUploadSize", "server.xsrfCookieSameSite"]
    code = ("import json, sys\nfrom streamlit import config\nconfig.get_config_options(force_reparse=True)\n"
            f"print(json.dumps({{n: config.get_option(n) for n in {names!r}}}))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    for name, value in REQUIRED.items():
        assert seen[name] == value, name
    assert seen["server.maxUploadSize"] <= 200
    assert str(seen["server.xsrfCookieSameSite"]).lower() in ("lax", "strict")


def test_security_md_cites_only_existing_tests() -> None:
    """SECURITY.md makes no claim without a test: every ``tests/...py::name`` it cites is defined."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    cited = set(re.findall(r"(tests/[\w/]+\.py)::(\w+)", text))
    assert len(cited) >= 30
    missing = [f"{f}::{name}" for f, name in sorted(cited)
               if not (ROOT / f).is_file() or f"def {name}(" not in (ROOT / f).read_text(encoding="utf-8")]
    assert not missing, missing


# ---------------------------------------------------------------------------- a real server behind a path prefix

BASE_PATH = "lantern"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """``streamlit run`` with this config and ``--server.baseUrlPath lantern``; yields http://127.0.0.1:PORT."""
    proc, base, _log = start_app(base_path=BASE_PATH)
    try:
        yield base
    finally:
        stop_app(proc)


def test_app_is_served_only_under_the_base_url_path(server: str) -> None:
    page = httpx.get(f"{server}/{BASE_PATH}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert httpx.get(f"{server}/{BASE_PATH}/_stcore/health", timeout=10).text == "ok"
    assert httpx.get(f"{server}/_stcore/health", timeout=10).status_code == 404


def test_uploads_without_the_xsrf_token_are_refused(server: str) -> None:
    """A cross-site form cannot read the XSRF cookie, so it cannot send the matching header: 403."""
    url = f"{server}/{BASE_PATH}/_stcore/upload_file/some-session/some-file"
    files = {"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    assert httpx.put(url, files=files, timeout=10).status_code == 403

    health = f"{server}/{BASE_PATH}/_stcore/health"  # the page's first request; it sets the XSRF cookie
    with httpx.Client(timeout=10) as client:  # a same-site page: it has the cookie and echoes it in the header
        first = client.get(health)
        set_cookie = first.headers.get("set-cookie", "")
        assert "xsrf" in set_cookie and "samesite=lax" in set_cookie.lower(), set_cookie
        cookie = next(v for k, v in client.cookies.items() if "xsrf" in k)
        other = next(v for k, v in httpx.get(health, timeout=10).cookies.items() if "xsrf" in k)
        assert client.put(url, files=files, headers={"X-Xsrftoken": other}).status_code == 403  # wrong token
        passed = client.put(url, files=files, headers={"X-Xsrftoken": cookie})
        assert passed.status_code == 400 and "session" in passed.text.lower()  # past the XSRF check


# ---------------------------------------------------------------------------- error guard


def _raiser(message: str) -> Callable[..., Any]:
    def boom(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(message)
    return boom


def _break_patient(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    monkeypatch.setattr(Engine, "patient", _raiser(message))


def _break_cohort(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    monkeypatch.setattr(Engine, "score", _raiser(message))


def _break_model(monkeypatch: pytest.MonkeyPatch, message: str) -> None:
    import core.reports.model_card

    monkeypatch.setattr(core.reports.model_card, "model_card_sections", _raiser(message))


BREAKERS = {"patient": _break_patient, "cohort": _break_cohort, "model": _break_model}


@pytest.mark.parametrize("page", PAGES)
def test_page_error_shows_a_reference_and_logs_no_value(page: str, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture,
                                                        capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("LANTERN_BUNDLE", raising=False)
    sentinel = f"SENTINEL-{uuid.uuid4()}"
    BREAKERS[page](monkeypatch, f"value {sentinel} in row 7")
    caplog.set_level(logging.INFO)
    at = AppTest.from_file(APP, default_timeout=60)  # the whole app, so page links resolve
    at.switch_page(f"views/{page}.py")
    if page == "cohort":
        at.session_state["cohort_upload"] = ("demo_cohort.csv", DEMO_COHORT.read_bytes())
    at.run()

    assert not at.exception, "a traceback reached the screen"
    errors = [e.value for e in at.error]
    assert len(errors) == 1, errors
    assert errors[0].startswith("Something went wrong on this page")
    match = REFERENCE.search(errors[0])
    assert match, errors[0]
    ref = match.group(1)
    shown = "\n".join(str(el.value) for el in at.main if hasattr(el, "value"))
    assert sentinel not in shown and "Traceback" not in shown and "RuntimeError" not in shown

    out, err = capfd.readouterr()
    logged = caplog.text + out + err
    assert sentinel not in logged
    assert f"ref={ref}" in caplog.text and "RuntimeError" in caplog.text

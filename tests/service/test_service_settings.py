"""The service reads its settings through core.settings: a bad value stops it with one sentence, never silently."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.settings import SettingsError
from service.app import Settings
from tests.conftest import ROOT


def test_sizes_with_units_are_read_not_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_SERVICE_MAX_BYTES", "50MB")
    assert Settings.from_env().max_bytes == 50_000_000
    monkeypatch.setenv("LANTERN_SERVICE_MAX_BYTES", "2MiB")
    assert Settings.from_env().max_bytes == 2 * 1024 * 1024


def test_every_service_variable_comes_from_the_settings_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_SERVICE_TOKEN", "s3cret-token")
    monkeypatch.setenv("LANTERN_SERVICE_CORS_ORIGINS", "https://ehr.example.org/")
    monkeypatch.setenv("LANTERN_FHIR_SERVERS", "https://ehr.example.org/fhir/, http://127.0.0.1:9/r4")
    read = Settings.from_env()
    assert read.token == "s3cret-token"
    assert read.cors_origins == ("https://ehr.example.org",)
    assert read.fhir_servers == ("https://ehr.example.org/fhir", "http://127.0.0.1:9/r4")


@pytest.mark.parametrize(("name", "value"), [
    ("LANTERN_SERVICE_MAX_BYTES", "lots"),
    ("LANTERN_SERVICE_CORS_ORIGINS", "https://ehr.example.org/path"),
    ("LANTERN_FHIR_SERVERS", "ftp://ehr.example.org/fhir"),
    ("LANTERN_FHIR_SERVERS", "https://ehr.example.org/fhir?_format=json"),
])
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=name):
        Settings.from_env()


def test_python_m_service_stops_with_one_line_on_a_bad_setting() -> None:
    env = {"PATH": "/usr/bin:/bin", "LANTERN_SERVICE_MAX_BYTES": "fifty megabytes"}
    proc = subprocess.run([sys.executable, "-m", "service", "--port", "1"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: LANTERN_SERVICE_MAX_BYTES")
    assert len(proc.stderr.strip().splitlines()) == 1

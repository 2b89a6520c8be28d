"""core/settings.py: every LANTERN_* variable declared once, one policy, one plain sentence per bad value.

The last tests keep the declarations, the code and the README's "Settings" table in step: every
``LANTERN_`` name written anywhere in the repository is a declared variable (or a listed non-variable),
and the README carries exactly the table the module renders.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.data import limits
from core.model.bundle import DEFAULT_BUNDLE, configured_bundle_path
from core.settings import (
    DEFAULT_SERVICE_MAX_BYTES,
    VARIABLES,
    Settings,
    SettingsError,
    declared_names,
    load_settings,
    read_value,
    settings_table,
    variable,
)
from tests.conftest import ROOT

#: ``LANTERN_`` names in the code that are not environment variables, each with what it is.
NOT_VARIABLES = {"LANTERN_VERSION": "the version string core/training/evaluate.py writes into manifests"}
NAME = re.compile(r"\bLANTERN_[A-Z0-9_]*[A-Z0-9]\b")
SECRET = "s3cr3t-Token-do-not-echo"
THIS_FILE = Path(__file__).resolve()

VALID = [
    ("LANTERN_BUNDLE", "/srv/bundles/v2", "bundle", Path("/srv/bundles/v2")),
    ("LANTERN_BUNDLE", " relative/dir ", "bundle", Path("relative/dir")),
    ("LANTERN_MAX_ROWS", "250,000", "max_rows", 250_000),
    ("LANTERN_MAX_ROWS", "1_000", "max_rows", 1000),
    ("LANTERN_MAX_CELL", " 2000 ", "max_cell", 2000),
    ("LANTERN_SERVICE_TOKEN", SECRET, "service_token", SECRET),
    ("LANTERN_SERVICE_MAX_BYTES", "5242880", "service_max_bytes", 5_242_880),
    ("LANTERN_SERVICE_MAX_BYTES", "50MB", "service_max_bytes", 50_000_000),
    ("LANTERN_SERVICE_MAX_BYTES", "5 MiB", "service_max_bytes", 5 * 1024 * 1024),
    ("LANTERN_SERVICE_MAX_BYTES", "512kb", "service_max_bytes", 512_000),
    ("LANTERN_SERVICE_MAX_BYTES", "1GiB", "service_max_bytes", 1024**3),
    ("LANTERN_SERVICE_CORS_ORIGINS", "https://ehr.example.org, http://localhost:3000/", "service_cors_origins",
     ("https://ehr.example.org", "http://localhost:3000")),
    ("LANTERN_SERVICE_CORS_ORIGINS", "*", "service_cors_origins", ("*",)),
    ("LANTERN_CHROMIUM", "/opt/chromium/chrome", "chromium", Path("/opt/chromium/chrome")),
]

INVALID = [
    ("LANTERN_BUNDLE", "a\x00b", "a path without NUL characters"),
    ("LANTERN_MAX_ROWS", "ten", "a whole number such as 1,000,000, not 'ten'."),
    ("LANTERN_MAX_ROWS", "1e6", "a whole number such as 1,000,000, not '1e6'."),
    ("LANTERN_MAX_ROWS", "0", "at least 1 (the default is 1,000,000)."),
    ("LANTERN_MAX_CELL", "-5", "a whole number such as 10,000, not '-5'."),
    ("LANTERN_SERVICE_MAX_BYTES", "50 megs", "a whole number of bytes such as 5242880, or a size such as 50MB or "
     "5MiB, not '50 megs'."),
    ("LANTERN_SERVICE_MAX_BYTES", "1.5MB", "not '1.5MB'."),
    ("LANTERN_SERVICE_MAX_BYTES", "0", "at least 1 byte"),
    ("LANTERN_SERVICE_CORS_ORIGINS", "ehr.example.org", "'ehr.example.org' is not one: an origin is http:// or "
     "https://, a host and an optional port, with no path."),
    ("LANTERN_SERVICE_CORS_ORIGINS", "https://a.org/app", "'https://a.org/app' is not one"),
    ("LANTERN_SERVICE_CORS_ORIGINS", "*,https://a.org", "'*' is not one"),
    ("LANTERN_SERVICE_TOKEN", "two words", "printable ASCII without spaces"),
]


def test_defaults_when_nothing_is_set() -> None:
    assert load_settings({}) == Settings()
    settings = load_settings({})
    assert settings.bundle is None and settings.max_rows is None and settings.service_token is None
    assert (settings.max_cell, settings.service_max_bytes, settings.service_cors_origins) == (10_000, 5_242_880, ())
    assert DEFAULT_SERVICE_MAX_BYTES == 5 * 1024 * 1024


@pytest.mark.parametrize("name, raw, field, value", VALID)
def test_each_variable_reads_a_valid_value(name: str, raw: str, field: str, value: object) -> None:
    assert getattr(load_settings({name: raw}), field) == value
    assert read_value(name, {name: raw}) == value


@pytest.mark.parametrize("name", [v.name for v in VARIABLES])
@pytest.mark.parametrize("raw", ["", "   "])
def test_an_empty_value_means_unset(name: str, raw: str) -> None:
    assert load_settings({name: raw}) == Settings()
    assert read_value(name, {name: raw}) is None


@pytest.mark.parametrize("name, raw, words", INVALID)
def test_a_bad_value_is_refused_in_one_sentence_naming_the_variable(name: str, raw: str, words: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({name: raw})
    message = str(info.value)
    assert message.startswith(f"{name} must be ") and message.endswith(".") and words in message, message
    assert message.count(". ") == 0 and "\n" not in message


def test_the_fifty_megabyte_example_from_the_issue_is_no_longer_ignored() -> None:
    assert load_settings({"LANTERN_SERVICE_MAX_BYTES": "50MB"}).service_max_bytes == 50_000_000


def test_a_long_value_is_cut_short_in_the_message() -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"LANTERN_MAX_CELL": "x" * 500})
    assert "x" * 40 in str(info.value) and "x" * 41 not in str(info.value)


@pytest.mark.parametrize("token", [f"{SECRET} ", f"{SECRET} tail", f"{SECRET}\u00e9", f"{SECRET}\x07"])
def test_a_token_is_never_echoed(token: str) -> None:
    raw = token if token.strip() != SECRET else f"{SECRET} x"
    with pytest.raises(SettingsError) as info:
        load_settings({"LANTERN_SERVICE_TOKEN": raw})
    assert SECRET not in str(info.value) and "s3cr3t" not in str(info.value)
    assert str(info.value) == ("LANTERN_SERVICE_TOKEN must be printable ASCII without spaces, as clients send it in "
                               "an HTTP header; its value is not shown.")
    assert SECRET not in repr(load_settings({"LANTERN_SERVICE_TOKEN": SECRET}))


def test_an_unknown_lantern_variable_is_a_warning_with_the_closest_name() -> None:
    settings = load_settings({"LANTERN_MAX_ROW": "5", "LANTERN_SERVICE_TOKN": "x", "LANTERN_ZZZ": "1", "HOME": "/"})
    assert settings.warnings == (
        "LANTERN_MAX_ROW is not a Lantern setting (did you mean LANTERN_MAX_ROWS?); it is ignored.",
        "LANTERN_SERVICE_TOKN is not a Lantern setting (did you mean LANTERN_SERVICE_TOKEN?); it is ignored.",
        "LANTERN_ZZZ is not a Lantern setting; it is ignored.",
    )
    assert settings.max_rows is None
    with pytest.raises(KeyError, match="LANTERN_ZZZ is not a Lantern setting"):
        variable("LANTERN_ZZZ")


def test_the_lantern_command_prints_the_warnings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli import main

    monkeypatch.setenv("LANTERN_MAX_CEL", "5")
    assert main(["synth", "--rows", "5", "--seed", "1", "--out", str(tmp_path / "c.csv")]) == 0
    assert ("warning: LANTERN_MAX_CEL is not a Lantern setting (did you mean LANTERN_MAX_CELL?); it is ignored."
            in capsys.readouterr().err)


def test_limits_and_the_bundle_path_read_the_settings_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANTERN_MAX_ROWS", "50MB")
    with pytest.raises(limits.LimitError) as info:
        limits.max_rows()
    assert isinstance(info.value, SettingsError)
    assert str(info.value) == "LANTERN_MAX_ROWS must be a whole number such as 1,000,000, not '50MB'."
    monkeypatch.setenv("LANTERN_MAX_ROWS", " ")
    assert limits.max_rows_if_set() is None and limits.max_rows() == 1_000_000
    monkeypatch.setenv("LANTERN_SERVICE_MAX_BYTES", "nonsense")  # another variable's bad value: not the CLI's concern
    assert limits.max_cell() == 10_000
    monkeypatch.setenv("LANTERN_BUNDLE", "")
    assert configured_bundle_path() == DEFAULT_BUNDLE
    monkeypatch.setenv("LANTERN_BUNDLE", "/srv/b")
    assert configured_bundle_path() == Path("/srv/b")


# ------------------------------------------------------------------------------- docs and code cannot drift


def _names_in_the_repository() -> dict[str, set[str]]:
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "dist", "artifacts"}
    found: dict[str, set[str]] = {}
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if path == THIS_FILE:  # spells typos on purpose
            continue
        if path.is_file() and not skip & set(rel.parts) and (path.suffix in (".py", ".md", ".toml", ".sh", ".yml")
                                                              or rel.as_posix() == ".ci/run"):
            for name in NAME.findall(path.read_text(encoding="utf-8", errors="replace")):
                found.setdefault(name, set()).add(rel.as_posix())
    return found


def test_every_lantern_name_in_the_repository_is_declared() -> None:
    found = _names_in_the_repository()
    assert {"LANTERN_BUNDLE", "LANTERN_MAX_ROWS", "LANTERN_SERVICE_TOKEN"} <= set(found)
    undeclared = {name: sorted(files) for name, files in found.items()
                  if name not in declared_names() and name not in NOT_VARIABLES}
    assert not undeclared, f"declare these in core/settings.py VARIABLES: {undeclared}"


def test_the_readme_settings_table_is_the_one_the_module_renders() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme, "paste core.settings.settings_table() into the README's Settings section"
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `(LANTERN_[A-Z_]+)` \|", section, flags=re.MULTILINE)
    assert listed == list(declared_names())


def test_every_declared_variable_has_a_field_and_a_sentence() -> None:
    fields = set(Settings.__dataclass_fields__)
    for v in VARIABLES:
        assert v.field in fields and v.meaning and v.accepted and v.default, v.name
    assert len(set(declared_names())) == len(VARIABLES)

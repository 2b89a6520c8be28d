"""Every CSV Lantern hands out goes through core.data.csv_write.to_csv_bytes, which neutralises spreadsheet formulas.

A cell such as ``=HYPERLINK(...)`` in an uploaded identifier column would run as a formula
when a colleague opens the downloaded CSV in a spreadsheet. The source scans find every
``.to_csv(`` and ``download_button(`` call in core/ and views/; the app test uploads
formula text and reads back the exact bytes the cohort page offers for download (the
rejected rows and the scored file).
"""

from __future__ import annotations

import ast
import csv
import io
import re
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from tests.conftest import DEMO_COHORT, ROOT

PAGE = str(ROOT / "views" / "cohort.py")
SCANNED = ("core", "views")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")

#: ``.to_csv(`` outside to_csv_bytes, each with why it is not a download of user data.
OTHER_CSV_WRITERS = {
    ("core/data/csv_write.py", "to_csv_bytes"),  # the one writer for downloads and the batch CLI
    ("core/synthetic/generator.py", "write_csv"),  # writes the synthetic demo cohort Lantern generates itself
    ("core/training/train.py", "main"),  # synthetic frame -> bytes -> read_csv_bytes, in memory, never handed out
}

PAYLOADS = (
    '=HYPERLINK("http://example.invalid/x","click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t=1+1",
)


# ---------------------------------------------------------------------------- source scans


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for package in SCANNED:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def _owner(tree: ast.Module, target: ast.AST) -> str:
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) and any(n is target for n in ast.walk(fn)):
            return fn.name
    return "<module>"


def _called_names(node: ast.AST) -> set[str]:
    out = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            f = call.func
            out.add(f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "")
    return out


def _reaches_to_csv_bytes(node: ast.AST, functions: dict[str, ast.FunctionDef], seen: set[str] | None = None) -> bool:
    """Does evaluating ``node`` call to_csv_bytes, directly or through a function of the same module?"""
    seen = set() if seen is None else seen
    names = _called_names(node)
    if "to_csv_bytes" in names:
        return True
    for name in names - seen:
        seen.add(name)
        if name in functions and _reaches_to_csv_bytes(functions[name], functions, seen):
            return True
    return False


def _keyword(call: ast.Call, name: str, position: int) -> ast.expr | None:
    found = next((k.value for k in call.keywords if k.arg == name), None)
    if found is None and len(call.args) > position:
        found = call.args[position]
    return found


def _download_buttons() -> Iterator[tuple[str, ast.Call, dict[str, ast.FunctionDef]]]:
    for rel, tree in _modules():
        functions = _functions(tree)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute | ast.Name) and \
                    getattr(call.func, "attr", getattr(call.func, "id", "")) == "download_button":
                yield rel, call, functions


def test_every_to_csv_call_is_accounted_for() -> None:
    writers = set()
    for rel, tree in _modules():
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "to_csv":
                writers.add((rel, _owner(tree, call)))
    assert writers == OTHER_CSV_WRITERS


def test_csv_downloads_go_through_to_csv_bytes() -> None:
    buttons = list(_download_buttons())
    assert len(buttons) >= 4, "the scan should see the cohort, patient and model page downloads"
    csv_buttons = 0
    for rel, call, functions in buttons:
        assert not rel.startswith("core/"), "core/ never draws widgets"
        mime = _keyword(call, "mime", 4)
        file_name = _keyword(call, "file_name", 2)
        data = _keyword(call, "data", 1)
        assert data is not None and file_name is not None and mime is not None, (rel, ast.unparse(call))
        name_text = ast.unparse(file_name)
        is_csv = (isinstance(mime, ast.Constant) and mime.value == "text/csv") or ".csv" in name_text
        if is_csv:
            csv_buttons += 1
            assert isinstance(mime, ast.Constant) and mime.value == "text/csv", (rel, name_text)
            assert _reaches_to_csv_bytes(data, functions), f"{rel}: {ast.unparse(data)} bypasses to_csv_bytes"
    assert csv_buttons == 2  # rejected rows and the scored file


def test_the_scan_follows_lambdas_and_local_functions() -> None:
    tree = ast.parse("def build(r):\n    return to_csv_bytes(r)\n"
                     "def bad(r):\n    return r.to_csv().encode()\n")
    functions = _functions(tree)
    assert _reaches_to_csv_bytes(ast.parse("lambda: build(run)", mode="eval"), functions)
    assert not _reaches_to_csv_bytes(ast.parse("lambda: bad(run)", mode="eval"), functions)


# ---------------------------------------------------------------------------- what the cohort page hands out


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, Callable[[], Any]]]:
    """file name -> (mime type, () -> bytes) for every file the page registers for download."""
    files: dict[str, tuple[str, Callable[[], Any]]] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record(self: MediaFileManager, data: Any, mimetype: str, coordinates: str, file_name: str | None = None,
               is_for_static_download: bool = False) -> str:
        files[str(file_name)] = (mimetype, lambda: data)
        return add(self, data, mimetype, coordinates, file_name=file_name,
                   is_for_static_download=is_for_static_download)

    def record_deferred(self: MediaFileManager, data_callable: Callable[[], Any], mimetype: str | None,
                        coordinates: str, file_name: str | None = None, **kwargs: Any) -> str:
        files[str(file_name)] = (str(mimetype), data_callable)  # what Streamlit runs on click
        return add_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return files


def _formula_upload() -> tuple[bytes, str, str]:
    raw = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(40)
    id_col, numeric = "encounter_id", "age"
    for i, payload in enumerate(PAYLOADS):
        raw.loc[i, id_col] = payload
    raw.loc[[0, 1], numeric] = "=1+1"  # two of them are rejected: their ids go into the rejected-rows CSV
    raw.loc[2, "hospital"] = "=cmd|' /C calc'!A0"
    return raw.to_csv(index=False).encode(), id_col, numeric


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _assert_no_live_formula(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or PLAIN_NUMBER.fullmatch(cell), repr(cell)


def test_cohort_downloads_neutralise_formulas(served: dict[str, tuple[str, Callable[[], Any]]]) -> None:
    data, id_col, numeric = _formula_upload()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["cohort_upload"] = ("formulas.csv", data)
    at.session_state["cohort_section"] = "Rows and flags"
    at.run()
    assert not at.exception
    at.session_state["cohort_section"] = "Worklist"
    at.run()
    assert not at.exception

    mime, rejected_bytes = served["lantern_rejected_rows.csv"]
    assert mime == "text/csv"
    rejected = _cells(rejected_bytes())
    header = rejected[0]
    ids = [r[header.index(id_col)] for r in rejected[1:]]
    assert ids == ["'" + p for p in PAYLOADS[:2]]
    assert all(numeric in r[header.index("reason")] for r in rejected[1:])
    _assert_no_live_formula(rejected)

    mime, scored_bytes = served["formulas_scored.csv"]
    assert mime == "text/csv"
    scored = _cells(scored_bytes())
    header = scored[0]
    ids = [r[header.index(id_col)] for r in scored[1:]]
    assert ids[:len(PAYLOADS)] == ["'" + p for p in PAYLOADS]
    assert len(scored) == 41 and [r[header.index("status")] for r in scored[1:3]] == ["rejected", "rejected"]
    _assert_no_live_formula(scored)

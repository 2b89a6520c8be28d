"""Tests never call ``asyncio.run`` in the main thread: the browser tests keep Playwright's loop running there for
the whole session, so such a test passes alone and fails in the full suite. ``tests/service/asgi.run_async`` runs
the coroutine on a thread of its own."""

from __future__ import annotations

import ast

from tests.conftest import ROOT

HELPER = ROOT / "tests" / "service" / "asgi.py"


def test_tests_run_coroutines_through_run_async() -> None:
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path == HELPER:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "asyncio"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use tests.service.asgi.run_async instead of asyncio.run: {offenders}"

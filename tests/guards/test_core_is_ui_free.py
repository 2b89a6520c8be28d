"""core/ is UI-free: no module in it imports streamlit or views/, not even inside a function.

The CLI, the service, the tests and other people's scripts use core/; a lazy import of the UI
still ties them to it. ``lantern app`` starts Streamlit as a child process instead.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

UI_PACKAGES = ("streamlit", "views", "altair")


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):  # every import, at module level or inside a function
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def test_no_core_module_imports_the_ui() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {name}"
                 for path in sorted((ROOT / "core").rglob("*.py"))
                 for line, name in _imported(ast.parse(path.read_text(encoding="utf-8")))
                 if name.split(".")[0] in UI_PACKAGES]
    assert not offenders, offenders


def test_the_scan_sees_an_import_inside_a_function() -> None:
    code = ("def run():\n    from streamlit.web.cli import main\n    import importlib\n"
            "    importlib.import_module('views.x')\n")
    assert [name for _, name in _imported(ast.parse(code))] == ["streamlit.web.cli", "importlib", "views.x"]

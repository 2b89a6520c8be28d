"""Nothing mutable at module level in core/, views/ or service/.

One Streamlit process serves every user, and module globals are shared by all of their
sessions: a list or dict at module level is a place where one user's data could become
visible to another. Every module-level name must therefore hold an immutable value
(numbers, strings, tuples, frozensets, MappingProxyType, compiled patterns, paths,
frozen dataclasses, functions and types), and no function may rebind a module global.

Values are checked twice: statically (a list/dict/set literal or comprehension at module
level is refused outright) and at run time (the imported module's attribute, so a call
that returns a mutable object is caught too). Page scripts (files that call
``run_guarded`` at top level) would run when imported, so their assignments are checked
from the source with ``ast.literal_eval``.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import decimal
import enum
import fractions
import importlib
import logging
import re
import threading
import types
import typing
from collections.abc import Iterator
from pathlib import Path, PurePath

import numpy as np
import pytest

from tests.conftest import ROOT

PACKAGES = ("core", "views", "service")

#: Module globals that are allowed to change, each with the reason. Keep this short.
ALLOWED_GLOBAL_REBINDS = {
    # A compiled numerical kernel built once per process behind a lock: code, not data; holds nothing of a user's.
    ("core/explain/treeshap_kernel.py", "_kernel"),
}

#: Offenders in files this change may not edit; each is reported to the file's owner. The test
#: fails when an entry is fixed (so the list shrinks) or when anything new appears.
KNOWN_OFFENDERS: set[tuple[str, str]] = set()

_MUTABLE_NODES = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_IMMUTABLE_TYPES = (
    type(None), bool, int, float, complex, str, bytes, range, type(Ellipsis), np.generic, re.Pattern, PurePath,
    dt.date, dt.time, dt.timedelta, dt.tzinfo, decimal.Decimal, fractions.Fraction, enum.Enum, type,
    types.FunctionType, types.BuiltinFunctionType, types.ModuleType, types.GenericAlias, types.UnionType,
    typing.TypeVar,
    # Process-wide and holding no user data: named loggers and a lock (synchronisation, not state).
    logging.Logger, type(threading.Lock()),
)


def _sources() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _is_page_script(tree: ast.Module) -> bool:
    """A page file runs its body on import (``run_guarded(_page)`` at top level)."""
    return any(isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) for n in tree.body)


def _top_level_assignments(body: list[ast.stmt]) -> Iterator[tuple[str, ast.expr | None]]:
    """(name, value node) for every module-level binding, including those inside if/try/with at top level."""
    for node in body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        yield name.id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            yield node.target.id, node.value
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            yield node.target.id, None  # x += ... at module level: mutation by definition
        elif isinstance(node, ast.If | ast.Try | ast.With):
            for block in ("body", "orelse", "finalbody", "handlers"):
                for inner in getattr(node, block, []):
                    yield from _top_level_assignments(inner.body if isinstance(inner, ast.ExceptHandler)
                                                      else [inner])


def _immutable(value: object, depth: int = 0) -> bool:
    """True when nothing reachable from ``value`` can be changed in place."""
    if depth > 20:
        return False
    if isinstance(value, typing.TypeAliasType) or type(value).__module__ in ("typing", "collections.abc"):
        return True  # type aliases such as Literal[...] or Callable[...]
    if isinstance(value, _IMMUTABLE_TYPES):
        return True
    if isinstance(value, tuple | frozenset):
        return all(_immutable(v, depth + 1) for v in value)
    if isinstance(value, types.MappingProxyType):
        return all(_immutable(v, depth + 1) for v in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        frozen = type(value).__dataclass_params__.frozen  # type: ignore[attr-defined]
        return frozen and all(_immutable(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    return False


def _offenders() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in _sources():
        rel = _rel(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bindings = list(_top_level_assignments(tree.body))
        page = _is_page_script(tree) or path.name == "__main__.py"
        module = None if page else importlib.import_module(_module_name(path))
        for name, node in bindings:
            if (rel, name) in ALLOWED_GLOBAL_REBINDS:
                continue  # a documented lazy cache: its value depends on what ran before
            if node is None or isinstance(node, _MUTABLE_NODES):
                found.add((rel, name))
                continue
            if module is not None:
                value = getattr(module, name)
            else:
                try:
                    value = ast.literal_eval(node)
                except ValueError:
                    found.add((rel, name))  # a page script may only bind literals at top level
                    continue
            if not _immutable(value):
                found.add((rel, name))
    return found


def _global_rebinds() -> set[tuple[str, str]]:
    found = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Global):
                found.update((_rel(path), name) for name in node.names)
    return found


def test_the_scan_sees_every_package() -> None:
    names = {_rel(p) for p in _sources()}
    for expected in ("core/analytics/cohort.py", "views/shared.py", "views/cohort.py", "service/app.py"):
        assert expected in names


def test_no_module_binds_a_mutable_value() -> None:
    found = _offenders()
    new = sorted(found - KNOWN_OFFENDERS)
    assert not new, f"module-level mutable values (make them tuples/frozensets/MappingProxyType): {new}"
    fixed = sorted(KNOWN_OFFENDERS - found)
    assert not fixed, f"these are immutable now; remove them from KNOWN_OFFENDERS: {fixed}"


def test_no_function_rebinds_a_module_global() -> None:
    assert _global_rebinds() <= ALLOWED_GLOBAL_REBINDS


@pytest.mark.parametrize("value, expected", [
    ((1, "a", (2.0, None)), True),
    (frozenset({"x"}), True),
    (types.MappingProxyType({"a": (1, 2)}), True),
    (types.MappingProxyType({"a": [1, 2]}), False),
    ([1], False),
    ({"a": 1}, False),
    ({1}, False),
    ((1, [2]), False),
    (np.zeros(2), False),
    (re.compile("x"), True),
    (Path("/x"), True),
])
def test_the_checker_tells_mutable_from_immutable(value: object, expected: bool) -> None:
    assert _immutable(value) is expected


def test_the_checker_catches_literals_and_calls() -> None:
    tree = ast.parse("A = [1]\nB = {'x': 1}\nC = (1, 2)\nif True:\n    D = {1}\nE = dict(a=1)\nF += 1\n")
    kinds = {name: (node is None or isinstance(node, _MUTABLE_NODES))
             for name, node in _top_level_assignments(tree.body)}
    assert kinds == {"A": True, "B": True, "C": False, "D": True, "E": False, "F": True}
    assert not _immutable(dict(a=1))  # E is caught at run time

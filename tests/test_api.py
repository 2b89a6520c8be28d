"""The public Python API: every name in each package's ``__all__`` resolves, lazily, and is in the README.

``import core`` must cost nothing and ``from core import Engine`` must not pull in the heavy
libraries, because the packages' ``__init__`` files load each name only when it is first used.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import core
from tests.conftest import ROOT

PACKAGES = tuple(["core", *(m.name for m in pkgutil.walk_packages(core.__path__, "core.") if m.ispkg)])
HEAVY = {"sklearn", "scipy", "shap", "dask", "numba"}
#: The subpackages whose names ``core`` re-exports as the public API (others declare ``__all__`` for their own users).
API_PACKAGES = ("core.model", "core.scoring", "core.explain", "core.interop")


def _declared() -> dict[str, tuple[str, ...]]:
    return {name: importlib.import_module(name).__dict__.get("__all__", ()) for name in PACKAGES}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__dict__.get("__all__", ()):
        value = getattr(module, name)
        home = getattr(value, "__module__", None)  # constants (a wording string) have no home module to compare
        if home is not None:
            assert value is getattr(importlib.import_module(home), name), f"{package}.{name}"
        assert name in dir(module)


def test_the_api_covers_loading_scoring_explaining_and_fhir() -> None:
    wanted = {"load_bundle", "Bundle", "Engine", "score_file", "TreeTables", "shap_values", "bundle_to_patient",
              "FhirMapping"}
    assert wanted <= set(core.__all__)
    api = {package: names for package, names in _declared().items() if package in API_PACKAGES}
    in_subpackages = {name for names in api.values() for name in names}
    assert set(core.__all__) == in_subpackages, "core re-exports exactly what its API subpackages declare"
    assert all(getattr(core, name) is getattr(importlib.import_module(package), name)
               for package, names in api.items() for name in names)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"'core\.scoring' has no attribute 'Engin'"):
        importlib.import_module("core.scoring").Engin  # noqa: B018


def test_importing_the_packages_is_light() -> None:
    child = ("import json, sys\nimport core, core.model, core.scoring, core.explain, core.interop\n"
             "before = sorted(m for m in sys.modules if m.startswith('core'))\n"
             "from core import Engine, load_bundle, score_file\n"
             f"print(json.dumps([before, sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(HEAVY)!r}))]))")
    proc = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    before, heavy = json.loads(proc.stdout)
    assert before == ["core", "core.explain", "core.interop", "core.model", "core.scoring"]
    assert heavy == []


def test_the_readme_lists_the_api() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in core.__all__ if f"`{name}" not in section]
    assert not missing, f"README's Python API section does not list {missing}"

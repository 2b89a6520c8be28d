"""Lantern's library: plain Python, no Streamlit. One subpackage per job (see the README's "How it is built").

The public API below is loaded lazily (PEP 562): ``import core`` costs nothing, and ``core.Engine``
imports only the engine's own module, so scoring a linear bundle still imports no scikit-learn, scipy,
shap, dask or numba (tests/guards/test_light_imports.py).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` that import each public name from its home module on first use."""

    def attribute(name: str) -> Any:
        if name not in homes:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(homes[name]), name)

    def names() -> list[str]:
        return sorted({*homes, *importlib.import_module(package).__dict__})

    return attribute, names


#: Each public name and the module that defines it.
_HOMES = MappingProxyType({
    "Bundle": "core.model.bundle",
    "BundleError": "core.model.bundle",
    "load_bundle": "core.model.bundle",
    "Engine": "core.scoring.engine",
    "score_file": "core.scoring.batch",
    "TreeTables": "core.explain.treeshap",
    "shap_values": "core.explain.treeshap",
    "FhirError": "core.interop.fhir",
    "FhirMapping": "core.interop.fhir",
    "bundle_to_patient": "core.interop.fhir",
})
__all__ = tuple(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

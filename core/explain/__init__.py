"""Why a patient's risk is what it is: exact additive explanations (fast TreeSHAP), reasons and what-if."""

from types import MappingProxyType

from core import lazy_exports

#: Public names, imported from their module on first use (PEP 562) so that importing the package costs nothing.
_HOMES = MappingProxyType({
    "TreeTables": "core.explain.treeshap",
    "shap_values": "core.explain.treeshap",
})
__all__ = tuple(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

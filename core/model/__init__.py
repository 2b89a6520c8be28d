"""What a trained model is: encoding, the estimator, plain-array linear models, and the verified bundle on disk."""

from types import MappingProxyType

from core import lazy_exports

#: Public names, imported from their module on first use (PEP 562) so that importing the package costs nothing.
_HOMES = MappingProxyType({
    "Bundle": "core.model.bundle",
    "BundleError": "core.model.bundle",
    "load_bundle": "core.model.bundle",
})
__all__ = tuple(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

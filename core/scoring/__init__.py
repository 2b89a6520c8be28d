"""Turning rows into risks: the shared engine, the streamed batch path, the Dask engine and the score CLI."""

from types import MappingProxyType

from core import lazy_exports

#: Public names, imported from their module on first use (PEP 562) so that importing the package costs nothing.
_HOMES = MappingProxyType({
    "Engine": "core.scoring.engine",
    "score_file": "core.scoring.batch",
})
__all__ = tuple(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

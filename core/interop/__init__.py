"""Talking to EHRs: FHIR R4 records mapped to one patient row."""

from types import MappingProxyType

from core import lazy_exports

#: Public names, imported from their module on first use (PEP 562) so that importing the package costs nothing.
_HOMES = MappingProxyType({
    "FhirError": "core.interop.fhir",
    "FhirMapping": "core.interop.fhir",
    "bundle_to_patient": "core.interop.fhir",
})
__all__ = tuple(_HOMES)
__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

"""Talking to EHRs: FHIR R4 records mapped to one patient row."""

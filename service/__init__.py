"""Lantern over HTTP: a CDS Hooks service (``encounter-discharge``, ``patient-view``) and JSON batch scoring.

Start it with ``python -m service`` (127.0.0.1:8000 by default); build the ASGI app with
``service.app.create_app``. See ``service/app.py`` for the endpoints and the security rules.

- ``app.py``: settings, the endpoints and the generated OpenAPI document;
- ``models.py``: the pydantic request and response bodies (they validate and document);
- ``routing.py``: body reading (size cap, strict JSON) and failures as ``{"error": ...}``;
- ``errors.py``: the error shape and the sentence for each invalid body;
- ``guard.py``: the bearer token and the shape-only log line;
- ``docs.py``: ``GET /docs``, a self-contained HTML page.

What a card says, how prefetch is read and how missing prefetch is fetched is not HTTP: see
``core/interop/cds_hooks.py``, ``core/interop/cds_prefetch.py`` and ``core/interop/fhir_client.py``.
"""

"""Lantern over HTTP: a CDS Hooks service (``encounter-discharge``, ``patient-view``) and JSON batch scoring.

Start it with ``python -m service`` (127.0.0.1:8000 by default); build the ASGI app with
``service.app.create_app``. See ``service/app.py`` for the endpoints and the security rules.
"""

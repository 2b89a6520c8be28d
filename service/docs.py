"""``GET /docs``: the generated OpenAPI document as one self-contained HTML page.

FastAPI's own pages (Swagger UI, ReDoc) load their scripts and styles from a CDN: offline
they fail, and online they are a request to an outside server. This page is rendered on
the server from the same document ``GET /openapi.json`` serves, with no script and no
outside reference, and is sent with a Content-Security-Policy that forbids loading anything.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from typing import Any

#: Nothing may be loaded: no script, no image, no font, no stylesheet beyond the inline one.
CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccc}h3{margin:1.4rem 0 .3rem}
code,.path{font-family:ui-monospace,monospace}.method{display:inline-block;min-width:3.5rem;font-weight:700}
table{border-collapse:collapse;margin:.4rem 0 1rem;width:100%}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}
.muted{color:#555}
"""

_METHODS = ("get", "post")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_label(schema: Mapping[str, Any]) -> str:
    """A short reading of a JSON schema: 'string', 'array of Card', 'one of: info, warning'."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "const" in schema:
        return f"'{schema['const']}'"
    if "enum" in schema:
        return "one of: " + ", ".join(str(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(type_label(s) for s in schema[key])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"array of {type_label(schema.get('items', {}))}"
    extra = schema.get("additionalProperties")
    if kind == "object" and isinstance(extra, Mapping) and extra:
        return f"object of {type_label(extra)}"
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def _limits(schema: Mapping[str, Any]) -> str:
    words = {"minLength": "at least {} characters", "maxLength": "at most {} characters",
             "minItems": "at least {} items", "maxItems": "at most {} items", "default": "default {}"}
    return "; ".join(text.format(schema[key]) for key, text in words.items() if key in schema)


def _schema_table(name: str, schema: Mapping[str, Any]) -> Iterator[str]:
    yield f'<h3 id="schema-{_e(name)}">{_e(name)}</h3>'
    if schema.get("description"):
        yield f"<p>{_e(schema['description'])}</p>"
    if "properties" not in schema:
        yield f"<p>{_e(type_label(schema))}</p>"
        return
    required = set(schema.get("required", ()))
    yield "<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Description</th></tr>"
    for field, spec in schema["properties"].items():
        notes = "; ".join(x for x in (spec.get("description", ""), _limits(spec)) if x)
        yield (f"<tr><td><code>{_e(field)}</code></td><td>{_e(type_label(spec))}</td>"
               f"<td>{'yes' if field in required else 'no'}</td><td>{_e(notes)}</td></tr>")
    yield "</table>"


def _body_label(spec: Mapping[str, Any]) -> str:
    schema = spec.get("content", {}).get("application/json", {}).get("schema", {})
    return type_label(schema) if schema else ""


def _operation(path: str, method: str, op: Mapping[str, Any]) -> Iterator[str]:
    yield f'<h3><span class="method">{_e(method.upper())}</span> <span class="path">{_e(path)}</span></h3>'
    yield f"<p>{_e(op.get('summary', ''))}</p>"
    if op.get("description"):
        yield f'<p class="muted">{_e(op["description"])}</p>'
    if op.get("security") == []:
        yield '<p class="muted">No token needed.</p>'
    if "requestBody" in op:
        yield f"<p>Request body (JSON): <code>{_e(_body_label(op['requestBody']))}</code></p>"
    yield "<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>"
    for status, spec in op.get("responses", {}).items():
        yield (f"<tr><td>{_e(status)}</td><td>{_e(spec.get('description', ''))}</td>"
               f"<td><code>{_e(_body_label(spec))}</code></td></tr>")
    yield "</table>"


def render_docs(doc: Mapping[str, Any]) -> str:
    """The whole page: endpoints first, then every schema they use."""
    info = doc.get("info", {})
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{_e(info.get('title', 'API'))}</h1>",
        f'<p class="muted">Version {_e(info.get("version", ""))} · OpenAPI {_e(doc.get("openapi", ""))} · '
        'the same description as JSON: <a href="openapi.json"><code>GET /openapi.json</code></a></p>',
        f"<p>{_e(info.get('description', ''))}</p>",
        "<p>When the service has a token (<code>LANTERN_SERVICE_TOKEN</code>), every endpoint except "
        "<code>/health</code> needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>",
        "<h2>Endpoints</h2>",
    ]
    for path, operations in doc.get("paths", {}).items():
        for method in _METHODS:
            if method in operations:
                parts.extend(_operation(path, method, operations[method]))
    parts.append("<h2>Schemas</h2>")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        parts.extend(_schema_table(name, schema))
    parts.append("</body></html>")
    return "\n".join(parts)

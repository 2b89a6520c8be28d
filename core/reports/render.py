"""Render Lantern's HTML pages from the Jinja2 templates in core/reports/templates.

Autoescaping is on for every template, so a value from a file, a bundle or a form (a label
such as ``<script>``) is shown as text, never run; this is the only HTML escaping in core/.
The one stylesheet (templates/lantern.css, with the palette's colours as CSS variables) is
inlined into each page, so every download is a single self-contained file with no links.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from core.presentation.palette import css_variables

if TYPE_CHECKING:
    import jinja2

TEMPLATE_DIR = Path(__file__).with_name("templates")
STYLESHEET = "lantern.css"
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def inline_markdown(text: str) -> Markup:
    """Trusted Markdown-lite inline text -> HTML: escaped first, then **bold** and `code`."""
    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    return Markup(_BOLD.sub(r"<strong>\1</strong>", html))


def prose_html(markdown: str) -> Markup:
    """Trusted Markdown-lite paragraphs -> HTML: a paragraph of "- " lines is a list, any other a <p>."""
    out = []
    for para in _PARAGRAPH_BREAK.split(markdown.strip()):
        lines = [ln.strip() for ln in para.splitlines() if ln.strip()]
        if lines and all(ln.startswith("- ") for ln in lines):
            out.append(Markup("<ul>{}</ul>").format(Markup("").join(
                Markup("<li>{}</li>").format(inline_markdown(ln[2:])) for ln in lines)))
        else:
            out.append(Markup("<p>{}</p>").format(inline_markdown(" ".join(lines))))
    return Markup("\n").join(out)


@cache
def _environment() -> jinja2.Environment:
    """The template environment, built once per process on first use (the app's pages start without jinja2)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
    )
    env.filters["inline_markdown"] = inline_markdown
    env.filters["prose"] = prose_html
    return env


@cache
def stylesheet() -> Markup:
    """The palette's CSS variables and the one stylesheet: trusted text, inlined as is."""
    css = (TEMPLATE_DIR / STYLESHEET).read_text(encoding="utf-8").strip()
    return Markup(f"{css_variables()}\n{css}")


def render(template: str, **context: Any) -> str:
    """One template rendered with autoescaping and the inlined stylesheet."""
    return _environment().get_template(template).render(stylesheet=stylesheet(), **context)

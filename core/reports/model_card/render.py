"""The model card's two renderings: Markdown for the app and the download, HTML from a Jinja2 template.

Both take the card as data (model_card/blocks.py) and escape every data string themselves:
Markdown through ``md_escape``, HTML through the template's autoescaping.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.model.bundle import Bundle
from core.presentation.wording import markdown_text
from core.reports.model_card.blocks import Block, Bullets, Facts, Prose, Section, Text
from core.reports.render import render

LEAD = ("Generated from the bundle's manifest, performance and schema files, following TRIPOD+AI (2024) and the "
        "Model Facts label (Sendak 2020).")
def md_escape(text: str) -> str:
    """Raw text -> Markdown that shows it literally: the one escaper, ``wording.markdown_text``."""
    return markdown_text(text)


def _md_block(block: Block) -> str:
    if isinstance(block, Text):
        return md_escape(block.text)
    if isinstance(block, Prose):
        return block.markdown
    if isinstance(block, Facts):
        return "\n".join(f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in block.items)
    if isinstance(block, Bullets):
        return "\n".join(f"- {md_escape(x)}" for x in block.items)
    lines = [f"*{md_escape(block.caption)}*", ""] if block.caption else []
    lines.append("| " + " | ".join(md_escape(h) for h in block.headers) + " |")
    lines.append("|" + "|".join("---" for _ in block.headers) + "|")
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in block.rows]
    return "\n".join(lines)


def section_markdown(section: Section) -> str:
    """One section's body in Markdown (no heading): the app shows each section in its own block."""
    return "\n\n".join(_md_block(b) for b in section.blocks)


def markdown_document(bundle: Bundle, sections: Sequence[Section]) -> str:
    """The whole card as a Markdown document."""
    parts = [f"# Model card: {md_escape(bundle.name)}", "", md_escape(f"Version {bundle.version}. {LEAD}")]
    for i, section in enumerate(sections, 1):
        parts += ["", f"## {i}. {section.title}", "", section_markdown(section)]
    return "\n".join(parts).strip() + "\n"


def html_document(bundle: Bundle, sections: Sequence[Section]) -> str:
    """The whole card as one self-contained, printable HTML page (templates/model_card.html)."""
    return render("model_card.html", page="card", name=bundle.name, version=bundle.version, lead=LEAD,
                  sections=sections) + "\n"

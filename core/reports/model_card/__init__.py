"""The model card (TRIPOD+AI, "Model Facts"), generated only from a bundle's own files.

Every number comes from the bundle's manifest.json, performance.json and schema.json,
never from a view, so the card a committee downloads matches what the app shows and what
a test compares. The card is first built as plain data (``blocks``: sections of text,
facts, bullet lists and tables holding raw, unescaped strings), section by section
(``about``, ``performance``, ``governance``), then rendered to Markdown or to HTML
(``render``); each renderer escapes every data string itself, so a label such as
``<script>`` is shown, never run.
"""

from __future__ import annotations

from core.model.bundle import Bundle
from core.reports.model_card import about, governance, performance
from core.reports.model_card.blocks import Facts, Prose, Section, horizon_text, prose
from core.reports.model_card.governance import automatic_warnings
from core.reports.model_card.performance import weaker_subgroups
from core.reports.model_card.render import html_document, markdown_document, md_escape, section_markdown

__all__ = (
    "SECTION_TITLES",
    "Section",
    "automatic_warnings",
    "horizon_text",
    "md_escape",
    "model_card_html",
    "model_card_markdown",
    "model_card_sections",
    "section_markdown",
    "weaker_subgroups",
)

LICENCE = "MIT"

#: The section headings in order; tests check every one is present in both renderings.
SECTION_TITLES: tuple[str, ...] = (
    "Summary",
    "Intended use",
    "Outcome",
    "Data",
    "Patients and events",
    "Predictors",
    "Missing data",
    "Model development",
    "Discrimination",
    "Calibration",
    "Clinical utility (decision curve)",
    "Performance by subgroup",
    "Risk bands and thresholds",
    "Most influential inputs",
    "Limitations and warnings",
    "Version and provenance",
    "Licence and contact",
    "References",
)


def model_card_sections(bundle: Bundle) -> list[Section]:
    """The card as data, in SECTION_TITLES order."""
    sections = [
        about.summary(bundle), about.intended_use(bundle), about.outcome(bundle), about.data(bundle),
        about.splits(bundle), about.predictors(bundle), about.missing(bundle), about.development(bundle),
        performance.discrimination(bundle), performance.calibration(bundle), performance.utility(bundle),
        performance.subgroups(bundle), performance.bands(bundle), performance.importance(bundle),
        governance.limitations(bundle), governance.provenance(bundle),
        Section("Licence and contact", (Facts((("Licence", LICENCE),)), Prose(prose("licence")))),
        Section("References", (Prose(prose("references")),)),
    ]
    if tuple(s.title for s in sections) != SECTION_TITLES:
        raise RuntimeError("The model card's sections are out of step with SECTION_TITLES.")
    return sections


def model_card_markdown(bundle: Bundle) -> str:
    """The whole card as a Markdown document."""
    return markdown_document(bundle, model_card_sections(bundle))


def model_card_html(bundle: Bundle) -> str:
    """The whole card as one self-contained, printable HTML page; every data string is escaped."""
    return html_document(bundle, model_card_sections(bundle))

"""The model card as plain data: blocks of raw text, and the number formats every section uses.

Sections hold raw, unescaped strings; the renderers (model_card/render.py) escape them. Long
fixed prose lives in ``core/reports/text/model_card_*.md`` so it can be edited as text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from core.model.manifest import Target
from core.presentation.wording import NOT_AVAILABLE, number, percent

TEXT_DIR = Path(__file__).resolve().parents[1] / "text"


@dataclass(frozen=True)
class Text:
    """A paragraph of raw text (escaped by the renderer)."""

    text: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class Prose:
    """Trusted Markdown-lite from core/reports/text: paragraphs, "- " bullets, **bold** and `code`."""

    markdown: str
    kind: ClassVar[str] = "prose"


@dataclass(frozen=True)
class Facts:
    """Label: value pairs, shown as a bullet list with bold labels."""

    items: tuple[tuple[str, str], ...]
    kind: ClassVar[str] = "facts"


@dataclass(frozen=True)
class Bullets:
    """A bullet list of raw text."""

    items: tuple[str, ...]
    kind: ClassVar[str] = "bullets"


@dataclass(frozen=True)
class Table:
    """Rows of raw text under a header, with an optional caption."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    kind: ClassVar[str] = "table"


Block = Text | Prose | Facts | Bullets | Table


@dataclass(frozen=True)
class Section:
    """One numbered section of the card: a title and its blocks."""

    title: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)


@cache
def prose(name: str) -> str:
    """Fixed card prose from core/reports/text/model_card_NAME.md."""
    return (TEXT_DIR / f"model_card_{name}.md").read_text(encoding="utf-8").strip()


# ---------------------------------------------------------------------------- number formatting


def finite(x: Any) -> bool:
    """A real number that can be shown (not a bool, NaN or infinity)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def fmt_num(x: Any, digits: int = 3) -> str:
    """A statistic to ``digits`` decimals, or 'not available'."""
    return number(x, digits) if finite(x) else NOT_AVAILABLE


def fmt_pct(x: Any, digits: int = 1) -> str:
    """A share as a percent (the wording module's rule), or 'not available'."""
    return percent(x, digits) if finite(x) else NOT_AVAILABLE


def fmt_ci(lo: Any, hi: Any, digits: int = 3) -> str:
    """'95% CI 0.700-0.780', or 'CI not available' when either end is missing."""
    return f"95% CI {lo:.{digits}f}-{hi:.{digits}f}" if finite(lo) and finite(hi) else "CI not available"


def fmt_int(x: Any) -> str:
    """A count with thousands separators, or 'not available'."""
    return f"{int(x):,}" if finite(x) else NOT_AVAILABLE


def horizon_text(target: Target) -> str:
    """The prediction horizon named in the outcome label, definition or column, if any."""
    for source in (target.label, target.definition, target.column):
        m = re.search(r"(\d+)\s*[- ]?\s*(?:days?\b|d\b)", str(source), flags=re.IGNORECASE)
        if m:
            return f"{int(m.group(1))} days after discharge"
    return "not stated in the bundle; check the outcome definition with the data owner"

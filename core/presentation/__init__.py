"""How Lantern presents a result: the words for a number (``wording``) and the colours (``palette``).

The app, the HTML downloads and the CDS Hooks card import these, so a risk, a missing value
and a colour read the same everywhere.
"""

from core.presentation.wording import (
    HORIZON,
    NOT_AVAILABLE,
    NOT_RECORDED,
    format_risk,
    natural_frequency,
    percent,
    plural,
    points_text,
    whole_count,
)

__all__ = (
    "HORIZON",
    "NOT_AVAILABLE",
    "NOT_RECORDED",
    "format_risk",
    "natural_frequency",
    "percent",
    "plural",
    "points_text",
    "whole_count",
)

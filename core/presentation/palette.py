"""The one colour palette: Okabe-Ito hues (safe for the common colour-vision deficiencies) by role.

Every chart in views/charts and every HTML page takes its colours from the roles below, never
from a hex literal of its own (tests/presentation/test_palette.py greps for them), so a reader
learns once that blue is the model, vermillion what was observed, grey a reference.
Okabe M, Ito K. Color Universal Design (2008); Wong B. Points of view: color blindness.
Nat Methods 2011;8:441.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

# ---- the Okabe-Ito hues, and the greys that carry no meaning of their own -------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

INK = "#1B1F24"
DARK_GREY = "#333333"
GREY = "#999999"
LIGHT_GREY = "#CFD6DE"
RULE_GREY = "#D9E2EC"
PALE = "#F0F4F8"
MUTED_TEXT = "#5B6470"
WARN_BACKGROUND = "#FFF7E6"
WHITE = "#FFFFFF"

# ---- roles -----------------------------------------------------------------------------------
#: The model's own curve, line or bar.
MODEL = BLUE
#: A lighter shade of the model for large areas (volume bars, histograms, predicted-risk bars).
MODEL_LIGHT = SKY_BLUE
#: What happened: observed rates, O/E, band cut-offs drawn over the model's bars.
OBSERVED = VERMILLION
#: Comparators (LACE, HOSPITAL, other scores) in a fixed order after the model.
COMPARATORS = (ORANGE, BLUISH_GREEN, REDDISH_PURPLE, SKY_BLUE, YELLOW)
#: Reference lines: chance, "treat all", ideal calibration, thresholds.
REFERENCE = GREY
#: "Treat none" and other strong neutral marks (the chosen capacity, value labels).
NEUTRAL_DARK = DARK_GREY
#: Values with no low-to-high order: a category, or a value that was not recorded.
NEUTRAL = GREY
#: A patient's drivers: what raises the estimate and what lowers it.
RAISES = VERMILLION
LOWERS = BLUE
#: The waterfall's starting point (the average patient) and its end (this patient).
BASELINE = GREY
TOTAL = INK
#: A numeric input's value from low to high (beeswarm), interpolated between the two.
LOW_VALUE = BLUE
HIGH_VALUE = ORANGE
#: Icon array: patients with the event, and the rest.
EVENT = VERMILLION
NON_EVENT = LIGHT_GREY
#: Drift test verdict per input.
DRIFT_DIFFERS = VERMILLION
DRIFT_SIMILAR = SKY_BLUE
#: Counts from few to many (confusion matrix cells).
SEQUENTIAL = (PALE, BLUE)
#: Risk bands by name; a band name not listed here is drawn in the model's colour.
BANDS = MappingProxyType({"low": SKY_BLUE, "moderate": ORANGE, "intermediate": ORANGE, "high": VERMILLION})
#: The same bands as Streamlit badge colour names (badges take names, not hex colours).
BAND_BADGES = MappingProxyType({"low": "blue", "moderate": "orange", "intermediate": "orange", "high": "red"})

#: The HTML pages' CSS custom properties (core/reports/templates/lantern.css uses only these).
CSS_VARIABLES = MappingProxyType({
    "ink": INK,
    "muted": MUTED_TEXT,
    "rule": RULE_GREY,
    "header": PALE,
    "accent": ORANGE,
    "raises": RAISES,
    "lowers": LOWERS,
    "warn": ORANGE,
    "warn-background": WARN_BACKGROUND,
    "badge": PALE,
})


def band_colour(name: str) -> str:
    """The colour of a risk band by its name (any case); unknown names get the model's colour."""
    return BANDS.get(str(name).lower(), MODEL)


def band_colours(names: Iterable[str]) -> tuple[str, ...]:
    """Colours for bands in the order given, for an Altair scale's range."""
    return tuple(band_colour(n) for n in names)


def badge_colour(band: str) -> str:
    """The Streamlit badge colour name of a band; grey for a band with no colour of its own."""
    return BAND_BADGES.get(str(band).lower(), "gray")


def comparator_colours(count: int) -> tuple[str, ...]:
    """``count`` comparator colours, repeating the sequence when there are more comparators than hues."""
    return tuple(COMPARATORS[i % len(COMPARATORS)] for i in range(count))


def css_variables() -> str:
    """The palette as a CSS ``:root`` block, inlined before the stylesheet of every HTML page."""
    body = "".join(f"--{name}:{value};" for name, value in CSS_VARIABLES.items())
    return f":root{{{body}}}"

"""How Lantern words a number: risks, shares, percentage points, counts and missing values.

The patient page, the cohort page, the downloads and the CDS Hooks card all say "18%",
"<1%", "not recorded" and "1 patient" through these functions, so the same risk never
reads two ways. Pure functions of plain values: no Streamlit, pandas or files.

The rounding rule (one rule, everywhere):

- A patient's risk is a whole percent: ``0.183`` -> "18%". Below 1% it reads "<1%" and
  above 99% ">99%", so no estimate ever claims 0% or 100%: ``0.007`` -> "<1%".
- The "N of 100 patients like this" sentence and the icon array use the same whole number
  (:func:`whole_count`), so "<1%" goes with "fewer than 1 of 100" and no filled icon.
- Shares and rates of a group (mean risk, observed rate, PPV, a threshold) use
  :func:`percent` with one decimal, or none where a column shows whole percents.
- A step of a patient's waterfall, and the risk it adds up to, has one decimal
  (:func:`risk_with_decimal`): the drivers are given to a tenth of a point, so the sum must be too.
"""

from __future__ import annotations

import math
import re
from numbers import Real

from core.policy import OUTCOME_HORIZON_DAYS, RELIABILITY_MIN_EVENTS, RELIABILITY_MIN_PATIENTS

#: The one wording for a value that was not recorded (a missing input, a missing category).
NOT_RECORDED = "not recorded"
#: The wording for a number that could not be computed (NaN, too few patients).
NOT_AVAILABLE = "not available"
#: What a table cell shows for a number that is missing.
MISSING_CELL = "-"
#: The outcome window in words, for sentences about a patient's risk.
HORIZON = f"within {OUTCOME_HORIZON_DAYS} days"
#: The unit of a driver's contribution.
POINTS_UNIT = "points"
MINUS = "\u2212"


def _finite(value: object) -> float | None:
    """``value`` as a finite float, or None for None, NaN, infinity, booleans and unreadable text."""
    if isinstance(value, bool) or not isinstance(value, Real):
        try:
            value = float(value)  # type: ignore[arg-type]  # numpy scalars, Decimal
        except (TypeError, ValueError):
            return None
    number = float(value)
    return number if math.isfinite(number) else None


def format_risk(risk: object) -> str:
    """A patient's risk (0-1) as a whole percent: 0.183 -> "18%", 0.007 -> "<1%", 0.996 -> ">99%"."""
    value = _finite(risk)
    if value is None:
        return NOT_AVAILABLE
    pct = value * 100.0
    if pct < 1.0:
        return "<1%"
    if pct > 99.0:
        return ">99%"
    return f"{pct:.0f}%"


def risk_with_decimal(percent_value: float) -> str:
    """A risk already in percent, to a tenth: 18.34 -> "18.3%" (waterfall steps add up to it)."""
    return f"{percent_value:.1f}%"


def whole_count(risk: object, total: int = 100) -> int:
    """How many of ``total`` patients a risk means: 0 below one patient, else rounded, at most ``total``."""
    value = _finite(risk)
    if value is None:
        return 0
    expected = value * total
    return 0 if expected < 1.0 else int(min(round(expected), total))


def natural_frequency(risk: object, horizon: str = HORIZON) -> str:
    """'About 18 of 100 patients like this are readmitted within 30 days.'"""
    if _finite(risk) is None:
        return "The risk could not be estimated."
    k = whole_count(risk)
    if k < 1:
        return f"Fewer than 1 of 100 patients like this are readmitted {horizon}."
    if k >= 100:
        return f"Almost all of 100 patients like this are readmitted {horizon}."
    return f"About {k} of 100 patients like this {'is' if k == 1 else 'are'} readmitted {horizon}."


def percent(share: object, digits: int = 1, missing: str = MISSING_CELL) -> str:
    """A share of a group (0-1) as a percent: 0.1234 -> "12.3%"; NaN or unreadable -> ``missing``."""
    value = _finite(share)
    return missing if value is None else f"{100.0 * value:.{digits}f}%"


def points_text(points: float) -> str:
    """Percentage points with an explicit sign: +3.1 points / −0.4 points."""
    sign = "+" if points >= 0 else MINUS
    return f"{sign}{abs(points):.1f} {POINTS_UNIT}"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """'1 patient', '2 patients', '1,200 patients' ('1 child', '2 children' with ``plural_noun``)."""
    word = noun if count == 1 else (plural_noun or f"{noun}s")
    return f"{count:,} {word}"


def was_were(count: int) -> str:
    """The verb that agrees with a count: 'was' for one, 'were' for any other number."""
    return "was" if count == 1 else "were"


def number(value: object, digits: int = 3, missing: str = MISSING_CELL) -> str:
    """A statistic to fixed decimals (AUC 0.741); NaN or unreadable -> ``missing``."""
    finite = _finite(value)
    return missing if finite is None else f"{finite:.{digits}f}"


def with_unit(value: str, unit: str | None) -> str:
    """A shown value with its unit, when it has one: ('5', 'days') -> '5 days'."""
    return f"{value} {unit}" if unit else value


def too_few(patients: str = "patients", events: str = "events") -> str:
    """The reliability floor in words: 'fewer than 30 patients or fewer than 5 events' (numbers from core.policy)."""
    return f"fewer than {RELIABILITY_MIN_PATIENTS} {patients} or fewer than {RELIABILITY_MIN_EVENTS} {events}"


_MD_SPECIAL = re.compile(r"([\\`*\[\]|~$#])")
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword _ is literal already


def markdown_text(text: object) -> str:
    """Raw text (a value from a file or a request) as Markdown that shows it literally: no emphasis, links,
    maths, tables or HTML, and no newlines (they would break tables and lists). The model card and the CDS
    Hooks cards both use it."""
    s = _MD_SPECIAL.sub(r"\\\1", str(text))
    s = _LONE_UNDERSCORE.sub(r"\\_", s)
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(s.split())

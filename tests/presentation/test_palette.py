"""One colour-blind-safe palette: no hex colour is written anywhere in core/ or views/ but the palette module."""

from __future__ import annotations

import re

from core.presentation import palette
from tests.conftest import ROOT

HEX = re.compile(r"#[0-9a-fA-F]{6}\b")
PALETTE_FILE = "core/presentation/palette.py"
SCANNED_SUFFIXES = (".py", ".css", ".html", ".md", ".json", ".toml")
OKABE_ITO = frozenset({"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"})


def _hex_literals() -> list[str]:
    found = []
    for package in ("core", "views"):
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT).as_posix()
            if path.suffix not in SCANNED_SUFFIXES or rel == PALETTE_FILE:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                found += [f"{rel}:{number}: {m}" for m in HEX.findall(line)]
    return found


def test_no_hex_colour_outside_the_palette() -> None:
    assert _hex_literals() == []


def test_the_scan_would_see_a_hex_colour() -> None:
    assert HEX.findall('mark_bar(color="#1f5f8b")') == ["#1f5f8b"]
    assert not HEX.findall("#N/A #12345 #1234567")


def test_every_meaningful_role_is_an_okabe_ito_hue() -> None:
    roles = (palette.MODEL, palette.MODEL_LIGHT, palette.OBSERVED, palette.RAISES, palette.LOWERS,
             palette.EVENT, palette.LOW_VALUE, palette.HIGH_VALUE, palette.DRIFT_DIFFERS, palette.DRIFT_SIMILAR,
             *palette.COMPARATORS, *palette.BANDS.values())
    assert set(roles) <= OKABE_ITO
    assert palette.RAISES != palette.LOWERS and palette.MODEL not in palette.COMPARATORS
    assert palette.band_colours(["low", "High", "custom"]) == (palette.SKY_BLUE, palette.VERMILLION, palette.MODEL)
    assert len(set(palette.comparator_colours(5))) == 5 and len(palette.comparator_colours(7)) == 7
    assert palette.badge_colour("Moderate") == "orange" and palette.badge_colour("other") == "gray"


def test_css_variables_cover_the_stylesheet() -> None:
    css = (ROOT / "core" / "reports" / "templates" / "lantern.css").read_text(encoding="utf-8")
    used = set(re.findall(r"var\(--([a-z-]+)\)", css))
    assert used and used <= set(palette.CSS_VARIABLES)
    assert palette.css_variables().startswith(":root{--ink:")

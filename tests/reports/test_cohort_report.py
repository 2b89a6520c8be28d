"""The HTML cohort report: complete, self-contained and escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

from core.reports.cohort_report import ReportInput, cohort_report_html, table_html

EVIL = "<script>alert('x')</script>"


def _input(**overrides) -> ReportInput:  # type: ignore[no-untyped-def]
    base = {
        "file_name": f"ward {EVIL}.csv",
        "model_name": "Lantern <b>model</b>",
        "model_version": "0.1.0+abc",
        "generated": "2026-01-01 10:00 UTC",
        "counts": {"read": 1200, "scored": 1190, "rejected": 10},
        "filters": "service: cardiology & <surgery>",
        "n_shown": 1190,
        "bands": pd.DataFrame({"band": ["low", "high"], "lower": [0.0, 0.2], "upper": [0.2, 1.0], "n": [900, 290],
                               "share": [0.756, 0.244], "mean_risk": [0.08, 0.31], "observed_rate": [0.07, 0.33]}),
        "worklist": pd.DataFrame({"encounter_id": [EVIL, "E2"], f"col {EVIL}": ["a", "b"], "rank": [1, 2],
                                  "risk": [0.456, 0.301], "top_reasons": ["Age: 90 years (+5.0 points) & more", "x"]}),
        "performance": {"auc": 0.74, "auc_ci": [0.70, 0.78], "brier": 0.12, "calibration_intercept": 0.05,
                        "calibration_slope": 0.97, "observed_expected": 1.04, "n": 1190, "events": 200},
        "drift": [f"Patients in this file are older {EVIL}"],
        "identifiers_dropped": [f"name {EVIL}"],
        "notes": ["Note & caveat"],
        "intended_use": "Supports, and does not replace, clinical judgement.",
    }
    base.update(overrides)
    return ReportInput(**base)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_everything_from_the_file_is_escaped() -> None:
    html = cohort_report_html(_input())
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "<b>model</b>" not in html
    parser = _Collector()
    parser.feed(html)
    assert set(parser.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "span", "br",
                                "b", "table", "thead", "tbody", "tr", "th", "td", "ul", "li"}
    text = "".join(parser.text)
    assert EVIL in text  # shown as text, not run
    assert "service: cardiology & <surgery>" in text


def test_report_holds_the_numbers() -> None:
    parser = _Collector()
    parser.feed(cohort_report_html(_input()))
    text = " ".join(parser.text)
    for expected in ("1,200", "1,190", "45.6%", "75.6%", "0.740 (95% CI 0.700 to 0.780)", "Observed / expected",
                     "associations in the model, not causes", "Note & caveat", "30-day readmission"):
        assert expected in text, expected


def test_self_contained_no_scripts_links_or_remote_resources() -> None:
    html = cohort_report_html(_input())
    assert not re.search(r"(src|href)\s*=", html, re.IGNORECASE)
    assert "http" not in html.lower().replace("&lt;", "")  # no remote resources
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")


def test_optional_sections_are_left_out() -> None:
    html = cohort_report_html(_input(performance=None, drift=(), identifiers_dropped=(), notes=[]))
    assert "Performance on this file" not in html
    assert "Compared with the data" not in html
    assert "Identifier-like columns" not in html


def test_table_html_formats_percent_columns_and_missing() -> None:
    out = table_html(pd.DataFrame({"risk": [0.1234, float("nan")], "n": [3, 4]}), percent_columns=("risk",))
    assert "<td>12.3%</td>" in out and "<td>-</td>" in out and "<td>3</td>" in out

"""One rule for every risk, share, count and missing value Lantern shows (core/presentation/wording.py)."""

from __future__ import annotations

import pytest

from core import policy
from core.presentation import wording
from views.charts.icon_array import icon_counts


@pytest.mark.parametrize("risk, shown", [
    (0.183, "18%"), (0.007, "<1%"), (0.0, "<1%"), (0.01, "1%"), (0.0149, "1%"), (0.99, "99%"),
    (0.993, ">99%"), (1.0, ">99%"), (float("nan"), "not available"), (None, "not available"),
])
def test_a_risk_is_a_whole_percent_never_zero_or_hundred(risk: float, shown: str) -> None:
    assert wording.format_risk(risk) == shown


def test_the_sentence_and_the_icons_count_the_same_patients() -> None:
    for risk in (0.004, 0.007, 0.01, 0.183, 0.5, 0.994, 1.0):
        k = wording.whole_count(risk)
        assert icon_counts(risk) == k
        sentence = wording.natural_frequency(risk)
        if k == 0:
            assert sentence.startswith("Fewer than 1 of 100") and wording.format_risk(risk) == "<1%"
        elif k < 100:
            assert sentence.startswith(f"About {k} of 100")
    assert wording.natural_frequency(0.01) == "About 1 of 100 patients like this is readmitted within 30 days."
    assert wording.natural_frequency(float("nan")) == "The risk could not be estimated."


def test_shares_points_counts_and_units() -> None:
    assert wording.percent(0.1234) == "12.3%" and wording.percent(0.5, 0) == "50%"
    assert wording.percent(float("nan")) == "-" and wording.percent("x", missing="n/a") == "n/a"
    assert wording.points_text(3.14) == "+3.1 points" and wording.points_text(-0.44) == "\u22120.4 points"
    assert wording.plural(1, "patient") == "1 patient" and wording.plural(2, "patient") == "2 patients"
    assert wording.plural(1200, "child", "children") == "1,200 children" and wording.plural(0, "row") == "0 rows"
    assert wording.was_were(1) == "was" and wording.was_were(3) == "were"
    assert wording.number(0.74123) == "0.741" and wording.number(None) == "-"
    assert wording.with_unit("5", "days") == "5 days" and wording.with_unit("5", None) == "5"
    assert wording.risk_with_decimal(18.34) == "18.3%"


def test_the_floor_and_horizon_come_from_policy() -> None:
    assert wording.too_few() == (f"fewer than {policy.RELIABILITY_MIN_PATIENTS} patients or fewer than "
                                 f"{policy.RELIABILITY_MIN_EVENTS} events")
    assert f"within {policy.OUTCOME_HORIZON_DAYS} days" == wording.HORIZON
    assert wording.NOT_RECORDED == "not recorded"


def test_the_app_and_the_downloads_use_the_same_words() -> None:
    from core.analytics import cohort, drift
    from core.reports import patient_summary
    from views.charts import dependence
    from views.components import patient_form

    for module in (cohort, drift, dependence, patient_form):
        assert module.NOT_RECORDED is wording.NOT_RECORDED
    assert patient_summary.format_risk is wording.format_risk
    assert patient_summary.natural_frequency is wording.natural_frequency


def test_text_files_take_the_floor_from_policy() -> None:
    from views.shared import TEXT_DIR, text

    shown = text("cohort_monitoring")
    assert f"fewer than {policy.RELIABILITY_MIN_PATIENTS} patients or fewer than {policy.RELIABILITY_MIN_EVENTS} " \
           "readmissions" in shown
    for path in TEXT_DIR.glob("*.md"):
        assert "{" not in text(path.stem), path.name


def test_markdown_text_shows_hostile_text_literally() -> None:
    """A value from a file or a request cannot become a link, emphasis, a table cell break or HTML."""
    hostile = "[click](javascript:alert(1)) **bold** | cell\n<img src=x onerror=y> _x_ $5 length_of_stay"
    shown = wording.markdown_text(hostile)
    assert shown == ("\\[click\\](javascript:alert(1)) \\*\\*bold\\*\\* \\| cell &lt;img src=x onerror=y&gt; "
                     "\\_x\\_ \\$5 length_of_stay")

"""The same uploaded file gives the same AUC interval on the cohort page and in its HTML report.

Both take their resamples from core.policy.bootstrap_resamples and the same seed; before,
the screen used 1,000 and the report 200, so one file showed two different intervals.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from core import policy
from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT, ROOT

PAGE = str(ROOT / "views" / "cohort.py")
INTERVAL = re.compile(r"95% CI (\d\.\d{3}) to (\d\.\d{3}); ([\d,]+) stratified bootstrap resamples")


@pytest.fixture(scope="module")
def performance_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    at.session_state["cohort_upload"] = ("demo_cohort.csv", DEMO_COHORT.read_bytes())
    at.run()
    at.session_state["cohort_section"] = "Performance"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_screen_and_report_show_the_same_auc_interval(performance_page: AppTest) -> None:
    from core.analytics.cohort import Filters
    from views.components.cohort_downloads import report_builder
    from views.components.cohort_filters import FilteredView

    caption = next(c.value for c in performance_page.caption if INTERVAL.search(c.value))
    lo, hi, resamples = INTERVAL.search(caption).groups()  # type: ignore[union-attr]
    (run,) = performance_page.session_state["cohort_results"].values()
    tables = run.upload.tables
    labelled = int(tables.table["outcome"].notna().sum())
    assert resamples == f"{policy.bootstrap_resamples(labelled):,}"

    view = FilteredView(tables, Filters(), "all", len(tables.table))
    html = report_builder(Engine.load(configured_bundle_path()), run, view)().decode("utf-8")
    assert f"(95% CI {lo} to {hi})" in html
    assert f"AUC interval: {resamples} stratified bootstrap resamples, seed {policy.BOOTSTRAP_SEED}." in html


def test_the_resample_policy_depends_only_on_the_file_size() -> None:
    assert policy.bootstrap_resamples(policy.LARGE_COHORT_ROWS) == policy.BOOTSTRAP_RESAMPLES
    assert policy.bootstrap_resamples(policy.LARGE_COHORT_ROWS + 1) == policy.BOOTSTRAP_RESAMPLES_LARGE
    assert policy.subgroup_bootstrap_resamples(100) == policy.SUBGROUP_BOOTSTRAP_RESAMPLES
    assert policy.subgroup_bootstrap_resamples(10**6) == policy.SUBGROUP_BOOTSTRAP_RESAMPLES_LARGE

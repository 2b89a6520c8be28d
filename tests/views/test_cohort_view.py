"""The cohort page in AppTest: demo cohort, malformed uploads, every section, a selected patient, two sessions.

AppTest cannot drive ``st.file_uploader``, so files go in the way the uploader's callback
puts them: ``st.session_state["cohort_upload"] = (name, bytes)``.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.data.csvio import to_csv_bytes
from core.model.bundle import configured_bundle_path
from core.scoring.cli import main as score_main
from core.scoring.engine import Engine
from tests.conftest import DEMO_COHORT, DEMO_UNLABELLED, ROOT

PAGE = str(ROOT / "views" / "cohort.py")
DEMO_BYTES = DEMO_COHORT.read_bytes()


@pytest.fixture(scope="module")
def app_engine() -> Engine:
    return Engine.load(configured_bundle_path())


def _app() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    return at


def _load(at: AppTest, name: str, data: bytes) -> AppTest:
    at.session_state["cohort_upload"] = (name, data)
    return at.run()


def _section(at: AppTest, name: str) -> AppTest:
    at.session_state["cohort_section"] = name
    return at.run()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture(scope="module")
def demo_app() -> AppTest:
    return _load(_app(), "demo_cohort.csv", DEMO_BYTES)


def test_empty_page_explains_privacy_and_offers_the_demo() -> None:
    at = _app()
    _ok(at)
    assert any("processed in memory only" in i.value for i in at.info)
    assert "discarded" in at.info[0].value
    assert at.button(key="cohort_demo").label == "Load the demo cohort"
    assert not at.metric and not at.dataframe


def test_demo_button_loads_and_scores_the_demo_cohort() -> None:
    at = _app()
    at.button(key="cohort_demo").click().run()
    _ok(at)
    m = _metrics(at)
    assert (m["Rows read"], m["Scored"], m["Rejected"]) == ("2,000", "2,000", "0")
    name, data = at.session_state["cohort_upload"]
    assert name == "demo_cohort.csv" and data == DEMO_BYTES


def test_worklist_is_ranked_with_reasons(demo_app: AppTest, app_engine: Engine) -> None:
    at = _section(demo_app, "Worklist")
    _ok(at)
    table = at.dataframe[0].value
    assert len(table) == 2000
    assert table["risk"].is_monotonic_decreasing and table["rank"].iloc[0] == 1
    assert table["top_reasons"].str.count(r" \| ").eq(2).mean() > 0.99
    assert set(table["band"]) <= {b["name"] for b in app_engine.bundle.bands}
    assert [d.label for d in at.get("download_button")] == ["Download scored CSV", "Download HTML report"]


def test_results_are_cached_by_content_hash_and_bundle_version(demo_app: AppTest, app_engine: Engine) -> None:
    results = demo_app.session_state["cohort_results"]
    (key, run), = results.items()
    assert key.endswith(":" + app_engine.bundle.version) and len(key.split(":")[0]) == 64
    demo_app.run()
    assert demo_app.session_state["cohort_results"][key] is run  # not rescored on a rerun


def test_scored_csv_is_exactly_what_the_cli_writes(demo_app: AppTest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from views.components.cohort_downloads import scored_csv_bytes

    (run,) = demo_app.session_state["cohort_results"].values()
    out = tmp_path / "cli.csv"
    assert score_main(["--bundle", str(configured_bundle_path()), "--input", str(DEMO_COHORT),
                       "--output", str(out)]) == 0
    assert scored_csv_bytes(run) == out.read_bytes()
    assert scored_csv_bytes(run) == to_csv_bytes(run.upload.result.output)


def test_selected_patient_opens_the_full_explanation(demo_app: AppTest) -> None:
    at = _section(demo_app, "Worklist")
    top = at.dataframe[0].value.iloc[0]
    (run,) = at.session_state["cohort_results"].values()
    index = int(run.upload.tables.table.index[run.upload.tables.table["row"] == top["row"]][0])
    at.session_state["cohort_selected"] = index
    at.run()
    _ok(at)
    assert any(s.value.startswith("Patient:") and f"row {int(top['row']):,}" in s.value for s in at.subheader)
    risk = _metrics(at)["30-day readmission risk"]
    assert risk.rstrip("%").lstrip("<>") == f"{top['risk'] * 100:.0f}" or risk in ("<1%", ">99%")
    assert any("What drives this estimate" in md.value for md in at.markdown)
    at.button(key="cohort_close_patient").click().run()
    assert "cohort_selected" not in at.session_state
    assert not any(s.value.startswith("Patient:") for s in at.subheader)


def test_search_narrows_the_worklist(demo_app: AppTest) -> None:
    at = _section(demo_app, "Worklist")
    first = at.dataframe[0].value.iloc[5]
    id_col = next(c for c in at.dataframe[0].value.columns if c.endswith("_id"))
    search = next(t for t in at.text_input if t.key.startswith("cohort_search_"))
    search.input(str(first[id_col])).run()
    table = at.dataframe[0].value
    assert 1 <= len(table) < 2000 and (table[id_col] == first[id_col]).any()
    search.input("").run()


@pytest.mark.parametrize("section, expected", [
    ("Analytics", "Mean predicted risk"),
    ("Performance", "AUC (C-statistic)"),
    ("Drift", "inputs"),
    ("Monitoring", "left out"),
    ("Rows and flags", "Flags on scored rows"),
])
def test_every_section_renders(demo_app: AppTest, section: str, expected: str) -> None:
    at = _section(demo_app, section)
    _ok(at)
    texts = [m.label for m in at.metric] + [x.value for x in (*at.info, *at.success, *at.warning, *at.subheader,
                                                              *at.caption, *at.markdown)]
    assert any(expected in t for t in texts), texts[:20]
    assert len(at.get("vega_lite_chart")) >= (1 if section not in ("Rows and flags",) else 0)


def test_performance_and_capacity_numbers(demo_app: AppTest) -> None:
    at = _section(demo_app, "Performance")
    m = _metrics(at)
    assert 0.5 < float(m["AUC (C-statistic)"]) < 0.9
    for label in ("Calibration slope", "Brier score", "Observed / expected", "Accuracy", "Precision (PPV)",
                  "Recall (sensitivity)", "F1", "Risk threshold", "Flagged per 100 discharges", "PPV", "Sensitivity"):
        assert label in m, label
    slider = at.slider(key="cohort_threshold")
    slider.set_value(0.5).run()
    high = _metrics(at)
    assert float(high["Recall (sensitivity)"].rstrip("%")) < float(m["Recall (sensitivity)"].rstrip("%"))
    assert any("bootstrap" in c.value for c in at.caption)
    assert any("taken from the date column" in c.value for c in at.caption)
    subgroups = next(d.value for d in at.dataframe if "level" in d.value.columns)
    assert {"auc", "auc_lo", "auc_hi", "note"} <= set(subgroups.columns)


def test_filters_apply_to_every_section(demo_app: AppTest) -> None:
    at = _section(demo_app, "Worklist")
    service = next(ms for ms in at.multiselect if ms.label == "Service")
    pick = service.options[-1]
    service.set_value([pick]).run()
    _ok(at)
    table = at.dataframe[0].value
    assert 0 < len(table) < 2000 and (table["service"] == pick).all()
    assert any("Showing" in c.value and "of 2,000" in c.value for c in at.caption)
    at = _section(at, "Performance")
    subgroups = next(d.value for d in at.dataframe if "level" in d.value.columns)
    assert "Service" not in set(subgroups["variable"])  # one service left: nothing to break down by
    assert subgroups.loc[subgroups["variable"] == "Sex", "n"].sum() == len(table)
    small = subgroups[(subgroups["n"] < 30) | (subgroups["events"] < 5)]
    assert (small["note"].str.contains("too few")).all()
    at = _section(at, "Worklist")
    service = next(ms for ms in at.multiselect if ms.label == "Service")
    service.set_value([]).run()
    assert len(at.dataframe[0].value) == 2000


def test_unlabelled_file_says_why_there_is_no_performance() -> None:
    at = _load(_app(), "demo_unlabelled.csv", DEMO_UNLABELLED.read_bytes())
    _ok(at)
    at = _section(at, "Performance")
    _ok(at)
    assert any("no outcome column" in i.value for i in at.info)
    assert "Risk threshold" in _metrics(at) and "PPV" not in _metrics(at)
    at = _section(at, "Monitoring")
    assert any("needs dates and outcomes" in i.value for i in at.info)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b'{"patients": [1, 2, 3]}', "JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV"),
    (b"colour,shape\nred,round\nblue,square\n", "none of the model's"),
    (b"encounter_id\n", "no data rows"),
])
def test_malformed_uploads_get_a_plain_message(data: bytes, message: str) -> None:
    at = _load(_app(), "bad.csv", data)
    assert not at.exception
    assert len(at.error) == 1
    text = at.error[0].value
    assert text.startswith("This file could not be used.") and message.lower() in text.lower(), text
    assert "Traceback" not in text and not at.metric and not at.dataframe


def test_rejected_rows_are_reported_and_identifier_columns_dropped() -> None:
    raw = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(60)
    numeric = next(c for c in ("age", "length_of_stay_days") if c in raw.columns)
    raw.loc[[3, 7], numeric] = "abc"
    raw.insert(0, "patient_name", [f"Ann Lee{i}" for i in range(60)])
    raw["phone"] = "(555) 123-4567"
    at = _load(_app(), "phi.csv", raw.to_csv(index=False).encode())
    assert not at.exception
    m = _metrics(at)
    assert (m["Rows read"], m["Scored"], m["Rejected"]) == ("60", "58", "2")
    assert any("looked like patient identifiers" in w.value for w in at.warning)
    listed = next(d.value for d in at.dataframe if "Looks like" in d.value.columns)
    assert listed["Column"].tolist() == ["patient_name", "phone"]
    worklist = next(d.value for d in at.dataframe if "rank" in d.value.columns)
    assert "patient_name" not in worklist.columns and "phone" not in worklist.columns
    at = _section(at, "Rows and flags")
    rejected = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert rejected["row"].tolist() == [4, 8] and rejected["reason"].str.contains(numeric).all()


def test_two_sessions_never_see_each_others_data() -> None:
    first = _load(_app(), "demo_cohort.csv", DEMO_BYTES)
    second = _app()
    _ok(second)
    assert "cohort_upload" not in second.session_state and "cohort_results" not in second.session_state
    assert not second.dataframe and not second.metric
    second = _load(second, "demo_unlabelled.csv", DEMO_UNLABELLED.read_bytes())
    assert _metrics(second)["Rows read"] == "500"
    first.run()
    assert _metrics(first)["Rows read"] == "2,000"
    assert len(first.dataframe[0].value) == 2000 and len(second.dataframe[0].value) == 500
    (k1,), (k2,) = first.session_state["cohort_results"].keys(), second.session_state["cohort_results"].keys()
    assert k1 != k2


def test_html_report_download_builds_an_escaped_report(demo_app: AppTest, app_engine: Engine) -> None:
    from core.analytics.cohort import Filters
    from views.components.cohort_downloads import report_builder
    from views.components.cohort_filters import FilteredView

    (run,) = demo_app.session_state["cohort_results"].values()
    view = FilteredView(run.upload.tables, Filters(), "all", len(run.upload.tables.table))
    html = report_builder(app_engine, run, view)().decode("utf-8")
    assert "Lantern cohort report: demo_cohort.csv" in html
    assert "Performance on this file" in html and "Compared with the data the model learned from" in html
    assert "<script" not in html.lower()


def test_no_view_reaches_into_validation_internals() -> None:
    """Views read a result through its accessors (counts, rejected, clean_inputs ...), never ``.validation``."""
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "views").rglob("*.py"))
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if ".validation" in line]
    assert not offenders, offenders


def test_reading_notices_name_absent_inputs_and_unreadable_outcomes_and_dates() -> None:
    frame = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(30).drop(columns=["sodium_mmol_l"])
    frame.loc[[1, 4], "readmitted_30d"] = ["2", "maybe"]
    frame.loc[3, "admission_date"] = "soon"
    frame.loc[[5, 6, 8], "sex"] = "F"
    at = _load(_app(), "odd.csv", to_csv_bytes(frame))
    assert not at.exception and not at.error
    warnings = " ".join(w.value for w in at.warning)
    assert "every row reads them as 'not recorded': sodium_mmol_l" in warnings
    assert "2 rows' outcomes in 'readmitted_30d' could not be read ('2', 'maybe')" in warnings
    assert "1 date in 'admission_date' could not be read ('soon')" in warnings
    assert any("sex: F -> female (3 rows)" in i.value for i in at.info)


def test_rows_with_no_estimate_are_listed_with_their_reason() -> None:
    """A child and a row without the needed inputs are read, get no risk, and appear with why: counts add up."""
    frame = pd.read_csv(DEMO_COHORT, dtype=str, keep_default_na=False).head(40)
    frame.loc[2, "age"] = "10"
    frame.loc[5, ["age", "length_of_stay_days"]] = ""
    at = _load(_app(), "mixed.csv", to_csv_bytes(frame))
    assert not at.exception and not at.error
    m = _metrics(at)
    assert (m["Rows read"], m["Scored"], m["Not eligible"], m["Insufficient data"]) == ("40", "38", "1", "1")
    at = _section(at, "Rows and flags")
    listed = next(d.value for d in at.dataframe if "status" in d.value.columns and "reason" in d.value.columns)
    assert listed["row"].tolist() == [3, 6]
    assert listed["status"].tolist() == ["not eligible", "insufficient data"]
    assert listed["reason"].str.len().gt(0).all()

"""Cohort summaries: the analysis table, filters, counts, trends, capacity, monitoring and the upload path."""

from __future__ import annotations

import io
from datetime import date

import numpy as np
import pandas as pd
import pytest

from core.analytics import cohort, metrics
from core.data.csvio import read_csv_path
from core.model.bundle import configured_bundle_path
from core.scoring.engine import Engine
from core.scoring.upload import UploadResult, score_upload
from tests.conftest import DEMO_COHORT, DEMO_UNLABELLED


@pytest.fixture(scope="module")
def app_engine() -> Engine:
    """The bundle the app serves (LANTERN_BUNDLE or the default)."""
    return Engine.load(configured_bundle_path())


@pytest.fixture(scope="module")
def demo(app_engine: Engine) -> UploadResult:
    return score_upload(app_engine, DEMO_COHORT.read_bytes())


def _table(n: int = 400, seed: int = 0, start: str = "2024-01-01", days: int = 180) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    risk = rng.beta(2, 9, n)
    return pd.DataFrame({
        "row": np.arange(1, n + 1),
        "risk": risk,
        "band": np.where(risk < 0.12, "low", np.where(risk < 0.24, "moderate", "high")).astype(object),
        "top_reasons": [f"reason {i}" for i in range(n)],
        "flags": "",
        "date": pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D"),
        "age_band": rng.choice(["45-64", "65-74"], n).astype(object),
        "sex": rng.choice(["female", "male"], n).astype(object),
        "service": rng.choice(["cardiology", "surgery", "oncology"], n, p=[0.5, 0.45, 0.05]).astype(object),
        "site": rng.choice(["North", "South"], n).astype(object),
        "insurance": cohort.NOT_RECORDED,
        "outcome": (rng.random(n) < risk).astype(float),
    })


BANDS = [{"name": "low", "lower": 0.0, "upper": 0.12}, {"name": "moderate", "lower": 0.12, "upper": 0.24},
         {"name": "high", "lower": 0.24, "upper": 1.0}]


# ---------------------------------------------------------------------------- the upload path


def test_demo_analysis_table_matches_the_scored_output(demo: UploadResult, app_engine: Engine) -> None:
    t = demo.tables.table
    out = demo.result.output
    assert len(t) == demo.result.counts["scored"] == 2000
    assert np.allclose(t["risk"], out.loc[t.index, "risk"])
    assert (t["row"] == t.index + 1).all()
    assert demo.tables.has_outcome and set(np.unique(t["outcome"])) == {0.0, 1.0}
    assert t["date"].notna().all()
    roles = app_engine.schema.roles
    assert set(demo.tables.roles) == {r for r, c in roles.items() if c in demo.result.clean_rows().columns}
    assert list(demo.tables.ids.columns) == [c for c in app_engine.schema.id_columns if c in out.columns]
    assert not (set(demo.tables.context.columns) & {roles.get("date"), roles.get("site")})
    assert demo.identifiers == []


def test_unlabelled_upload_has_no_outcome(app_engine: Engine) -> None:
    up = score_upload(app_engine, DEMO_UNLABELLED.read_bytes())
    assert not up.tables.has_outcome
    assert up.tables.table["outcome"].isna().all()
    assert app_engine.schema.target in up.tables.outcome_note


def test_outcome_vector_reasons() -> None:
    from core.data.schema import Schema

    s = Schema(features=(), target="y", positive="yes")
    assert cohort.outcome_vector(pd.DataFrame({"x": [1]}), s)[0] is None
    y, note = cohort.outcome_vector(pd.DataFrame({"y": ["no", "no"]}), s)
    assert y is None and "never holds" in note
    y, _ = cohort.outcome_vector(pd.DataFrame({"y": ["yes", "no", ""]}), s)
    assert y[:2].tolist() == [1.0, 0.0] and np.isnan(y[2])


def test_other_bundle_without_roles(other_engine: Engine) -> None:
    from tests.conftest import other_frame

    up = score_upload(other_engine, other_frame(200, seed=9).to_csv(index=False).encode())
    t = up.tables.table
    assert len(t) == 200 and up.tables.has_outcome
    assert (t["service"] == cohort.NOT_RECORDED).all()
    assert t["age_band"].isin(["18-44", "45-64", "65-74", "75-84", "85+", "<18"]).all()  # age role inferred
    assert cohort.monthly(t).empty
    assert cohort.weeks_spanned(t["date"])[0] == 1.0


# ---------------------------------------------------------------------------- filters and worklist


def test_filters_combine_and_dates_are_inclusive() -> None:
    t = _table()
    f = cohort.Filters(services=("cardiology",), bands=("high",), date_from=date(2024, 2, 1),
                       date_to=date(2024, 3, 31))
    mask = cohort.filter_mask(t, f)
    sub = t[mask]
    assert (sub["service"] == "cardiology").all() and (sub["band"] == "high").all()
    assert sub["date"].min() >= pd.Timestamp("2024-02-01") and sub["date"].max() <= pd.Timestamp("2024-03-31")
    expected = ((t["service"] == "cardiology") & (t["band"] == "high") & (t["date"] >= "2024-02-01")
                & (t["date"] <= "2024-03-31")).to_numpy()
    assert (mask == expected).all()
    assert cohort.filter_mask(t, cohort.Filters()).all()
    assert "service: cardiology" in f.describe() and cohort.Filters().describe().startswith("none")


def test_filter_options_follow_band_order() -> None:
    opts = cohort.filter_options(_table(), ["low", "moderate", "high"])
    assert opts["bands"] == ["low", "moderate", "high"]
    assert opts["services"] == ["cardiology", "oncology", "surgery"]
    assert opts["date_min"] <= opts["date_max"]


def test_worklist_is_ranked_and_searchable(demo: UploadResult) -> None:
    wl = cohort.worklist(demo.tables)
    assert wl["risk"].is_monotonic_decreasing
    assert wl["rank"].tolist() == list(range(1, len(wl) + 1))
    enc = demo.tables.ids.iloc[10, 0]
    hit = cohort.worklist(demo.tables, search=str(enc).lower())
    assert len(hit) >= 1 and hit.index[0] == demo.tables.ids.index[10]
    assert len(cohort.worklist(demo.tables, limit=5)) == 5
    assert cohort.worklist(demo.tables, search="zzz-no-such-text").empty


# ---------------------------------------------------------------------------- aggregates


def test_band_counts_and_histogram_add_up() -> None:
    t = _table()
    counts = cohort.band_counts(t, BANDS)
    assert counts["band"].tolist() == ["low", "moderate", "high"]
    assert counts["n"].sum() == len(t) and counts["share"].sum() == pytest.approx(1.0)
    low = t[t["band"] == "low"]
    assert counts.loc[0, "observed_rate"] == pytest.approx(low["outcome"].mean())
    hist = cohort.histogram(t["risk"], bins=20, value_range=(0, 1))
    assert len(hist) == 20 and hist["n"].sum() == len(t)
    assert cohort.histogram(np.array([np.nan])).empty


def test_breakdown_by_group() -> None:
    t = _table()
    table = cohort.breakdown(t, "service", "high")
    assert table["n"].sum() == len(t)
    row = table.set_index("group").loc["cardiology"]
    sub = t[t["service"] == "cardiology"]
    assert row["mean_risk"] == pytest.approx(sub["risk"].mean())
    assert row["high_share"] == pytest.approx((sub["band"] == "high").mean())
    assert row["observed_lo"] <= row["observed_rate"] <= row["observed_hi"]
    small = table.set_index("group").loc["oncology"]
    assert small["note"].startswith("too few")
    assert [c for c, _ in cohort.available_groupings(t)] == ["service", "site", "age_band", "sex"]


def test_monthly_counts_and_rates() -> None:
    t = _table()
    m = cohort.monthly(t)
    assert m["n"].sum() == len(t)
    jan = t[t["date"].dt.month == 1]
    first = m.iloc[0]
    assert first["month"] == pd.Timestamp("2024-01-01")
    assert first["n"] == len(jan) and first["mean_risk"] == pytest.approx(jan["risk"].mean())
    assert first["observed_rate"] == pytest.approx(jan["outcome"].mean())


def test_weeks_spanned() -> None:
    weeks, how = cohort.weeks_spanned(pd.Series(pd.to_datetime(["2024-01-01", "2024-01-28"])))
    assert weeks == pytest.approx(4.0) and "28 days" in how
    weeks, how = cohort.weeks_spanned(pd.Series([pd.NaT, pd.NaT]))
    assert weeks == 1.0 and "one week" in how


def test_capacity_flags_the_top_patients() -> None:
    t = _table(n=700, days=70)  # 10 weeks
    weeks, _ = cohort.weeks_spanned(t["date"])
    cap = cohort.capacity(t["risk"].to_numpy(), t["outcome"].to_numpy(), 7, weeks)
    assert cap["slots"] == int(np.ceil(7 * weeks))
    assert cap["threshold"] == metrics.threshold_for_capacity(t["risk"], cap["slots"])
    assert cap["flagged"] >= cap["slots"]
    c = metrics.confusion_at(t["outcome"], t["risk"], cap["threshold"])
    assert cap["ppv"] == pytest.approx(c["precision"]) and cap["sensitivity"] == pytest.approx(c["recall"])
    assert cap["flagged_per_100"] == pytest.approx(100 * cap["flagged"] / len(t))
    none = cohort.capacity(t["risk"].to_numpy(), None, 0, 1.0)
    assert none["flagged"] == 0 and np.isnan(none["ppv"])


def test_capacity_curve_is_monotone() -> None:
    t = _table(n=700, days=70)
    curve = cohort.capacity_curve(t["risk"].to_numpy(), t["outcome"].to_numpy(), 10.0, 70)
    assert curve["flagged"].is_monotonic_increasing and curve["sensitivity"].is_monotonic_increasing
    assert curve["sensitivity"].iloc[-1] == pytest.approx(1.0)
    assert "ppv" not in cohort.capacity_curve(t["risk"].to_numpy(), None, 10.0, 70)


def test_monthly_performance_leaves_out_the_last_30_days() -> None:
    t = _table(n=3000, days=200, seed=3)
    table, note = cohort.monthly_performance(t)
    cutoff = t["date"].max() - pd.Timedelta(days=30)
    left_out = int((t["date"] > cutoff).sum())
    assert table["n"].sum() == len(t) - left_out
    assert f"{left_out:,} patients" in note and "cannot be known yet" in note
    jan = t[t["date"].dt.month == 1]
    row = table.iloc[0]
    assert row["auc"] == pytest.approx(metrics.auc(jan["outcome"], jan["risk"]))
    assert row["observed_expected"] == pytest.approx(jan["outcome"].sum() / jan["risk"].sum())
    tiny, _ = cohort.monthly_performance(_table(n=40, days=90))
    assert tiny["auc"].isna().all() and tiny["note"].str.startswith("too few").all()


def test_comparators_are_fitted_on_the_upload(demo: UploadResult) -> None:
    clean = demo.result.clean_rows()
    y = demo.tables.table["outcome"].to_numpy()
    risks, notes = cohort.comparator_risks(clean, y)
    if not risks:
        pytest.skip("this bundle's inputs do not include LACE/HOSPITAL items: " + " ".join(notes))
    for values in risks.values():
        assert values.shape == y.shape and np.all((values > 0) & (values < 1))
    curve = metrics.decision_curve_df(y, demo.tables.table["risk"], comparators=risks)
    assert set(curve["strategy"]) >= {"model", "treat all", "treat none", *risks}


def test_numeric_context_columns(demo: UploadResult, app_engine: Engine) -> None:
    clean = demo.result.clean_rows()
    found = cohort.numeric_context_columns(clean, app_engine.schema)
    for c in found:
        assert c in app_engine.schema.context_columns
        assert demo.tables.context[c].notna().mean() > 0.5
    bad = clean.copy()
    if found:
        bad[found[0]] = "n/a text"
        assert found[0] not in cohort.numeric_context_columns(bad, app_engine.schema)


def test_parse_dates_iso_and_day_first() -> None:
    iso = cohort.parse_dates(pd.Series(["2024-03-05", "", "2024-12-31"]))
    assert iso.iloc[0] == pd.Timestamp("2024-03-05") and pd.isna(iso.iloc[1])
    uk = cohort.parse_dates(pd.Series(["05/03/2024", "31/12/2024"]))
    assert uk.iloc[0] == pd.Timestamp("2024-03-05")


def test_large_upload_is_fast(app_engine: Engine) -> None:
    """100,000 rows: score, prepare and aggregate in well under a minute."""
    import time

    raw, _ = read_csv_path(DEMO_COHORT)
    big = pd.concat([raw] * 50, ignore_index=True)
    buf = io.StringIO()
    big.to_csv(buf, index=False)
    start = time.perf_counter()
    up = score_upload(app_engine, buf.getvalue().encode())
    t = up.tables.table
    cohort.band_counts(t, app_engine.bundle.bands)
    cohort.monthly(t)
    cohort.breakdown(t, "service", "high")
    cohort.worklist(up.tables, limit=2000)
    assert len(cohort.worklist(up.tables, search=str(up.tables.ids.iloc[0, 0]))) == 50
    assert len(t) == 100_000
    assert time.perf_counter() - start < 45


def test_reliability_floor_and_horizon_come_from_policy() -> None:
    """The cohort modules use core.policy's numbers and define none of their own."""
    import inspect
    import re
    from pathlib import Path

    from core import policy
    from core.analytics import performance

    defaults = {k: p.default for k, p in inspect.signature(performance.monthly_performance).parameters.items()}
    assert (defaults["horizon_days"], defaults["min_n"], defaults["min_events"]) == (
        policy.OUTCOME_HORIZON_DAYS, policy.RELIABILITY_MIN_PATIENTS, policy.RELIABILITY_MIN_EVENTS)
    again = re.compile(r"^(MIN_N|MIN_EVENTS|OUTCOME_HORIZON_DAYS|RELIABILITY_\w+)\s*[:=]", re.MULTILINE)
    analytics = Path(performance.__file__).parent
    assert not [p.name for p in analytics.glob("*.py") if again.search(p.read_text(encoding="utf-8"))]
    small = cohort.breakdown(_table(n=policy.RELIABILITY_MIN_PATIENTS - 1), "service")
    assert small["note"].str.startswith("too few").all()

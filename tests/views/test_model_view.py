"""The model page renders for the default and a second bundle and shows the manifest's own numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.model.bundle import DEFAULT_BUNDLE
from core.scoring.engine import Engine

PAGE = str(Path(__file__).resolve().parents[2] / "views" / "model.py")


def _run(monkeypatch: pytest.MonkeyPatch, bundle: Path | None) -> AppTest:
    if bundle is None:
        monkeypatch.delenv("LANTERN_BUNDLE", raising=False)
    else:
        monkeypatch.setenv("LANTERN_BUNDLE", str(bundle))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


@pytest.fixture(scope="module")
def default_page() -> AppTest:
    with pytest.MonkeyPatch.context() as mp:
        return _run(mp, None)


def test_default_page_shows_manifest_numbers(default_page: AppTest, engine: Engine) -> None:
    assert engine.bundle.path.resolve() == DEFAULT_BUNDLE.resolve()
    m = engine.bundle.metrics
    shown = _metrics(default_page)
    assert shown["AUC (held-out)"] == f"{m.auc:.3f}"
    assert shown["Calibration slope"] == f"{m.calibration_slope:.2f}"
    assert shown["Observed / expected"] == f"{m.observed_expected:.2f}"
    assert shown["Brier score"] == f"{m.brier:.3f}"
    assert shown["Held-out discharges"] == f"{m.n_test:,}"
    text = _text(default_page)
    lo, hi = m.auc_ci
    assert f"AUC {m.auc:.3f} (95% CI {lo:.3f}-{hi:.3f})" in text
    assert engine.bundle.manifest.files.sha256["model.joblib"] in text


def test_default_page_has_the_three_parts(default_page: AppTest, engine: Engine) -> None:
    assert [t.label for t in default_page.tabs] == ["Model card", "Global explanations", "Held-out performance"]
    assert len(default_page.expander) >= 18  # one per card section (plus the method note)
    text = _text(default_page)
    assert "slightly different outcome" in text
    n = engine.bundle.performance["explanation_sample"]["n"]
    assert f"random sample of {n:,} held-out patients" in text
    assert "associations in the model, not causes" in text
    assert len(default_page.get("vega_lite_chart")) == 10  # 5 explanation charts, 5 performance charts
    labels = [b.proto.label for b in default_page.get("download_button")]
    assert labels == ["Download model card (HTML)", "Download model card (Markdown)"]


def test_dependence_selectbox_lists_every_input_by_importance(default_page: AppTest, engine: Engine) -> None:
    box = default_page.selectbox(key="model_dependence_feature")
    order = [r["feature"] for r in engine.bundle.performance["importance"]]
    assert box.options == [engine.schema.feature(n).display_label for n in order]
    categorical = next(f for f in engine.schema.features if f.kind == "categorical")
    box.select(categorical.name).run()
    assert not default_page.exception and not default_page.error
    assert default_page.session_state["model_dependence_feature"] == categorical.name


def test_other_bundle_page(monkeypatch: pytest.MonkeyPatch, other_bundle: Path, other_engine: Engine) -> None:
    at = _run(monkeypatch, other_bundle)
    m = other_engine.bundle.metrics
    assert _metrics(at)["AUC (held-out)"] == f"{m.auc:.3f}"
    text = _text(at)
    assert "Body-mass index" in text and "Current smoker" in text
    assert "Charlson" not in text
    assert any("LACE and HOSPITAL could not be computed" in i.value for i in at.info)
    assert at.selectbox(key="model_dependence_feature").options == [
        other_engine.schema.feature(r["feature"]).display_label
        for r in other_engine.bundle.performance["importance"]]

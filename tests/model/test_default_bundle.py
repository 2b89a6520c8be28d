"""The committed default bundle meets the foundation issue's targets (no retraining here)."""

from __future__ import annotations

import sklearn

from core.scoring.engine import Engine


def test_default_bundle_metrics_in_realistic_ranges(engine: Engine) -> None:
    m = engine.bundle.metrics
    assert 0.64 <= m.lace_auc <= 0.72, m.lace_auc
    assert m.auc - m.lace_auc >= 0.03, (m.auc, m.lace_auc)
    assert m.auc < 0.85, "readmission AUC above 0.85 means leakage"
    lo, hi = m.auc_ci
    assert lo < m.auc < hi
    assert 0.85 <= m.calibration_slope <= 1.15, m.calibration_slope
    assert abs(m.calibration_intercept) <= 0.15
    assert m.hospital_auc is not None
    prevalence = m.events_test / m.n_test
    assert 0.12 <= prevalence <= 0.18


def test_manifest_records_what_the_issue_asks(engine: Engine) -> None:
    man = engine.bundle.manifest.to_json()
    for key in ("files", "metrics", "target", "comparison", "risk_bands", "reference", "data", "versions", "created"):
        assert key in man, key
    typed = engine.bundle.manifest
    assert typed.versions.scikit_learn == sklearn.__version__
    assert {"lantern", "python", "scikit-learn", "shap", "pandas"} <= set(man["versions"])
    families = {row.family for row in typed.comparison}
    assert len(families) >= 3 and sum(row.selected for row in typed.comparison) == 1
    fp = typed.data.fingerprint
    assert fp.rows > 0 and fp.events > 0 and len(fp.sha256) == 64
    assert not typed.warnings, typed.warnings


def test_default_schema_has_no_identifiers_or_outcome_leaks(engine: Engine) -> None:
    names = set(engine.schema.names)
    assert not names & {"encounter_id", "patient_id", "readmitted_30d", "total_cost", "satisfaction_score"}
    assert {f.name for f in engine.schema.modifiable} == {"followup_within_7d", "med_reconciliation"}
    assert engine.schema.roles.get("age") == "age" and engine.schema.roles.get("sex") == "sex"

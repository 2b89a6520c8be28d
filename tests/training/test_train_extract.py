"""The trainer on an extract shaped like a real public one: it finishes and reports a credible AUC."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.model.bundle import load_bundle
from core.scoring.engine import Engine
from core.training.train import main
from tests.extracts import diabetes_like


@pytest.mark.slow
def test_trainer_on_foreign_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "diabetic_data.csv"
    diabetes_like(4000, seed=3).to_csv(csv, index=False)
    out = tmp_path / "bundle"
    code = main(["--data", str(csv), "--target", "readmitted", "--positive", "<30", "--id-cols", "encounter_id",
                 "--group-col", "patient_nbr", "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    bundle = load_bundle(out)
    names = set(bundle.schema.names)
    assert not names & {"encounter_id", "patient_nbr", "readmitted", "examide", "weight"} or "weight" in names
    assert "encounter_id" in bundle.schema.id_columns and "patient_nbr" in bundle.schema.id_columns
    for diag in ("diag_1", "diag_2", "diag_3"):
        spec = bundle.schema.feature(diag)
        assert spec.kind == "categorical" and "other" in spec.categories
    assert bundle.schema.feature("admission_type_id").kind == "categorical"
    assert bundle.schema.feature("age").kind == "categorical"
    m = bundle.metrics
    assert 0.6 < m.auc < 0.85, m
    assert m.lace_auc is None and m.hospital_auc is None
    assert "Held-out AUC" in printed and "grouped" in printed
    # the bundle scores its own kind of file
    result = Engine(bundle).score(diabetes_like(300, seed=4).astype(str))
    assert result.counts["read"] == 300 == result.counts["scored"] + result.counts["rejected"]


def test_trainer_explains_a_wrong_positive_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / "d.csv"
    diabetes_like(300, seed=1).to_csv(csv, index=False)
    code = main(["--data", str(csv), "--target", "readmitted", "--positive", "yes", "--out", str(tmp_path / "b")])
    assert code == 1
    err = capsys.readouterr().err
    assert "--positive 'yes' does not occur" in err and "<30" in err and "Traceback" not in err

"""The trainer records who the model is for and what it cannot estimate without, in the bundle's schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from core.data.infer import SchemaError
from core.model.bundle import SCHEMA_FILE
from core.scoring.engine import Engine
from core.training.candidates import Candidate
from core.training.train import train_bundle
from tests.conftest import other_frame


def _train(out: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    train_bundle(other_frame(), "outcome", out, positive="readmitted", id_columns=("subject",), overrides=overrides,
                 candidates=[Candidate("logistic regression", {"C": 0.3})], progress=lambda _m: None)
    return json.loads((out / SCHEMA_FILE).read_text(encoding="utf-8"))


def test_the_trainer_records_the_population_and_proposes_required_inputs(tmp_path: Path) -> None:
    schema = _train(tmp_path)
    age = schema["eligibility"][0]
    assert age == {"feature": "age_years", "min": 18.0, "max": 94.0, "reason": "adults 18 and over, up to 94"}
    assert {"fact": "alive"} in schema["eligibility"] and {"fact": "inpatient_stay"} in schema["eligibility"]
    required = schema["required_inputs"]
    assert required[0] == "age_years" and "bmi" not in required  # bmi is missing for 5%: not demanded
    engine = Engine.load(tmp_path)
    child = engine.patient({"age_years": 12, "bmi": 25, "smoker": "no", "ward": "A", "creatinine_umol_l": 80,
                            "prior_visits": 0})
    assert child.not_eligible == "Age years 12 is outside the model's population (adults 18 and over, up to 94)"


def test_a_schema_file_states_exclusions_and_required_inputs(tmp_path: Path) -> None:
    schema = _train(tmp_path, {"exclusions": [{"feature": "ward", "not_in": ["D"]}], "required_inputs": ["bmi"]})
    assert schema["required_inputs"] == ["bmi"]
    assert {"feature": "ward", "not_in": ["d"]} in schema["eligibility"]
    engine = Engine.load(tmp_path)
    values = {"age_years": 50, "bmi": 25, "smoker": "no", "ward": "D", "creatinine_umol_l": 80, "prior_visits": 0}
    assert "'D'" in engine.patient(values).not_eligible
    assert engine.patient({**values, "ward": "A", "bmi": None}).needed == ["Bmi"]


def test_a_required_input_that_is_not_a_feature_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"sodium.*not features"):
        _train(tmp_path, {"required_inputs": ["sodium"]})

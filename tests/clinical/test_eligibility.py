"""The population rules and required inputs as data: parsing, the old-bundle default, the table and one patient."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.clinical.eligibility import DEATH_OR_HOSPICE, Gate, Rule, default_population, propose_required, rules_of
from core.data.schema import FeatureSpec, Schema
from tests.conftest import ROOT

FEATURES = (FeatureSpec("age", "numeric", train_min=19, train_max=100),
            FeatureSpec("length_of_stay_days", "numeric", label="Length of stay"),
            FeatureSpec("discharge_disposition", "categorical", categories=("home", "rehabilitation")))


def test_the_default_bundle_states_no_population_so_the_discharge_time_default_is_derived() -> None:
    raw = json.loads((ROOT / "artifacts" / "default" / "schema.json").read_text(encoding="utf-8"))
    assert "eligibility" not in raw and "required_inputs" not in raw  # an old bundle: must still load
    schema = Schema.from_dict(raw)
    by_feature = {r.feature or r.fact: r for r in schema.population}
    assert (by_feature["age"].min, by_feature["age"].max) == (18, 100)  # adults, up to the training maximum
    assert set(DEATH_OR_HOSPICE) <= set(by_feature["discharge_disposition"].not_in)
    assert {"alive", "inpatient_stay"} <= set(by_feature)
    assert schema.required_names == ("age", "length_of_stay_days")


def test_a_schema_file_can_state_its_own_population_and_required_inputs(tmp_path: Path) -> None:
    schema = Schema(features=FEATURES, target="y",
                    eligibility=rules_of([{"feature": "age", "min": 65}]), required_inputs=("age",))
    path = tmp_path / "schema.json"
    schema.save(path)
    again = Schema.load(path)
    assert again.population == (Rule(feature="age", min=65.0),) and again.required_names == ("age",)


@pytest.mark.parametrize("bad", [{"min": 1}, {"feature": "age", "fact": "alive"}, {"fact": "immortal"}])
def test_a_rule_that_names_nothing_or_an_unknown_fact_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"feature|fact"):
        Rule.from_dict(bad)


def test_a_rule_naming_a_feature_the_model_lacks_is_refused_with_the_features() -> None:
    with pytest.raises(ValueError, match=r"sodium.*its features are: age"):
        Gate.of(FEATURES, (), ("sodium",))


def test_rules_are_evaluated_on_a_whole_column_and_not_recorded_passes() -> None:
    gate = Gate.of(FEATURES, default_population(FEATURES), ("age", "length_of_stay_days"))
    columns = {"age": np.array([10.0, 50.0, np.nan, 101.0, 40.0]),
               "discharge_disposition": np.array(["home", "Hospice", "home", np.nan, "died"], dtype=object)}
    reasons = gate.not_eligible(columns, 5)
    assert reasons[0].startswith("Age 10 is outside") and "adults 18" in reasons[0]
    assert "'Hospice'" in reasons[1] and reasons[2] == "" and "Age 101" in reasons[3] and "'died'" in reasons[4]


def test_a_fact_stated_false_puts_the_patient_outside_and_an_unknown_fact_does_not() -> None:
    gate = Gate.of(FEATURES, default_population(FEATURES), ())
    columns = {"age": np.array([50.0])}
    assert "deceased" in gate.not_eligible(columns, 1, {"alive": False})[0]
    assert "inpatient stay" in gate.not_eligible(columns, 1, {"inpatient_stay": False})[0]
    assert gate.not_eligible(columns, 1, {"alive": None})[0] == gate.not_eligible(columns, 1)[0] == ""


def test_needed_lists_the_required_inputs_not_recorded() -> None:
    gate = Gate.of(FEATURES, (), ("age", "length_of_stay_days"))
    missing = np.array([[False, False, True], [True, True, True], [False, True, False]])
    assert list(gate.needed(missing)) == ["", "Age, Length of stay", "Length of stay"]


def test_the_trainer_proposes_important_inputs_that_are_usually_recorded() -> None:
    importance = {"age": 3.0, "sodium": -2.5, "los": 2.0, "sex": 0.1}
    recorded = {"age": 1.0, "sodium": 0.6, "los": 0.99, "sex": 1.0}
    assert propose_required(importance, recorded) == ("age", "los")


def test_an_age_kept_as_bands_gets_no_numeric_rule() -> None:
    """Real extracts often hold age as bands ('[70-80)'): the default population must not read them as numbers."""
    banded = [FeatureSpec("age", "categorical", categories=("[60-70)", "[70-80)"))]
    assert all(rule.feature != "age" for rule in default_population(banded))

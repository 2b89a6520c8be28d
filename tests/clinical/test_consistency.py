"""Clinical consistency: the Charlson index against its flags (with the hierarchy), and the stay's dates."""

from __future__ import annotations

import pandas as pd

from core.clinical.charlson import COMORBIDITIES
from core.clinical.consistency import hierarchy_notes, record_problems, table_problems
from core.scoring.engine import Engine
from tests.conftest import DEMO_UNLABELLED

NAMES = [*COMORBIDITIES, "charlson_index"]
NONE = dict.fromkeys(COMORBIDITIES, 0)


def test_an_entered_index_that_disagrees_with_the_flags_is_reported() -> None:
    assert record_problems({**NONE, "cm_metastatic": 1, "charlson_index": 0}, NAMES) == [
        "Charlson index entered as 0, but the comorbidities ticked give 6 (Charlson's weights and hierarchy); "
        "check the index or the comorbidities"]
    assert record_problems({**NONE, "cm_metastatic": 1, "charlson_index": 6}, NAMES) == []


def test_both_of_a_pair_count_once_at_the_heavier_weight_and_are_explained_not_refused() -> None:
    both = {**NONE, "cm_cancer": 1, "cm_metastatic": 1, "charlson_index": 6}
    assert record_problems(both, NAMES) == []  # 6, not 8
    assert record_problems({**both, "charlson_index": 8}, NAMES)
    (note,) = hierarchy_notes(both, {"cm_cancer": "Cancer", "cm_metastatic": "Metastatic tumour"})
    assert "only the more severe (Metastatic tumour)" in note


def test_without_every_flag_recorded_nothing_is_claimed() -> None:
    assert record_problems({**NONE, "cm_mi": None, "charlson_index": 3}, NAMES) == []


def test_each_csv_row_carries_its_inconsistency_in_the_flags(engine: Engine) -> None:
    raw = pd.read_csv(DEMO_UNLABELLED, dtype=str, keep_default_na=False, nrows=10)
    raw.loc[1, ["cm_metastatic", "charlson_index"]] = ["1", "0"]
    raw.loc[2, ["admission_date", "discharge_date"]] = ["2024-02-01", "2024-01-01"]
    flags = engine.score(raw).output["flags"]
    assert "inconsistent: Charlson index entered as 0, but the comorbidities ticked give" in flags[1]
    assert "inconsistent: the discharge date is before the admission date" in flags[2]
    assert not flags.drop(index=[1, 2]).str.contains("inconsistent").any()
    clean = engine.score(raw).clean_rows()
    assert (table_problems(clean, engine.schema.names) != "").sum() == 2

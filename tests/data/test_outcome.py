"""Outcome cells are read with the same care as inputs: unreadable is counted and never 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data.infer import target_vector
from core.data.outcome import read_outcomes

YES = ["yes", "Y", " TRUE ", "t", "1", "1.0", "Readmitted"]
NO = ["no", "N", "False", "F ", "0", "0.0", "not  readmitted", "Not Readmitted"]


def test_every_yes_and_no_spelling_is_read_and_blank_is_unlabelled() -> None:
    o = read_outcomes(pd.Series([*YES, *NO, "", None, "NA"]), "1")
    assert o.values[: len(YES)].tolist() == [1.0] * len(YES)
    assert o.values[len(YES): len(YES) + len(NO)].tolist() == [0.0] * len(NO)
    assert np.isnan(o.values[-3:]).all() and o.n_unreadable == 0 and o.notice("y") == ""


@pytest.mark.parametrize("positive", ["1", "yes", "True"])
def test_anything_else_is_unreadable_never_zero(positive: str) -> None:
    o = read_outcomes(pd.Series(["1", "2", "maybe", "0", "-1", "2", "yes"]), positive)
    assert o.unreadable.tolist() == [False, True, True, False, True, True, False]
    assert np.isnan(o.values[o.unreadable]).all()
    assert o.values[~o.unreadable].tolist() == [1.0, 0.0, 1.0]
    assert o.unreadable_values == ("2", "maybe", "-1")
    notice = o.notice("readmitted_30d")
    assert notice.startswith("4 rows' outcomes in 'readmitted_30d' could not be read ('2', 'maybe', '-1')")


def test_a_schema_label_and_its_negative() -> None:
    o = read_outcomes(pd.Series(["<30", "no", ">30", "NO"]), "<30")
    assert o.values[[0, 1, 3]].tolist() == [1.0, 0.0, 0.0] and o.unreadable.tolist() == [False, False, True, False]


def test_the_notice_shows_at_most_five_values() -> None:
    o = read_outcomes(pd.Series([str(v) for v in range(2, 12)]), "1")
    assert o.n_unreadable == 10 and len(o.unreadable_values) == 5


def test_training_reads_a_yes_no_outcome_the_same_way() -> None:
    y, _ = target_vector(pd.Series(["1", "yes", "2", "0", "maybe"], name="t"), "1")
    assert y[[0, 1, 3]].tolist() == [1.0, 1.0, 0.0] and np.isnan(y[[2, 4]]).all()

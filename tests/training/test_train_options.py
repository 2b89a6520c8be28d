"""``python -m core.train --family F`` compares only that family's configurations."""

from __future__ import annotations

from typing import get_args

import pytest

from core.model.estimator import Family
from core.training.candidates import default_candidates
from core.training.train import _candidates, _parse_args


@pytest.mark.parametrize("family", get_args(Family))
def test_family_keeps_only_its_configurations(family: str) -> None:
    chosen = _candidates(family)
    assert chosen and all(c.family == family for c in chosen)
    assert chosen == [c for c in default_candidates() if c.family == family]


def test_without_family_the_trainer_compares_all() -> None:
    assert _candidates(None) is None
    assert _parse_args([]).family is None


def test_an_unknown_family_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _parse_args(["--family", "random forest"])
    assert info.value.code == 2 and "invalid choice" in capsys.readouterr().err

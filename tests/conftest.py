"""Shared fixtures: the default engine and a second bundle with different features.

The second bundle proves that views and core are generic over the schema: it has none
of the default model's columns. It is trained once per test session on a tiny frame
with a reduced candidate grid, so it takes a few seconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.model.bundle import DEFAULT_BUNDLE
from core.scoring.engine import Engine
from core.training.candidates import Candidate

ROOT = Path(__file__).resolve().parent.parent
DEMO_COHORT = ROOT / "data" / "demo_cohort.csv"
DEMO_UNLABELLED = ROOT / "data" / "demo_unlabelled.csv"


def other_frame(rows: int = 1500, seed: int = 5) -> pd.DataFrame:
    """A small ward dataset with its own column names, text outcome and missing markers."""
    rng = np.random.default_rng(seed)
    age = rng.integers(20, 95, rows)
    bmi = np.round(rng.normal(27, 5, rows), 1)
    smoker = rng.choice(["yes", "no"], rows, p=[0.25, 0.75])
    ward = rng.choice(["A", "B", "C", "D"], rows)
    creat = np.round(rng.lognormal(4.4, 0.35, rows))
    prior = rng.poisson(0.8, rows)
    logit = -2.2 + 0.02 * (age - 60) + 0.5 * (smoker == "yes") + 0.004 * (creat - 80) + 0.35 * prior
    y = rng.random(rows) < 1 / (1 + np.exp(-logit))
    frame = pd.DataFrame({
        "subject": [f"S{i:05d}" for i in range(rows)],
        "age_years": age.astype(str),
        "bmi": bmi.astype(str),
        "smoker": smoker,
        "ward": ward,
        "creatinine_umol_l": creat.astype(int).astype(str),
        "prior_visits": prior.astype(str),
        "outcome": np.where(y, "readmitted", "not readmitted"),
    })
    frame.loc[rng.random(rows) < 0.05, "bmi"] = "NA"
    return frame


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine.load(DEFAULT_BUNDLE)


@pytest.fixture(scope="session")
def other_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from core.training.train import train_bundle

    out = tmp_path_factory.mktemp("other_bundle")
    overrides = {"features": {"smoker": {"label": "Current smoker", "modifiable": True},
                              "bmi": {"label": "Body-mass index", "unit": "kg/m2"}}}
    train_bundle(
        other_frame(), "outcome", out, positive="readmitted", id_columns=("subject",), overrides=overrides,
        candidates=[Candidate("logistic regression", {"C": 0.3}),
                    Candidate("gradient boosting", {"max_depth": 2, "learning_rate": 0.1, "max_iter": 60})],
        progress=lambda _msg: None,
    )
    return out


@pytest.fixture(scope="session")
def tree_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small boosted-tree bundle (depth 3, 40 trees) on the other-features data: the fast TreeSHAP path."""
    from core.training.train import train_bundle

    out = tmp_path_factory.mktemp("tree_bundle")
    train_bundle(other_frame(), "outcome", out, positive="readmitted", id_columns=("subject",),
                 candidates=[Candidate("gradient boosting", {"max_depth": 3, "learning_rate": 0.1, "max_iter": 40})],
                 progress=lambda _m: None)
    return out


@pytest.fixture(scope="session")
def other_engine(other_bundle: Path) -> Engine:
    return Engine.load(other_bundle)

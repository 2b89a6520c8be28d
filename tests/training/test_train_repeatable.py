"""Training is repeatable: the same data and seed give the same bundle content, and the manifest it returns loads."""

from __future__ import annotations

import json
from pathlib import Path

from core.model.bundle import MANIFEST_FILE, PERFORMANCE_FILE, SCHEMA_FILE, load_bundle
from core.model.manifest import Manifest
from core.training.candidates import Candidate
from core.training.train import train_bundle
from tests.conftest import other_frame


def _train(out: Path) -> Manifest:
    return train_bundle(other_frame(), "outcome", out, positive="readmitted", id_columns=("subject",), seed=7,
                        candidates=[Candidate("logistic regression", {"C": 0.3})], progress=lambda _m: None)


def _without_time(path: Path) -> dict[str, object]:
    manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest.pop("created")
    return manifest


def test_same_seed_gives_the_same_bundle(tmp_path: Path) -> None:
    first, second = _train(tmp_path / "a"), _train(tmp_path / "b")
    assert _without_time(tmp_path / "a") == _without_time(tmp_path / "b")
    for name in (SCHEMA_FILE, PERFORMANCE_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert first.files == second.files  # the model file is byte for byte the same too


def test_returned_manifest_is_what_loads(tmp_path: Path) -> None:
    returned = _train(tmp_path / "bundle")
    assert load_bundle(tmp_path / "bundle").manifest == returned
    written = json.loads((tmp_path / "bundle" / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert returned.to_json() == written
    assert returned.splits.method == "by row" and returned.data.group_column is None
    assert returned.metrics.lace_auc is None and returned.reference.by_age_sex is None

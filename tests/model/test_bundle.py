"""Bundles: round trip, the committed manifest, refusal of tampered files and version skew."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.model import bundle as bundle_module
from core.model.bundle import DEFAULT_BUNDLE, MANIFEST_FILE, BundleError, load_bundle, sha256_file
from core.training.train import grouped_split


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, dst)
    return dst


def test_committed_manifest_hashes_match() -> None:
    manifest = json.loads((DEFAULT_BUNDLE / MANIFEST_FILE).read_text())
    assert set(manifest["files"]) == {"model.joblib", "schema.json", "performance.json"}
    for name, digest in manifest["files"].items():
        assert sha256_file(DEFAULT_BUNDLE / name) == digest, name


def test_round_trip_predicts_the_same(other_bundle: Path, tmp_path: Path) -> None:
    a = load_bundle(other_bundle)
    copy = tmp_path / "copy"
    shutil.copytree(other_bundle, copy)
    b = load_bundle(copy)
    assert a.schema == b.schema and a.manifest == b.manifest
    from core.data.validate import validate
    from tests.conftest import other_frame

    clean = validate(other_frame(50, seed=9), a.schema).clean
    np.testing.assert_array_equal(a.model.predict_risk(clean), b.model.predict_risk(clean))


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    with (bundle / "schema.json").open("a") as fh:
        fh.write(" ")
    with pytest.raises(BundleError, match=r"schema\.json has changed"):
        load_bundle(bundle)


def test_malicious_model_is_never_unpickled(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    (bundle / "model.joblib").write_bytes(pickle.dumps(Evil()))
    with pytest.raises(BundleError, match=r"model\.joblib has changed"):
        load_bundle(bundle)
    assert not marker.exists()


def test_a_file_swapped_after_the_hash_check_is_never_unpickled(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader unpickles the bytes whose hash it checked: a swap between the check and the load is refused."""
    bundle = _copy(tmp_path)
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (Path.touch, (marker,))

    real_verify = bundle_module.verify_bundle

    def verify_then_swap(path: Path, manifest: object) -> None:
        real_verify(path, manifest)  # the intact file passes ...
        (path / "model.joblib").write_bytes(pickle.dumps(Evil()))  # ... and is replaced before it is read

    monkeypatch.setattr(bundle_module, "verify_bundle", verify_then_swap)
    with pytest.raises(BundleError, match=r"model\.joblib changed while it was being loaded"):
        load_bundle(bundle)
    assert not marker.exists()


def test_version_skew_is_refused(tmp_path: Path) -> None:
    bundle = _copy(tmp_path)
    manifest = json.loads((bundle / MANIFEST_FILE).read_text())
    manifest["versions"]["scikit-learn"] = "1.8.0"
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"built with scikit-learn 1\.8\.0"):
        load_bundle(bundle)


def test_missing_or_foreign_folders_are_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="does not exist"):
        load_bundle(tmp_path / "nope")
    with pytest.raises(BundleError, match=r"no manifest\.json"):
        load_bundle(tmp_path)


def test_grouped_split_keeps_patients_on_one_side() -> None:
    rng = np.random.default_rng(0)
    groups = rng.integers(0, 700, 3000).astype(str)
    tr, te = grouped_split(groups, seed=3)
    assert len(tr) + len(te) == 3000
    assert not set(groups[tr]) & set(groups[te])
    assert 0.15 < len(te) / 3000 < 0.35

"""The typed manifest: exact JSON round trip, and one plain sentence for every malformed manifest."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.model.bundle import DEFAULT_BUNDLE, MANIFEST_FILE, MAX_MANIFEST_BYTES, BundleError, load_bundle
from core.model.manifest import Manifest, ManifestError, Metrics, RiskBand
from core.scoring.cli import main as score_main

Breaker = Callable[[dict[str, Any]], Any]  # changes the manifest in place, or returns what to write instead


def _default_json() -> dict[str, Any]:
    return json.loads((DEFAULT_BUNDLE / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_default_manifest_round_trips_exactly() -> None:
    raw = _default_json()
    typed = Manifest.from_json(raw)
    assert typed.to_json() == raw
    # same keys in the same order, so writing it back gives the committed file byte for byte
    assert json.dumps(typed.to_json(), indent=2) + "\n" == (DEFAULT_BUNDLE / MANIFEST_FILE).read_text(encoding="utf-8")


def test_trained_bundles_round_trip(other_bundle: Path, tree_bundle: Path) -> None:
    for path in (other_bundle, tree_bundle):
        raw = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        assert Manifest.from_json(raw).to_json() == raw
        assert load_bundle(path).manifest.to_json() == raw


def test_loaded_manifest_is_typed_and_read_only(engine: Any) -> None:
    manifest = engine.bundle.manifest
    assert isinstance(manifest, Manifest) and isinstance(manifest.metrics, Metrics)
    assert all(isinstance(b, RiskBand) for b in manifest.risk_bands)
    assert engine.bundle.bands == [b.to_json() for b in manifest.risk_bands]
    assert engine.bundle.reference == _default_json()["reference"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        manifest.metrics.auc = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        manifest.data.source["kind"] = "csv"  # type: ignore[index]
    with pytest.raises(TypeError):
        manifest.files.sha256["model.joblib"] = "0" * 64  # type: ignore[index]


def test_building_a_manifest_checks_it_too() -> None:
    manifest = Manifest.from_json(_default_json())
    with pytest.raises(ManifestError, match="must cover 0 to 1"):
        dataclasses.replace(manifest, risk_bands=manifest.risk_bands[:-1])


def _set(path: str, value: Any) -> Breaker:
    """Set the value at a dotted path (``reference.baseline_risk``)."""
    def breaker(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return breaker


def _edit(change: Callable[[dict[str, Any]], Any]) -> Breaker:
    """A change made in place (whatever ``change`` returns is ignored)."""
    def breaker(raw: dict[str, Any]) -> None:
        change(raw)
    return breaker


def _drop(path: str) -> Breaker:
    def breaker(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = raw
        for key in parents:
            node = node[key]
        del node[last]
    return breaker


def _add_file(name: str) -> Breaker:
    """List one more file, with a well-formed sha256, so only its name is wrong."""
    def breaker(raw: dict[str, Any]) -> None:
        raw["files"][name] = raw["files"]["schema.json"]
    return breaker


REFUSE = "The bundle's manifest.json "
FIX = "; rebuild the bundle."
CASES: list[tuple[str, Breaker, str]] = [
    ("top level is a list", lambda raw: [raw], "holds a list where a JSON object belongs"),
    ("top level is a number", lambda raw: 3, "holds a number where a JSON object belongs"),
    ("files missing", _drop("files"), "lists no files"),
    ("files a list", _set("files", ["model.joblib"]), "lists no files"),
    ("model file omitted", _edit(lambda raw: raw["files"].pop("model.joblib")),
     "does not list model.joblib among the bundle's files"),
    ("file outside the folder", _add_file("../x"),
     "lists the file '../x', which is not a plain file name inside the bundle folder (a manifest may not point "
     "elsewhere)"),
    ("file in a subfolder", _add_file("sub\\x.json"),
     "lists the file 'sub\\\\x.json', which is not a plain file name inside the bundle folder (a manifest may not "
     "point elsewhere)"),
    ("file name with a control character", _add_file("model\x00.joblib"),
     "lists the file 'model\\x00.joblib', which is not a plain file name inside the bundle folder (a manifest may "
     "not point elsewhere)"),
    ("digest not a sha256", _edit(lambda raw: raw["files"].update({"schema.json": "abc"})),
     "has no sha256 (64 hexadecimal digits) for the file schema.json"),
    ("versions missing", _drop("versions"), "has no versions"),
    ("versions text", _set("versions", "1.9.1"), "has text at versions where an object belongs"),
    ("scikit-learn version missing", _drop("versions.scikit-learn"), "has no versions.scikit-learn"),
    ("metrics missing", _drop("metrics"), "has no metrics"),
    ("auc as text", _set("metrics.auc", "0.75"), "has text at metrics.auc where a number belongs"),
    ("auc interval of three", _set("metrics.auc_ci", [0.7, 0.75, 0.8]),
     "has a list of 3 at metrics.auc_ci where a list of 2 belongs"),
    ("n_test not whole", _set("metrics.n_test", 5126.5),
     "has a number at metrics.n_test where a whole number belongs"),
    ("brier not finite", _set("metrics.brier", float("nan")),
     "has nan at metrics.brier where a finite number belongs"),
    ("selected as text", _set("comparison.0.selected", "yes"),
     "has text at comparison[0].selected where true or false belongs"),
    ("event count negative", _set("metrics.events_test", -1),
     "has -1 at metrics.events_test where a count of at least 0 belongs"),
    ("risk bands missing", _drop("risk_bands"), "has no risk_bands"),
    ("risk bands empty", _set("risk_bands", []), "has no risk bands"),
    ("band upper missing", _edit(lambda raw: raw["risk_bands"][1].pop("upper")), "has no risk_bands[1].upper"),
    ("bands out of order", _set("risk_bands.1.lower", 0.3),
     "has the risk band 'moderate' starting at 0.3 where 'low' ended at 0.11; the bands must follow on in order"),
    ("band names repeated", _set("risk_bands.2.name", "low"),
     "has risk bands without a name or with the same name twice"),
    ("band holding no risk", _edit(lambda raw: raw["risk_bands"][1].update(upper=0.11) or
                                   raw["risk_bands"][2].update(lower=0.11)),
     "has the risk band 'moderate' from 0.11 to 0.11, which holds no risk"),
    ("threshold above 1", _set("decision_threshold", 22),
     "has 22 at decision_threshold where a risk from 0 to 1 belongs"),
    ("bands not up to 1", _set("risk_bands.2.upper", 0.9),
     "has risk bands from 0.0 to 0.9, where they must cover 0 to 1"),
    ("reference missing", _drop("reference"), "has no reference"),
    ("baseline risk missing", _drop("reference.baseline_risk"), "has no reference.baseline_risk"),
    ("baseline risk text", _set("reference.baseline_risk", "15%"),
     "has text at reference.baseline_risk where a number belongs"),
    ("baseline risk null", _set("reference.baseline_risk", None),
     "has null at reference.baseline_risk where a number belongs"),
    ("baseline risk above 1", _set("reference.baseline_risk", 15.0),
     "has 15.0 at reference.baseline_risk where a risk from 0 to 1 belongs"),
    ("baseline risk true", _set("reference.baseline_risk", True),
     "has true/false at reference.baseline_risk where a number belongs"),
    ("feature quantiles not a list", _set("reference.features.age.quantiles", {"0": 18}),
     "has an object at reference.features.age.quantiles where a list belongs"),
    ("feature without kind", _edit(lambda raw: raw["reference"]["features"]["age"].pop("kind")),
     "has no reference.features.age.kind"),
    ("categorical shares as a list", _set("reference.features.sex.shares", [0.5, 0.5]),
     "has a list at reference.features.sex.shares where an object belongs"),
    ("age-sex row without n", _edit(lambda raw: raw["reference"]["by_age_sex"][0].pop("n")),
     "has no reference.by_age_sex[0].n"),
    ("name a number", _set("name", 7), "has a number at name where text belongs"),
]


@pytest.mark.parametrize(("breaker", "problem"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_manifest_is_one_plain_sentence(tmp_path: Path, breaker: Breaker, problem: str) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, bundle)
    raw = _default_json()
    replaced = breaker(raw)
    (bundle / MANIFEST_FILE).write_text(json.dumps(raw if replaced is None else replaced), encoding="utf-8")
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle)
    assert str(caught.value) == REFUSE + problem + FIX
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # nothing chained behind it


@pytest.mark.parametrize(("content", "problem"), [
    (b"{not json", "is not valid JSON"),
    (b"\xff\xfe{}", "is not valid JSON"),
    (("[" * 200_000 + "]" * 200_000).encode(), "is not valid JSON"),  # deeper than the parser can go
    (b'{"files": ' + b"9" * 5000 + b"}", "is not valid JSON"),  # more digits than Python converts
    (b'{"files": {}, "pad": "' + b"x" * MAX_MANIFEST_BYTES + b'"}',
     "is larger than 1,048,576 bytes (1 MB), far more than a manifest holds, so Lantern did not read it"),
], ids=["broken JSON", "not UTF-8", "nested too deep", "huge number", "oversized"])
def test_unreadable_manifest_is_one_plain_sentence(tmp_path: Path, content: bytes, problem: str) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, bundle)
    (bundle / MANIFEST_FILE).write_bytes(content)
    with pytest.raises(BundleError) as caught:
        load_bundle(bundle)
    assert str(caught.value) == REFUSE + problem + FIX


def test_the_command_line_prints_the_sentence_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, bundle)
    raw = _default_json()
    del raw["reference"]["baseline_risk"]
    (bundle / MANIFEST_FILE).write_text(json.dumps(raw), encoding="utf-8")
    csv = tmp_path / "in.csv"
    csv.write_text("age\n70\n", encoding="utf-8")
    code = score_main(["--bundle", str(bundle), "--input", str(csv), "--output", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code != 0
    assert "The bundle's manifest.json has no reference.baseline_risk; rebuild the bundle." in err
    assert "Traceback" not in err

"""Save and load a model bundle: model file, schema, performance and a manifest of hashes.

Loading is careful because unpickling a crafted file runs arbitrary code: the manifest
(plain JSON) is read first, the scikit-learn version it names must equal the installed
one, and every file's sha256 must match the manifest, all before anything is unpickled.
Any failure raises ``BundleError`` with one plain sentence.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from importlib.metadata import version as installed_version
from pathlib import Path
from types import MappingProxyType
from typing import Any

import joblib
from joblib.numpy_pickle import NumpyUnpickler
from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

from core.data.schema import Schema
from core.model.estimator import LanternModel
from core.project_files import project_path
from core.settings import read_value

MODEL_FILE = "model.joblib"
SCHEMA_FILE = "schema.json"
PERFORMANCE_FILE = "performance.json"
MANIFEST_FILE = "manifest.json"
DEFAULT_BUNDLE = project_path("artifacts", "default")

#: Where the classes a bundle pickles lived before core/ had subpackages, so bundles built then still load.
MOVED_MODULES = MappingProxyType({
    "core.model": "core.model.estimator",
    "core.encode": "core.model.encode",
    "core.linear": "core.model.linear",
    "core.schema": "core.data.schema",
    "core.candidates": "core.training.candidates",
})


class BundleError(RuntimeError):
    """A bundle that cannot be used, worded for the person running Lantern."""


@dataclass(frozen=True)
class Bundle:
    """A loaded, verified bundle. Read-only: shared by every session of the app."""

    path: Path
    model: LanternModel
    schema: Schema
    manifest: dict[str, Any]
    performance: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.manifest.get("name", self.path.name))

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unknown"))

    @property
    def metrics(self) -> dict[str, Any]:
        return dict(self.manifest.get("metrics", {}))

    @property
    def bands(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("risk_bands", []))

    @property
    def reference(self) -> dict[str, Any]:
        return dict(self.manifest.get("reference", {}))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def configured_bundle_path() -> Path:
    """``LANTERN_BUNDLE`` when set (see core/settings.py), else the committed default bundle."""
    return read_value("LANTERN_BUNDLE") or DEFAULT_BUNDLE


def save_bundle(
    path: Path, model: LanternModel, manifest: dict[str, Any], performance: dict[str, Any]
) -> dict[str, Any]:
    """Write the bundle files, then the manifest with their sha256. Returns the manifest."""
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path / MODEL_FILE, compress=3)
    model.schema.save(path / SCHEMA_FILE)
    (path / PERFORMANCE_FILE).write_text(json.dumps(performance, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    manifest = dict(manifest)
    manifest["files"] = {name: sha256_file(path / name) for name in (MODEL_FILE, SCHEMA_FILE, PERFORMANCE_FILE)}
    (path / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return manifest


def read_manifest(path: Path) -> dict[str, Any]:
    file = path / MANIFEST_FILE
    if not path.is_dir():
        raise BundleError(f"No model bundle at {path}: the folder does not exist.")
    if not file.is_file():
        raise BundleError(f"{path} is not a Lantern bundle: it has no {MANIFEST_FILE}.")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"The bundle's {MANIFEST_FILE} is not valid JSON; rebuild the bundle.") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BundleError(f"The bundle's {MANIFEST_FILE} lists no files; rebuild the bundle.")
    return manifest


def verify_bundle(path: Path, manifest: dict[str, Any]) -> None:
    """Refuse version skew and any file whose sha256 differs from the manifest."""
    built_with = manifest.get("versions", {}).get("scikit-learn")
    installed = installed_version("scikit-learn")  # without importing it: scoring a linear bundle never needs it
    if built_with != installed:
        raise BundleError(
            f"This bundle was built with scikit-learn {built_with} but {installed} is installed; "
            "a model only loads safely with the version it was built with. Install that version or retrain."
        )
    for name in (MODEL_FILE, SCHEMA_FILE, PERFORMANCE_FILE):
        if name not in manifest["files"]:
            raise BundleError(f"The bundle's manifest does not list {name}; rebuild the bundle.")
    for name, expected in manifest["files"].items():
        file = path / name
        if Path(name).name != name or not file.is_file():
            raise BundleError(f"The bundle file {name} is missing.")
        if sha256_file(file) != expected:
            raise BundleError(
                f"The bundle file {name} has changed since the bundle was built (its sha256 does not match "
                "the manifest). Lantern will not load it; restore the file or retrain."
            )


class _MovedModulesUnpickler(NumpyUnpickler):
    """joblib's unpickler, reading classes saved under their pre-subpackage module paths from their new home."""

    def find_class(self, module: str, name: str) -> Any:
        return super().find_class(MOVED_MODULES.get(module, module), name)


def _unpickle(data: bytes) -> Any:
    """Unpickle the bytes that were verified, not the file again: the file may have changed in between."""
    with _validate_fileobject_and_memmap(io.BytesIO(data), "", None) as (fobj, _):
        return _MovedModulesUnpickler("", fobj, ensure_native_byte_order=True).load()


def load_bundle(path: Path | None = None) -> Bundle:
    """Load and verify a bundle (``LANTERN_BUNDLE`` or the default when no path is given)."""
    path = Path(path) if path is not None else configured_bundle_path()
    manifest = read_manifest(path)
    verify_bundle(path, manifest)
    data = (path / MODEL_FILE).read_bytes()
    if hashlib.sha256(data).hexdigest() != manifest["files"][MODEL_FILE]:
        raise BundleError(
            f"The bundle file {MODEL_FILE} changed while it was being loaded. Lantern will not load it; "
            "restore the file or retrain."
        )
    try:
        model = _unpickle(data)
    except Exception as exc:
        raise BundleError(f"The model file could not be read ({type(exc).__name__}); rebuild the bundle.") from exc
    if not isinstance(model, LanternModel):
        raise BundleError("The model file does not hold a Lantern model; rebuild the bundle.")
    schema = Schema.load(path / SCHEMA_FILE)
    performance = json.loads((path / PERFORMANCE_FILE).read_text(encoding="utf-8"))
    return Bundle(path=path, model=model, schema=schema, manifest=manifest, performance=performance)

"""Save and load a model bundle: model file, schema, performance and a manifest of hashes.

Loading is careful because unpickling a crafted file runs arbitrary code: the manifest
(plain JSON) is read first, the scikit-learn version it names must equal the installed
one, and every file's sha256 must match the manifest, all before anything is unpickled.
The manifest is parsed and checked once, here, into the typed ``Manifest``
(core/model/manifest.py). Any failure raises ``BundleError`` with one plain sentence.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from types import MappingProxyType
from typing import Any

import joblib
from joblib.numpy_pickle import NumpyUnpickler
from joblib.numpy_pickle_utils import _validate_fileobject_and_memmap

from core.data.schema import Schema
from core.model.estimator import LanternModel
from core.model.manifest import (
    BUNDLE_FILES,
    MODEL_FILE,
    PERFORMANCE_FILE,
    SCHEMA_FILE,
    Manifest,
    ManifestError,
    Metrics,
)
from core.project_files import project_path
from core.settings import read_value

MANIFEST_FILE = "manifest.json"
#: A manifest is a few tens of kilobytes; a larger file is refused before it is parsed.
MAX_MANIFEST_BYTES = 1 << 20
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
    manifest: Manifest
    performance: dict[str, Any]

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def metrics(self) -> Metrics:
        return self.manifest.metrics

    @property
    def bands(self) -> list[dict[str, Any]]:
        """The risk bands as JSON objects (name, lower, upper), the shape band_of and band_counts take."""
        return [band.to_json() for band in self.manifest.risk_bands]

    @property
    def reference(self) -> dict[str, Any]:
        """The training reference as JSON, the shape the drift functions and percentiles take."""
        return dict(self._reference_json)

    @cached_property
    def _reference_json(self) -> dict[str, Any]:
        """Written out once per bundle: the engine reads the reference for every patient it places."""
        return self.manifest.reference.to_json()


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
    path: Path, model: LanternModel, manifest: Mapping[str, Any], performance: dict[str, Any]
) -> Manifest:
    """Write the bundle files, then the manifest with their sha256. Returns the manifest as it will load.

    ``manifest`` is every part but ``files``; it is checked as a loaded bundle's would be before it is written.
    """
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path / MODEL_FILE, compress=3)
    model.schema.save(path / SCHEMA_FILE)
    (path / PERFORMANCE_FILE).write_text(json.dumps(performance, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    files = {name: sha256_file(path / name) for name in BUNDLE_FILES}
    typed = Manifest.from_json({**manifest, "files": files})
    (path / MANIFEST_FILE).write_text(json.dumps(typed.to_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    return typed


def _manifest_refused(problem: str) -> BundleError:
    return BundleError(f"The bundle's {MANIFEST_FILE} {problem}; rebuild the bundle.")


def _manifest_bytes(path: Path) -> bytes:
    """The manifest's bytes, refusing a missing folder or file and anything over MAX_MANIFEST_BYTES unread."""
    file = path / MANIFEST_FILE
    if not path.is_dir():
        raise BundleError(f"No model bundle at {path}: the folder does not exist.")
    if not file.is_file():
        raise BundleError(f"{path} is not a Lantern bundle: it has no {MANIFEST_FILE}.")
    with file.open("rb") as fh:
        data = fh.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise _manifest_refused(f"is larger than {MAX_MANIFEST_BYTES:,} bytes (1 MB), far more than a manifest "
                                "holds, so Lantern did not read it")
    return data


def read_manifest(path: Path) -> Manifest:
    """Read, parse and check the bundle's manifest: the only place a manifest is checked."""
    data = _manifest_bytes(path)
    try:
        raw = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):  # bad JSON or UTF-8, a number too long to convert, nesting too deep
        raise _manifest_refused("is not valid JSON") from None
    try:
        return Manifest.from_json(raw)
    except ManifestError as exc:
        raise _manifest_refused(str(exc)) from None


def verify_bundle(path: Path, manifest: Manifest) -> None:
    """Refuse version skew and any file whose sha256 differs from the manifest."""
    built_with = manifest.versions.scikit_learn
    installed = installed_version("scikit-learn")  # without importing it: scoring a linear bundle never needs it
    if built_with != installed:
        raise BundleError(
            f"This bundle was built with scikit-learn {built_with} but {installed} is installed; "
            "a model only loads safely with the version it was built with. Install that version or retrain."
        )
    for name, expected in manifest.files.sha256.items():
        file = path / name
        if not file.is_file():
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
    if hashlib.sha256(data).hexdigest() != manifest.files.sha256[MODEL_FILE]:
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

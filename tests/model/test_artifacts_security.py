"""Model artifacts: one place unpickles, only the configured bundle, and a bad bundle is refused plainly.

Unpickling runs code, so it must happen in exactly one function (core.model.bundle.load_bundle),
after the manifest's version and sha256 checks, on the folder the administrator
configured (``LANTERN_BUNDLE`` or the default) and never on anything a user uploads. The
source scans use ``ast`` with import aliases resolved, so ``from pickle import loads as
x`` is caught as well. The app tests serve a tampered, a version-skewed and a malicious
copy of the default bundle through every page.
"""

from __future__ import annotations

import ast
import json
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.model.bundle import DEFAULT_BUNDLE, MANIFEST_FILE, MODEL_FILE
from tests.conftest import ROOT

APP = str(ROOT / "streamlit_app.py")
PAGES = ("patient", "cohort", "model")
SCANNED = ("core", "views", "service")

#: Calls that turn bytes into arbitrary Python objects (or run code while doing so).
DESERIALISERS = {
    f"{module}.{name}"
    for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle", "joblib", "marshal", "jsonpickle", "torch")
    for name in ("load", "loads", "Unpickler", "decode")
} | {"shelve.open", "pandas.read_pickle", "yaml.load", "yaml.unsafe_load", "yaml.full_load",
     "numpy.lib.format.read_array", "joblib.numpy_pickle.NumpyUnpickler", "pickle._Unpickler"}
ALLOWED = {("core/model/bundle.py", "_unpickle", "joblib.numpy_pickle.NumpyUnpickler")}
UPLOAD_TYPES = {"csv", "txt", "tsv", "json"}
LOADERS = ("core.scoring.engine.Engine.load", "core.model.bundle.load_bundle")


def _sources() -> Iterator[Path]:
    yield ROOT / "streamlit_app.py"
    for package in SCANNED:
        yield from sorted((ROOT / package).rglob("*.py"))


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> dotted name it was imported as (``np`` -> ``numpy``, ``loads`` -> ``pickle.loads``)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    for node in ast.walk(tree):  # a subclass of an unpickler unpickles too: calls to it count as calls to its base
        if isinstance(node, ast.ClassDef):
            unsafe_bases = [b for b in (_dotted(base, out) for base in node.bases) if b in DESERIALISERS]
            if unsafe_bases:
                out[node.name] = unsafe_bases[0]
    return out


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _unsafe(call: ast.Call, name: str) -> bool:
    if name in DESERIALISERS:
        return True
    if name in ("numpy.load", "numpy.lib.npyio.load"):
        flag = next((k.value for k in call.keywords if k.arg == "allow_pickle"), None)
        return not (flag is None or (isinstance(flag, ast.Constant) and flag.value is False))
    return False


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, str]:
    owner: dict[ast.AST, str] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(fn):
                if inner is not fn:
                    owner.setdefault(inner, fn.name)  # outermost function first: ast.walk is breadth-first
    return owner


def deserialising_calls() -> set[tuple[str, str, str]]:
    """(file, enclosing function or <module>, dotted call) for every call that can unpickle."""
    found = set()
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases, owner = _aliases(tree), _enclosing_functions(tree)
        for call in ast.walk(tree):
            if isinstance(call, ast.Call):
                name = _dotted(call.func, aliases)
                if name and _unsafe(call, name):
                    found.add((path.relative_to(ROOT).as_posix(), owner.get(call, "<module>"), name))
    return found


def test_only_load_bundle_unpickles() -> None:
    """The scan finds exactly one unpickling call in the app, the service and core: in load_bundle."""
    assert deserialising_calls() == ALLOWED


def test_the_scan_catches_aliases_and_allow_pickle() -> None:
    code = ("import numpy as np\nfrom pickle import loads as ld\nimport joblib as jl\nimport pandas as pd\n"
            "from joblib.numpy_pickle import NumpyUnpickler as NU\nclass Mine(NU):\n    pass\n"
            "def f(b):\n    ld(b); jl.load(b); pd.read_pickle(b); np.load(b, allow_pickle=True); np.load(b); Mine(b)\n")
    tree = ast.parse(code)
    aliases = _aliases(tree)
    hits = [n for c in ast.walk(tree) if isinstance(c, ast.Call)
            for n in [_dotted(c.func, aliases)] if n and _unsafe(c, n)]
    assert hits == ["pickle.loads", "joblib.load", "pandas.read_pickle", "numpy.load",
                    "joblib.numpy_pickle.NumpyUnpickler"]


def test_load_bundle_verifies_before_it_unpickles() -> None:
    tree = ast.parse((ROOT / "core" / "model" / "bundle.py").read_text(encoding="utf-8"))
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "load_bundle")
    aliases = _aliases(tree)
    lines = {}
    for call in ast.walk(fn):
        if isinstance(call, ast.Call):
            lines.setdefault(_dotted(call.func, aliases), call.lineno)
    assert lines["read_manifest"] < lines["verify_bundle"] < lines["hashlib.sha256"] < lines["_unpickle"]


def test_the_bundle_path_comes_only_from_the_configuration() -> None:
    """Views and the service load the bundle named by LANTERN_BUNDLE (or the default), never one a user picks."""
    loads = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("core/"):
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        aliases = _aliases(tree)
        for call in ast.walk(tree):
            # a call of the loader, or a call that is handed the loader (run_in_threadpool(Engine.load, path))
            if isinstance(call, ast.Call) and any(
                    _dotted(n, aliases) in LOADERS for n in (call.func, *call.args) if isinstance(n, ast.expr)):
                loads.append((rel, ast.unparse(call)))
            if isinstance(call, ast.Attribute) and call.attr == "query_params":
                pytest.fail(f"{rel} reads URL query parameters")
    # views/shared.py loads through a cache keyed by the path; that cache is only fed configured_bundle_path()
    shared = (ROOT / "views" / "shared.py").read_text(encoding="utf-8")
    assert "return _engine_for(str(configured_bundle_path().resolve()))" in shared
    assert shared.count("_engine_for(") == 2  # its definition and that one call
    for rel, call in loads:
        assert rel == "views/shared.py" or "configured_bundle_path()" in call, (rel, call)
    assert {rel for rel, _ in loads} >= {"views/shared.py", "service/app.py"}


def test_uploaders_accept_only_text_formats() -> None:
    """Nothing a user uploads can be a model or a pickle: every uploader takes CSV/text/JSON only."""
    seen = 0
    for path in (ROOT / "views").rglob("*.py"):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
                    call.func.attr == "file_uploader":
                seen += 1
                types = next((k.value for k in call.keywords if k.arg == "type"), None)
                assert types is not None, f"{path.name}: an uploader without a type list accepts anything"
                assert set(ast.literal_eval(types)) <= UPLOAD_TYPES, path.name
    assert seen >= 1


# ---------------------------------------------------------------------------- bad bundles through the app


def _copy(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, bundle)
    return bundle


def _tamper(bundle: Path, _marker: Path) -> str:
    with (bundle / "performance.json").open("a", encoding="utf-8") as fh:
        fh.write(" ")
    return "performance.json has changed since the bundle was built"


def _skew(bundle: Path, _marker: Path) -> str:
    manifest = json.loads((bundle / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["versions"]["scikit-learn"] = "0.0.1"
    (bundle / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    return "built with scikit-learn 0.0.1"


class _Evil:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


def _malicious(bundle: Path, marker: Path) -> str:
    (bundle / MODEL_FILE).write_bytes(pickle.dumps(_Evil(marker)))
    return "model.joblib has changed since the bundle was built"


BAD = {"tampered": _tamper, "version-skewed": _skew, "malicious": _malicious}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("kind", sorted(BAD))
def test_bad_bundle_is_refused_with_a_plain_message(kind: str, page: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _copy(tmp_path)
    marker = tmp_path / "code-ran"
    reason = BAD[kind](bundle, marker)
    monkeypatch.setenv("LANTERN_BUNDLE", str(bundle))
    at = AppTest.from_file(APP, default_timeout=60)
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, "a traceback reached the screen"
    (message,) = [e.value for e in at.error]
    assert message.startswith("The model could not be loaded.") and reason in message, message
    assert "Traceback" not in message
    assert not at.metric and not at.dataframe, "nothing is computed without a verified model"
    assert not marker.exists(), "the pickled payload ran"


def test_an_intact_copy_loads_from_lantern_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusals above come from the copy named by LANTERN_BUNDLE: an intact copy loads fine."""
    monkeypatch.setenv("LANTERN_BUNDLE", str(_copy(tmp_path)))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception and not at.error
    assert any(m.label == "30-day readmission risk" for m in at.metric)

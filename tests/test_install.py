"""``pip install .`` gives a working ``lantern`` command, from a folder outside the checkout.

The first tests call ``core.cli.main`` in this process; the ``slow`` ones build and install the wheel.

The wheel is built from a copy of the sources (so the checkout gets no build/ or egg-info) and
installed into a fresh venv. That venv sees this test's packages through a ``.pth`` file rather
than ``--system-site-packages``: this interpreter is usually itself a venv, and a venv's "system"
is the base Python, which has none of the pinned libraries. Nothing is downloaded: the build uses
the setuptools already installed (requirements-dev.txt) and the install uses ``--no-deps``.
"""

from __future__ import annotations

import os
import shutil
import site
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from core.cli import APP_SCRIPT, COMMANDS, app_command, main, streamlit_flags
from tests.conftest import ROOT

NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "tests", "bench", "__pycache__", "build", "dist", "*.egg-info",
                                     ".pytest_cache", ".ruff_cache", ".hypothesis", ".ci")


def _run(args: list[str | Path], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "PYTHON"))}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-1500:]}\n{proc.stderr[-3000:]}"
    return proc


def test_help_lists_every_subcommand_and_a_bad_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(f"\n  {name} " in out for name in ("app", "score", "train", "synth", "serve")), out
    assert main(["scroe"]) == 2
    assert capsys.readouterr().err.startswith("lantern: unknown command 'scroe'; choose one of app, score, train,")
    assert main([]) == 2


def test_a_subcommand_forwards_its_arguments(tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    assert main(["synth", "--rows", "20", "--seed", "3", "--out", str(out)]) == 0
    from core.synthetic.cli import main as synth_main

    assert synth_main(["--rows", "20", "--seed", "3", "--out", str(tmp_path / "d.csv")]) == 0
    assert out.read_bytes() == (tmp_path / "d.csv").read_bytes()


def test_the_app_gets_the_project_streamlit_settings_as_flags() -> None:
    flags = streamlit_flags(ROOT / ".streamlit" / "config.toml")
    assert {"--client.showErrorDetails=none", "--server.enableXsrfProtection=true", "--server.maxUploadSize=200",
            "--browser.gatherUsageStats=false", "--runner.magicEnabled=false"} <= set(flags)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; returns its bin folder."""
    pytest.importorskip("setuptools", reason="building the wheel offline needs setuptools (requirements-dev.txt)")
    work = tmp_path_factory.mktemp("install")
    src, dist, env = work / "src", work / "dist", work / "venv"
    shutil.copytree(ROOT, src, ignore=NOT_SOURCES)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, src], work)
    _run([sys.executable, "-m", "venv", "--without-pip", env], work)
    (purelib,) = (env / "lib").glob("python3*/site-packages")
    (purelib / "test_parent_packages.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    (wheel,) = dist.glob("lantern-*.whl")
    _run([env / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", wheel], work)
    return env / "bin"


@pytest.mark.slow
def test_the_installed_command_lists_every_subcommand(venv: Path, tmp_path: Path) -> None:
    out = _run([venv / "lantern", "--help"], tmp_path).stdout
    for name in ("app", "score", "train", "synth", "serve"):
        assert f"\n  {name} " in out, out
    assert set(COMMANDS) == {"app", "score", "train", "synth", "serve"}


@pytest.mark.slow
def test_the_installed_packages_and_files_are_used_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    probe = ("import core, service, views.components.cohort_upload as upload; from core.model.bundle import "
             "DEFAULT_BUNDLE; print(core.__file__); print(DEFAULT_BUNDLE); print(upload.DEMO_COHORT)")
    core_file, bundle, demo = _run([venv / "python", "-c", probe], tmp_path).stdout.split()
    prefix = venv.parent.resolve()
    assert Path(core_file).is_relative_to(prefix), core_file
    assert Path(bundle) == prefix / "share" / "lantern" / "artifacts" / "default"
    assert Path(demo).is_file() and Path(demo).is_relative_to(prefix / "share" / "lantern")
    packaged = {p.relative_to(Path(core_file).parent).as_posix() for p in Path(core_file).parent.rglob("*.*")}
    assert {"data/known_features.json", "explain/explanation_method.md"} <= packaged
    assert any(p.startswith("reports/text/") for p in packaged)


@pytest.mark.slow
def test_synth_then_score_with_the_installed_default_bundle(venv: Path, tmp_path: Path) -> None:
    cohort, scored = tmp_path / "cohort.csv", tmp_path / "scored.csv"
    _run([venv / "lantern", "synth", "--rows", "50", "--seed", "1", "--out", cohort], tmp_path)
    _run([venv / "lantern", "score", "--input", cohort, "--output", scored], tmp_path)
    frame = pd.read_csv(scored)
    assert len(frame) == 50 and set(frame["status"]) == {"scored"}
    assert frame["risk"].between(0, 1).all()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_the_installed_app_starts(venv: Path, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANTERN_", "PYTHON"))}
    proc = subprocess.Popen([venv / "lantern", "app", "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, health = time.monotonic() + 45, ""
        while time.monotonic() < deadline and proc.poll() is None and health != "ok":
            time.sleep(0.5)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    health = reply.read().decode()
            except OSError:
                continue
        assert health == "ok", proc.stdout.read() if proc.poll() is not None else "no answer within 45 s"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_lantern_app_runs_streamlit_as_a_child_of_the_same_python() -> None:
    """core/ never imports Streamlit: ``lantern app`` runs ``python -m streamlit run`` on the installed app."""
    command = app_command(["--server.port", "8599"])
    assert command[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert command[4] == str(APP_SCRIPT) and command[-2:] == ["--server.port", "8599"]
    assert "--client.showErrorDetails=none" in command

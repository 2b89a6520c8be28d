"""``core.score --engine dask`` gives the local output byte for byte, on a real local Dask cluster.

One cluster of two worker processes (as ``dask worker`` would run them) serves most tests;
one test runs the CLI in a fresh process without ``--scheduler``, so it starts its own.
dask is a requirement, so it is imported plainly: without it these tests fail, not skip.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dask
import distributed
import pandas as pd
import pytest

import core.scoring.dask_engine as dask_engine
from core.data.csvio import DEFAULT_MAX_CELL, CsvChunk
from core.model.bundle import DEFAULT_BUNDLE, MANIFEST_FILE, BundleError
from core.scoring.cli import main
from core.scoring.dask_engine import ClusterError, _EnginePlugin, _environment, _install, score_file_on_dask
from tests.conftest import ROOT

CORPUS = ROOT / "tests" / "corpus"
BROKEN = CORPUS / "every_10th_broken_2000.csv"  # 2,000 rows, every 10th broken in one of five ways
#: Every file of the malformed corpus: scored, rejected and broken rows, odd encodings and delimiters,
#: and files the local path refuses as a whole (the dask path must refuse them in the same words).
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*.csv"))


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A local cluster of two worker processes, set up as the README asks of a real one (no spilling)."""
    with dask.config.set({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                           dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False})
    with cluster:
        yield cluster.scheduler_address


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, re.sub(r" in \d+\.\d+ s ", " in _ s ", out), err


@pytest.mark.parametrize("name", CORPUS_FILES)
def test_the_cli_on_a_cluster_matches_the_local_cli_byte_for_byte(
    name: str, scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = CORPUS / name
    local_out, dask_out = tmp_path / "local.csv", tmp_path / "dask.csv"
    local = _run(capsys, ["--input", str(source), "--output", str(local_out), "--explain"])
    remote = _run(capsys, ["--input", str(source), "--output", str(dask_out), "--explain",
                           "--engine", "dask", "--scheduler", scheduler])
    assert remote[0] == local[0]
    assert remote[2] == local[2]  # the same error, worded the same, or none
    assert remote[1].replace(str(dask_out), "OUT") == local[1].replace(str(local_out), "OUT")
    assert dask_out.exists() == local_out.exists()
    if local_out.exists():
        assert dask_out.read_bytes() == local_out.read_bytes()


def test_without_explain_the_outputs_match_too(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local_out, dask_out = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert _run(capsys, ["--input", str(BROKEN), "--output", str(local_out)])[0] == 0
    assert _run(capsys, ["--input", str(BROKEN), "--output", str(dask_out), "--engine", "dask",
                         "--scheduler", scheduler])[0] == 0
    assert dask_out.read_bytes() == local_out.read_bytes()
    assert "contrib_" not in dask_out.read_text().splitlines()[0]


def test_many_chunks_are_scored_on_the_workers_and_written_in_order_with_few_in_flight(
    scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """14 chunks of 150 rows, at most 3 sent ahead of the writer; none scored in this process."""
    local_out = tmp_path / "local.csv"
    assert _run(capsys, ["--input", str(BROKEN), "--output", str(local_out), "--explain"])[0] == 0

    events: list[str] = []
    real_reader, real_sink = dask_engine.iter_csv_chunks, dask_engine.CsvSink

    def reader(*args: Any, **kwargs: Any) -> Iterator[CsvChunk]:
        for chunk in real_reader(*args, **kwargs):
            events.append("read")
            yield chunk

    class Sink(real_sink):
        def write(self, output: pd.DataFrame) -> None:
            events.append("write")
            super().write(output)

    def not_here(*_args: object) -> None:
        raise AssertionError("a chunk was scored in the client process, not on a worker")

    monkeypatch.setattr(dask_engine, "iter_csv_chunks", reader)
    monkeypatch.setattr(dask_engine, "CsvSink", Sink)
    monkeypatch.setattr(dask_engine, "score_chunk", not_here)
    out = tmp_path / "dask.csv"
    counts = score_file_on_dask(DEFAULT_BUNDLE, BROKEN, out, True, DEFAULT_MAX_CELL, scheduler=scheduler,
                                chunk_rows=150, in_flight=3)

    assert out.read_bytes() == local_out.read_bytes()
    assert (counts.read, counts.scored, counts.rejected) == (2000, 1800, 200)
    assert events.count("read") == events.count("write") == 14
    ahead = [events[: i + 1].count("read") - events[: i + 1].count("write") for i in range(len(events))]
    assert max(ahead) == 3


def test_each_worker_loads_the_engine_once_and_keeps_it_between_runs(
    scheduler: str, tmp_path: Path
) -> None:
    name = _EnginePlugin.for_bundle(DEFAULT_BUNDLE).name

    def engine_ids(dask_worker: distributed.Worker) -> int | None:
        plugin = dask_worker.plugins.get(name)
        return id(plugin.engine()) if plugin is not None else None

    runs = []
    with distributed.Client(scheduler, set_as_default=False) as client:
        for run in range(2):
            score_file_on_dask(DEFAULT_BUNDLE, BROKEN, tmp_path / f"{run}.csv", False, DEFAULT_MAX_CELL,
                               scheduler=scheduler, chunk_rows=500)
            runs.append(client.run(engine_ids))
    assert len(runs[0]) == 2 and None not in runs[0].values()  # both workers hold a loaded engine
    assert runs[1] == runs[0]  # the same objects: nothing was loaded again or sent with the tasks


def test_a_worker_with_another_bundle_is_refused_by_name(scheduler: str, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE, bundle)
    other_sha = "0" * 64  # what this machine would expect if its manifest differed from the workers'
    with distributed.Client(scheduler, set_as_default=False) as client:
        with pytest.raises(BundleError, match=r"Dask worker tcp://127\.0\.0\.1:\d+ cannot use the bundle at .*"
                                              r"manifest.json differs from this machine's"):
            _install(client, _EnginePlugin(bundle, other_sha, _environment()))
        missing = _EnginePlugin(tmp_path / "nowhere", other_sha, _environment())
        with pytest.raises(BundleError, match="needs read access to the bundle folder"):
            _install(client, missing)
        # a failed load is not left on the scheduler for workers that join later
        assert missing.name not in client.run_on_scheduler(lambda dask_scheduler: list(dask_scheduler.worker_plugins))


def test_a_worker_with_other_library_versions_is_refused_by_name(scheduler: str) -> None:
    bundle = DEFAULT_BUNDLE.resolve()
    env = {**_environment(), "numpy": "0.0.1"}
    plugin = _EnginePlugin(bundle, dask_engine.sha256_file(bundle / MANIFEST_FILE), env)
    with distributed.Client(scheduler, set_as_default=False) as client, pytest.raises(
        ClusterError, match=r"Dask worker tcp://127\.0\.0\.1:\d+ would not score exactly like this machine: "
                            r"it has numpy \S+ \(here 0\.0\.1\)"
    ):
        _install(client, plugin)


def test_a_worker_that_may_spill_to_disk_is_refused(tmp_path: Path) -> None:
    """Dask's default is to spill to disk under memory pressure; patient rows must not be."""
    with (
        dask.config.set({"distributed.worker.memory.target": 0.6, "distributed.worker.memory.spill": 0.7}),
        distributed.LocalCluster(n_workers=1, processes=False, protocol="tcp", host="127.0.0.1", memory_limit="2GiB",
                                 dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False}) as cluster,
        pytest.raises(ClusterError, match=r"may spill data to its disk.*MEMORY__SPILL=False"),
    ):
        score_file_on_dask(DEFAULT_BUNDLE, BROKEN, tmp_path / "out.csv", False, DEFAULT_MAX_CELL,
                           scheduler=cluster.scheduler_address)
    assert not (tmp_path / "out.csv").exists()


def test_an_unreachable_scheduler_is_one_plain_line_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:  # a port on this machine that nothing listens on
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 2)
    out = tmp_path / "out.csv"
    code, stdout, stderr = _run(capsys, ["--input", str(BROKEN), "--output", str(out), "--engine", "dask",
                                         "--scheduler", address])
    assert code == 1 and stdout == ""
    assert stderr.count("\n") == 1
    assert stderr.startswith(f"error: Could not reach the Dask scheduler at {address} within 2 s.")
    assert "`dask scheduler` is running there" in stderr and "leave out --scheduler" in stderr
    assert not out.exists()

    code, _, stderr = _run(capsys, ["--input", str(BROKEN), "--output", str(out), "--engine", "dask",
                                    "--scheduler", "scheduler-without-port"])
    assert code == 1 and stderr.startswith("error: 'scheduler-without-port' is not a Dask scheduler address")


def test_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--input", str(BROKEN), "--output", str(tmp_path / "o.csv"), "--scheduler", "tcp://127.0.0.1:8786"])
    assert exc.value.code == 2


def test_the_local_cli_does_not_import_dask(tmp_path: Path) -> None:
    """Only --engine dask pays for importing dask (this test module imports it, hence a fresh process)."""
    code = (
        "import sys; from core.scoring.cli import main; "
        f"assert main(['--input', {str(BROKEN)!r}, '--output', {str(tmp_path / 'o.csv')!r}]) == 0; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_without_a_scheduler_the_cli_starts_a_local_cluster(tmp_path: Path) -> None:
    """As a user runs it: a fresh process, two local worker processes, nothing on stderr."""
    local_out, dask_out = tmp_path / "local.csv", tmp_path / "dask.csv"
    assert main(["--input", str(BROKEN), "--output", str(local_out), "--explain"]) == 0
    done = subprocess.run(
        [sys.executable, "-m", "core.score", "--input", str(BROKEN), "--output", str(dask_out), "--explain",
         "--engine", "dask"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("read 2,000 rows: 1,800 scored, 200 rejected, 0 not eligible, "
                                  "0 insufficient data in ")
    assert dask_out.read_bytes() == local_out.read_bytes()

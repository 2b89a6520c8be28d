"""Score a CSV on a Dask cluster: ``python -m core.score ... --engine dask [--scheduler ADDRESS]``.

The same loop as ``core.scoring.batch.score_file``, with the scoring moved to other processes or
machines: this process streams the file with ``iter_csv_chunks`` (so encoding, delimiter,
broken-row reasons and limits are exactly the local ones), sends each chunk to a worker,
which scores it with the same ``score_chunk``, and writes the results in input order with
the same ``CsvSink``. The output is byte for byte the local one.

Each worker loads the bundle ONCE, in a worker plugin, from the same path as here, and
checks it against this machine's manifest sha256 and its own library versions and
Lantern code, so a worker that would score differently is refused by name rather than
trusted. Only a few chunks are in flight at a time, so memory stays bounded here and on
the workers; a worker that could spill data to its disk is refused, because patient rows
must stay in memory. Without ``--scheduler`` a local cluster of two worker processes is
started (and stopped) for the run.

This module imports dask, so ``core.score`` imports it only for ``--engine dask``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import logging
import traceback
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import dask
import pandas as pd
from distributed import Client, Future, LocalCluster, Worker, WorkerPlugin, get_worker
from distributed.comm.addressing import get_address_host_port, normalize_address

from core.data.csvio import iter_csv_chunks
from core.data.validate import ValidationError
from core.model.bundle import MANIFEST_FILE, BundleError, read_manifest, sha256_file, verify_bundle
from core.scoring.batch import CHUNK_ROWS, Counts, CsvSink, score_chunk

if TYPE_CHECKING:
    from core.scoring.engine import Engine

#: Seconds to wait for the scheduler to answer, and for it to have at least one worker.
CONNECT_TIMEOUT_S = 10
WORKERS_TIMEOUT_S = 30
#: The local cluster used without --scheduler: one process per core of this 2-core class of machine.
LOCAL_WORKERS = 2
#: Libraries whose version changes a score or how a cell is read; a worker must match this machine.
SCORING_PACKAGES = ("numpy", "pandas", "scikit-learn", "scipy", "numba", "shap", "joblib")
#: Patient rows stay in memory: a worker must not spill them to its disk.
_NO_SPILL = MappingProxyType({"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False})


class ClusterError(ConnectionError):
    """The Dask cluster cannot be reached or used, worded for the person running the command."""


def score_file_on_dask(
    bundle: Path,
    source: Path,
    target: Path,
    explain: bool,
    max_cell: int,
    max_rows: int | None = None,
    scheduler: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    in_flight: int | None = None,
) -> Counts:
    """``core.scoring.batch.score_file`` with each chunk scored on a Dask worker; same output, same errors.

    ``scheduler`` is the address of a running scheduler (``tcp://host:8786``); None starts a
    local cluster. ``in_flight`` bounds the chunks sent and not yet written (default: twice
    the cluster's worker threads), which bounds memory on both sides.
    """
    plugin = _EnginePlugin.for_bundle(bundle)  # a bundle that cannot be used fails here, before any cluster
    with _client(scheduler) as client:
        _install(client, plugin)
        limit = in_flight or max(2, 2 * sum(client.nthreads().values()))
        counts = Counts()
        pending: deque[Future] = deque()
        with CsvSink(target) as sink:
            for chunk in iter_csv_chunks(source, chunk_rows=chunk_rows, max_cell=max_cell, max_rows=max_rows):
                frame = client.scatter(chunk.frame, hash=False)
                pending.append(
                    client.submit(_score_on_worker, plugin.name, frame, chunk.row_problems, explain, pure=False)
                )
                if len(pending) >= limit:
                    _write(pending.popleft(), sink, counts)
            while pending:
                _write(pending.popleft(), sink, counts)
    return counts


def _write(future: Future, sink: CsvSink, counts: Counts) -> None:
    output = future.result()
    if isinstance(output, BaseException):
        raise output
    sink.write(output)
    counts.add(output)


@contextmanager
def _client(scheduler: str | None) -> Iterator[Client]:
    """A client of the given scheduler, or of a local cluster started for this run only."""
    if scheduler is None:
        with (
            dask.config.set(dict(_NO_SPILL)),
            LocalCluster(
                n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True, host="127.0.0.1",
                # no dashboard, and its HTTP server on any free port (8787 may be taken: no warning then)
                dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                silence_logs=logging.CRITICAL,  # errors reach this process and are worded once, there
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client
        return
    client = _connect(scheduler)
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except TimeoutError:
            raise ClusterError(
                f"The Dask scheduler at {scheduler} has no workers after {WORKERS_TIMEOUT_S} s; start at least "
                f"one with `dask worker {scheduler}` on a machine that has Lantern and the bundle."
            ) from None
        yield client


def _connect(scheduler: str) -> Client:
    fix = (
        "Check the address (for example tcp://host:8786), that `dask scheduler` is running there and that "
        "this machine can reach its port; or leave out --scheduler to use a local cluster."
    )
    try:  # checked before a Client exists: a Client that failed to start hangs at exit trying to close
        _, port = get_address_host_port(normalize_address(scheduler))
        if not 0 < port < 65536:
            raise ValueError(f"port {port} is outside 1-65535")
    except ValueError as exc:
        raise ClusterError(f"{scheduler!r} is not a Dask scheduler address ({exc}). {fix}") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError):
        raise ClusterError(
            f"Could not reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S} s. {fix}"
        ) from None


def _install(client: Client, plugin: _EnginePlugin) -> None:
    """Load the engine on every worker (and on any that joins later); a worker that cannot is named."""
    try:  # the scheduler unpickles each task, so it needs Lantern's code as well
        client.run_on_scheduler(importlib.import_module, __name__)
    except ImportError as exc:
        raise ClusterError(
            f"The Dask scheduler at {client.scheduler.address} cannot import Lantern's code ({__name__}: {exc}). "
            "Like every worker, it needs the same Lantern checkout on its Python path: start it with "
            "PYTHONPATH=/path/to/lantern dask scheduler."
        ) from None
    try:
        client.register_plugin(plugin)
    except Exception:
        with suppress(Exception):  # so that workers joining later do not retry a load that failed
            client.unregister_worker_plugin(plugin.name)
        raise


def _score_on_worker(
    plugin_name: str, frame: pd.DataFrame, row_problems: dict[int, str], explain: bool
) -> pd.DataFrame | BaseException:
    """One chunk's output rows, scored with this worker's engine.

    A failure is returned, not raised: a raised error makes the worker log the task, and
    patient rows have no place in a log. The caller raises it.
    """
    worker = get_worker()
    try:
        plugin = worker.plugins.get(plugin_name)
        if not isinstance(plugin, _EnginePlugin):
            raise ClusterError(f"Dask worker {worker.address} has no Lantern engine ({plugin_name}); run again.")
        return score_chunk(plugin.engine(), frame, row_problems, explain)
    except (BundleError, ClusterError, ValidationError) as exc:
        return exc
    except Exception as exc:
        failure = RuntimeError(f"Scoring a chunk failed on Dask worker {worker.address}: {type(exc).__name__}")
        failure.add_note(traceback.format_exc())
        return failure


class _EnginePlugin(WorkerPlugin):
    """The bundle's ``Engine``, loaded once per worker process and shared by its tasks (read-only).

    Carries only what identifies the engine (bundle path, manifest sha256, library versions
    and Lantern code of this machine), never the model itself: each worker loads and
    verifies the bundle from its own disk.
    """

    idempotent = True  # a long-lived cluster keeps the engine loaded between runs of the same bundle and code

    def __init__(self, bundle: Path, manifest_sha256: str, environment: dict[str, str]) -> None:
        self.bundle = bundle
        self.manifest_sha256 = manifest_sha256
        self.environment = environment
        identity = json.dumps([str(bundle), manifest_sha256, environment], sort_keys=True)
        self.name = "lantern-engine-" + hashlib.sha256(identity.encode()).hexdigest()[:16]
        self._engine: Engine | None = None
        self._error: BaseException | None = None

    @classmethod
    def for_bundle(cls, bundle: Path) -> _EnginePlugin:
        """Verify the bundle here first, so a broken bundle is reported before any cluster starts."""
        bundle = Path(bundle).resolve()
        verify_bundle(bundle, read_manifest(bundle))
        return cls(bundle, sha256_file(bundle / MANIFEST_FILE), _environment())

    async def setup(self, worker: Worker) -> None:
        try:
            self._check_worker(worker)
            self._engine = await asyncio.to_thread(self._load, worker.address)
        except Exception as exc:
            self._error = exc  # a worker that joins later and fails reports it on its first chunk
            raise

    def engine(self) -> Engine:
        if self._engine is None:
            raise self._error or ClusterError("The Lantern engine is not loaded on this worker.")
        return self._engine

    def _check_worker(self, worker: Worker) -> None:
        if not isinstance(worker.data, dict):
            raise ClusterError(
                f"Dask worker {worker.address} may spill data to its disk ({type(worker.data).__name__}), and patient "
                "rows must stay in memory. Start the workers with DASK_DISTRIBUTED__WORKER__MEMORY__TARGET=False "
                "and DASK_DISTRIBUTED__WORKER__MEMORY__SPILL=False."
            )
        here = _environment()
        differ = [name for name in self.environment if here.get(name) != self.environment[name]]
        if differ:
            shown = ", ".join(f"{n} {here.get(n)} (here {self.environment[n]})" for n in differ)
            raise ClusterError(
                f"Dask worker {worker.address} would not score exactly like this machine: it has {shown}. "
                "Install the same requirements.txt and the same Lantern checkout on every worker."
            )

    def _load(self, address: str) -> Engine:
        from core.scoring.engine import Engine

        where = f"Dask worker {address} cannot use the bundle at {self.bundle}"
        try:
            if sha256_file(self.bundle / MANIFEST_FILE) != self.manifest_sha256:
                raise BundleError(
                    f"{where}: its {MANIFEST_FILE} differs from this machine's (sha256). "
                    "Copy the same bundle folder to every worker, at the same path."
                )
            return Engine.load(self.bundle)
        except OSError as exc:
            raise BundleError(
                f"{where} ({exc.strerror}: {exc.filename}). Every worker needs read access to the bundle folder "
                "at the same path as here."
            ) from None
        except BundleError as exc:
            if str(exc).startswith(where):
                raise
            raise BundleError(f"{where}: {exc}") from None


def _environment() -> dict[str, str]:
    """What decides a score besides the bundle: library versions and a sha256 of Lantern's code."""
    versions = {name: _version(name) for name in SCORING_PACKAGES}
    core_dir = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for file in sorted(p for p in core_dir.rglob("*") if p.is_file() and _is_source(p.relative_to(core_dir))):
        digest.update(file.relative_to(core_dir).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return {**versions, "lantern code (core/)": digest.hexdigest()[:16]}


def _is_source(relative: Path) -> bool:
    """Code and text that ship in core/, not caches, hidden files or editor backups."""
    return not any(part.startswith((".", "__pycache__")) for part in relative.parts) and relative.suffix in (
        ".py", ".json", ".md", ".yaml", ".yml", ".txt"
    )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"

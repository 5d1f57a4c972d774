"""The batch runner on a Dask distributed cluster (``ibis batch --scheduler tcp://host:8786``).

Municipalities are cut into chunks; each chunk is one Dask task that builds its reports with
one warm kernel (:func:`.worker.run_chunk`), exactly as a local worker does. Reports are written
by the Dask workers straight into the output folder, which must therefore be the same path on
every machine (shared file system), like data/ and the notebooks.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..errors import IbisError
from .worker import Outcome, Task, WorkerConfig, run_chunk


def chunks(tasks: list[Task], workers: int, restart_every: int) -> list[list[Task]]:
    """About two chunks per worker thread (load balance), never more than K per chunk."""
    size = max(1, min(restart_every, math.ceil(len(tasks) / max(1, 2 * workers))))
    return [tasks[i : i + size] for i in range(0, len(tasks), size)]


def run_dask(
    tasks: list[Task],
    cfg: WorkerConfig,
    scheduler: str,
    on_outcome: Callable[[Outcome], None],
    timeout: float = 30,
) -> None:
    """Run all tasks on the cluster behind `scheduler`; a lost chunk fails only its members."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise IbisError("Für --scheduler wird das Paket 'distributed' benötigt") from exc
    try:
        client = Client(scheduler, timeout=timeout)
    except OSError as exc:
        raise IbisError(
            f"Dask-Scheduler {scheduler} nicht erreichbar: {exc}",
            hint="Läuft `dask scheduler` dort, und ist der Port offen? Siehe docs/batch.md.",
        ) from exc
    with client:
        threads = sum(client.nthreads().values()) or 1
        parts = chunks(tasks, threads, cfg.restart_every)
        futures = client.map(run_chunk, parts, cfg=cfg, pure=False, retries=0)
        members = {f.key: part for f, part in zip(futures, parts, strict=True)}
        for fut in as_completed(futures):
            try:
                results = fut.result()
            except Exception as exc:  # worker lost, unpicklable result …: fail this chunk only
                for t in members[fut.key]:
                    on_outcome(
                        Outcome(t.ags, "failed", error=f"Dask-Aufgabe fehlgeschlagen: {exc}")
                    )
                continue
            for payload in results:
                on_outcome(Outcome(**payload))

"""What one batch worker does, and the local pool of worker processes.

A worker owns one :class:`WarmKernel` and builds report after report with it through
``build_report(..., executor=kernel.execute)``; the same ``serve`` loop runs in a local worker
process and inside a Dask task (see :mod:`.dask_exec`). A failing municipality is recorded and
the worker goes on (with a fresh kernel); the ``batch.json`` stamp is written only after the
report folder is in place, so an interrupted run never leaves a report that looks finished.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text
from .kernel import WarmKernel

STAMP = "batch.json"
DEFAULT_BUILD = "ibislib.report.build:build_report"


@dataclass
class Task:
    """One municipality to build; `stamp` is written into its folder when it succeeds."""

    ags: str
    out_dir: str
    stamp: dict


@dataclass
class WorkerConfig:
    """Everything a worker needs besides its tasks (picklable: sent to processes and Dask)."""

    build: str | Callable = DEFAULT_BUILD  # "module:function" or an importable function
    period: str | None = None
    formats: tuple[str, ...] = ("html",)
    chapters: list[str] | None = None
    notebooks_dir: str | None = None
    restart_every: int = 25
    kernel_name: str = "python3"
    cell_timeout: int = 900
    edition: int | None = None


@dataclass
class Outcome:
    ags: str
    status: str  # "done" | "failed" | "skipped"
    seconds: float = 0.0
    error: str | None = None
    failed_chapters: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def resolve_build(ref: str | Callable) -> Callable:
    if callable(ref):
        return ref
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def write_stamp(out_dir: Path, stamp: dict) -> None:
    write_text(Path(out_dir) / STAMP, json.dumps(stamp, indent=2, ensure_ascii=False))


def read_stamp(out_dir: Path) -> dict | None:
    try:
        return json.loads((Path(out_dir) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run_one(task: Task, cfg: WorkerConfig, build: Callable, kernel: WarmKernel) -> Outcome:
    """Build one municipality's report with the warm kernel; never raises (except interrupts)."""
    started = time.perf_counter()
    kwargs: dict[str, Any] = {
        "period": cfg.period,
        "formats": tuple(cfg.formats),
        "out": Path(task.out_dir),
        "chapters": cfg.chapters,
        "executor": kernel.execute,
        "progress": False,
    }
    if cfg.notebooks_dir:
        kwargs["notebooks_dir"] = Path(cfg.notebooks_dir)
    if cfg.edition is not None:
        kwargs["edition"] = cfg.edition
    try:
        res = build(task.ags, **kwargs)
    except Exception as exc:  # one municipality failing must not stop the others
        kernel.dirty = True
        msg = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return Outcome(task.ags, "failed", time.perf_counter() - started, str(msg).strip())
    seconds = time.perf_counter() - started
    if not res.ok:
        kernel.dirty = True
        error = "; ".join(f"{k}: {v}" for k, v in res.failed.items())
        return Outcome(task.ags, "failed", seconds, error, dict(res.failed))
    stamp = dict(task.stamp, seconds=round(seconds, 2), finished=time.strftime("%Y-%m-%dT%H:%M:%S"))
    write_stamp(Path(task.out_dir), stamp)  # last: only a complete report carries a stamp
    return Outcome(task.ags, "done", seconds)


def serve(tasks: Iterable[Task], cfg: WorkerConfig, emit: Callable[[tuple], None]) -> None:
    """Build every task with one warm kernel (recycled every K runs and after failures)."""
    with WarmKernel(kernel_name=cfg.kernel_name, cell_timeout=cfg.cell_timeout) as kernel:
        kernel.launch()  # boots while the report code is imported
        build = resolve_build(cfg.build)
        for task in tasks:
            kernel.recycle(cfg.restart_every)
            emit(("start", task.ags))
            outcome = run_one(task, cfg, build, kernel)
            kernel.runs_since_start += 1
            emit(("done", outcome.to_dict()))


def run_chunk(tasks: list[Task], cfg: WorkerConfig) -> list[dict]:
    """A chunk of municipalities in one go (the unit of work of a Dask task)."""
    done: list[dict] = []
    serve(tasks, cfg, lambda ev: done.append(ev[1]) if ev[0] == "done" else None)
    return done


# ------------------------------------------------------------------------- local process pool


def _worker_main(wid: int, task_q: Any, res_q: Any, cfg: WorkerConfig, parent: int) -> None:
    # SIGTERM from the parent: leave through `finally`, which shuts the kernel down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def tasks() -> Iterator[Task]:
        while True:
            try:
                task = task_q.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:  # the batch process is gone: stop, don't orphan
                    return
                continue
            if task is None:
                return
            yield task

    try:
        serve(tasks(), cfg, lambda ev: res_q.put((wid, *ev)))
    except Exception:  # e.g. no kernel could be started at all: tell the parent why
        res_q.put((wid, "crash", traceback.format_exc(limit=3)))
        raise


def run_local(
    tasks: list[Task], cfg: WorkerConfig, jobs: int, on_outcome: Callable[[Outcome], None]
) -> None:
    """Run tasks on `jobs` worker processes; a crashed worker fails only its current task."""
    import multiprocessing as mp

    if not tasks:
        return
    ctx = mp.get_context("spawn")  # no fork: the parent may hold threads and zmq sockets
    task_q, res_q = ctx.Queue(), ctx.Queue()
    for t in tasks:
        task_q.put(t)
    n = max(1, min(jobs, len(tasks)))
    for _ in range(n):
        task_q.put(None)
    pending = {t.ags for t in tasks}
    workers: dict[int, Any] = {}
    inflight: dict[int, str] = {}
    crash_info: dict[int, str] = {}
    spawned = 0

    def spawn() -> None:
        nonlocal spawned
        wid = spawned
        spawned += 1
        p = ctx.Process(target=_worker_main, args=(wid, task_q, res_q, cfg, os.getpid()))
        p.start()
        workers[wid] = p

    def handle(msg: tuple) -> None:
        wid, kind, payload = msg
        if kind == "start":
            inflight[wid] = payload
        elif kind == "done":
            inflight.pop(wid, None)
            if payload["ags"] in pending:
                pending.discard(payload["ags"])
                on_outcome(Outcome(**payload))
        elif kind == "crash":
            crash_info[wid] = payload

    def drain() -> None:
        while True:
            try:
                handle(res_q.get_nowait())
            except queue.Empty:
                return

    for _ in range(n):
        spawn()
    try:
        while pending:
            try:
                handle(res_q.get(timeout=0.5))
                continue
            except queue.Empty:
                pass
            dead = [wid for wid, p in workers.items() if not p.is_alive()]
            if not dead:
                continue
            drain()  # a finished worker's last message may still be in the pipe
            for wid in dead:
                p = workers.pop(wid)
                ags = inflight.pop(wid, None)
                if ags in pending:
                    pending.discard(ags)
                    why = crash_info.get(wid, "").strip().splitlines()
                    on_outcome(
                        Outcome(
                            ags,
                            "failed",
                            error=f"Worker-Prozess abgebrochen (Exitcode {p.exitcode})"
                            + (f": {why[-1]}" if why else ""),
                        )
                    )
                if p.exitcode != 0 and pending and spawned < n + len(tasks):
                    spawn()  # the queue still holds work (and the dead worker's end marker)
            if pending and not workers:
                for ags in sorted(pending):
                    on_outcome(Outcome(ags, "failed", error="Kein Worker-Prozess mehr aktiv"))
                pending.clear()
    finally:
        for p in workers.values():
            p.join(timeout=5 if not pending else 0)
        for p in workers.values():
            if p.is_alive():
                p.terminate()
                p.join(timeout=10)
        task_q.cancel_join_thread()
        res_q.cancel_join_thread()

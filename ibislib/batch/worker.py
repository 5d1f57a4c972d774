"""What one batch worker does, and the local pool of worker processes.

A worker owns one :class:`WarmKernel` and builds report after report with it through
``build_report(..., executor=kernel.execute)``; the same ``serve`` loop runs in a local worker
process and inside a Dask task (see :mod:`.dask_exec`). A failing municipality is recorded and
the worker goes on (with a fresh kernel); the ``batch.json`` stamp is written only after the
report folder is in place, so an interrupted run never leaves a report that looks finished.

Local workers die with their batch: Linux sends them SIGTERM when the batch process ends, even
by SIGKILL (``PR_SET_PDEATHSIG``); on SIGTERM a worker kills its kernel, removes its temporary
report folder and leaves at once. They run in their own process group, so a Ctrl-C in the
terminal reaches only the batch, which then stops them in order, and they hold the batch lock
file open until they are gone.
"""

from __future__ import annotations

import ctypes
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

from ..atomic import clean_own_temp, write_text
from ..lean_imports import skip_slow_iri_checker
from .kernel import WarmKernel, kill_all_kernels

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
    # a new kernel costs ~25-30 CPU-s (start, imports, the first report's loads): every 25
    # reports that was ~1 CPU-s per report. Its memory grows only while its bounded caches fill
    # (562/653/715 MiB at reports 1/50/100 of distinct Gemeinden, benchmarks/batch.py (d)), and
    # max_kernel_mib still replaces one that grows beyond it
    restart_every: int = 100
    max_kernel_mib: float | None = 2048  # recycle a kernel whose memory (RSS) grew beyond this
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
    kept_formats: list[str] = field(default_factory=list)  # rebuilt because the folder had them

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
    return Outcome(
        task.ags, "done", seconds, kept_formats=list(getattr(res, "kept_formats", ()) or ())
    )


def serve(tasks: Iterable[Task], cfg: WorkerConfig, emit: Callable[[tuple], None]) -> None:
    """Build every task with one warm kernel (recycled every K runs, when its memory grew
    beyond ``max_kernel_mib`` and after failures)."""
    with WarmKernel(kernel_name=cfg.kernel_name, cell_timeout=cfg.cell_timeout) as kernel:
        kernel.launch()  # boots while the report code is imported
        build = resolve_build(cfg.build)
        for task in tasks:
            kernel.recycle(cfg.restart_every, cfg.max_kernel_mib)
            _CURRENT["out_dir"] = task.out_dir
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


class Interrupted(Exception):
    """The batch was asked to stop by a signal (SIGINT, SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class StopFlag:
    """Records a stop signal. It raises :class:`Interrupted` at once, except while deferred —
    there the pool loop polls ``requested`` and stops its workers in order."""

    def __init__(self) -> None:
        self.requested: int | None = None
        self._deferred = False

    def handler(self, signum: int, _frame: Any = None) -> None:
        first = self.requested is None
        self.requested = self.requested or signum
        if first:
            print(
                f"\nAbbruch angefordert ({signal.Signals(signum).name}): laufende Berichte "
                "werden beendet …",
                file=sys.stderr,
            )
        if not self._deferred:
            raise Interrupted(signum)

    def defer(self) -> None:
        self._deferred = True

    def check(self) -> None:
        if self.requested:
            raise Interrupted(self.requested)


class InheritedFd:
    """An open file descriptor handed to a spawned worker under the same number (the batch
    lock: the worker holds it open, so the lock outlives the batch until the worker is gone)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self):
        from multiprocessing import reduction

        return (_inherited_fd, (reduction.DupFd(self.fd),))


def _inherited_fd(dup: Any) -> int:
    return dup.detach()


PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int, parent: int) -> None:
    """Ask Linux to send `sig` to this process when its parent ends; leave if it already has."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the ppid checks below still apply
            pass
    if os.getppid() != parent:
        os._exit(0)


#: The report folder the worker is building (its temp folder is removed on SIGTERM).
_CURRENT: dict[str, str] = {}


def _on_term(*_: Any) -> None:
    """SIGTERM (from the batch, or from Linux when the batch died): end at once and cleanly.

    Raising SystemExit here would land somewhere inside nbclient's event loop, which swallows
    it; so the kernel is killed, this worker's temporary report folder removed and the process
    left with os._exit (the batch lock file closes with it)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.alarm(10)  # should anything below hang
    try:
        kill_all_kernels()
        out = _CURRENT.get("out_dir")
        if out:
            out_path = Path(out)
            clean_own_temp(out_path.parent, out_path.name)
    finally:
        os._exit(143)


def _worker_main(
    wid: int,
    task_q: Any,
    res_q: Any,
    cfg: WorkerConfig,
    parent: int,
    lock_fd: int | None = None,
) -> None:
    signal.signal(signal.SIGTERM, _on_term)
    skip_slow_iri_checker()  # before the report code imports nbformat
    die_with_parent(signal.SIGTERM, parent)
    if hasattr(os, "setpgid"):
        os.setpgid(0, 0)  # Ctrl-C reaches the batch only; it stops us in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _held = lock_fd  # noqa: F841 - kept open (inherited) until this process ends

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
    tasks: list[Task],
    cfg: WorkerConfig,
    jobs: int,
    on_outcome: Callable[[Outcome], None],
    stop: StopFlag | None = None,
    lock_fd: int | None = None,
) -> None:
    """Run tasks on `jobs` worker processes; a crashed worker fails only its current task.

    With `stop`, a stop signal ends the workers (SIGTERM, then SIGKILL after 10 s) and raises
    :class:`Interrupted` once they are all gone. `lock_fd` is kept open by every worker.
    """
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
        fd = InheritedFd(lock_fd) if lock_fd is not None else None
        p = ctx.Process(target=_worker_main, args=(wid, task_q, res_q, cfg, os.getpid(), fd))
        workers[wid] = p  # first: a stop during start() still ends it
        p.start()

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

    stop = stop or StopFlag()
    stop.defer()  # from here on a signal is only noted; the loop below ends the workers
    try:
        for _ in range(n):
            stop.check()
            spawn()
        while pending:
            stop.check()
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
        _end_workers(list(workers.values()), grace=5 if not pending else 0)
        task_q.cancel_join_thread()
        res_q.cancel_join_thread()


def _end_workers(procs: list[Any], grace: float) -> None:
    """Wait `grace` s for workers to leave, then SIGTERM, then SIGKILL; return when all are gone
    (the caller holds the batch lock until then)."""
    deadline = time.monotonic() + grace
    for p in procs:
        if p.pid is not None:
            p.join(timeout=max(0.0, deadline - time.monotonic()))
    alive = [p for p in procs if p.pid is not None and p.is_alive()]
    for p in alive:
        p.terminate()
    deadline = time.monotonic() + 12  # a worker gives up after 10 s by itself (SIGALRM)
    for p in alive:
        p.join(timeout=max(0.0, deadline - time.monotonic()))
    for p in alive:
        if p.is_alive():
            p.kill()
            p.join()

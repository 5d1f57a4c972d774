"""`ibis batch`: reports for many municipalities — parallel, incremental, resumable.

1. plan: for every municipality compute its skip key (:mod:`.fingerprint`); a report folder
   whose ``batch.json`` stamp carries the same key is skipped (no kernel is started at all
   when everything is skipped);
2. run the rest on a local pool of warm-kernel workers or on a Dask cluster;
3. summarise (stderr) and write the overview page ``<out>/index.html``.

Every report is written to a temporary folder and renamed into place by ``build_report``;
the stamp is written after that, so a run killed half-way is simply started again and
finishes the rest. Leftover temporary folders of a killed run are removed at the start.

The output folder must be new, empty, ``reports/`` or an earlier batch folder (marked by its
``.batch/`` folder, see :mod:`ibislib.outdirs`). SIGINT, SIGTERM and SIGHUP stop the batch
within seconds: the workers are ended (their kernels with them), what finished is summarised
and the lock is released only when the last worker is gone; the rest is built by the next run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__, fmt, outdirs, paths
from ..atomic import clean_leftovers, pid_alive
from ..errors import IbisError
from . import fingerprint as fp
from .worker import (
    STAMP,
    Interrupted,
    Outcome,
    StopFlag,
    Task,
    WorkerConfig,
    read_stamp,
    run_local,
)

#: Signals that stop a batch in an orderly way (SIGKILL cannot be caught: see worker.py).
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
#: Seconds a new batch waits for the workers of a killed one to let go of the lock.
LOCK_WAIT = 20.0


@dataclass
class BatchResult:
    out: Path
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    seconds: float = 0.0
    overview: Path | None = None
    kernels_started: bool = False
    reasons: dict[str, str] = field(default_factory=dict)  # AGS -> why it was (re)built
    interrupted: int | None = None  # the signal that stopped the batch
    cancelled: list[str] = field(default_factory=list)  # not built because of the stop

    def _with(self, status: str) -> list[str]:
        return [a for a, o in self.outcomes.items() if o.status == status]

    @property
    def done(self) -> list[str]:
        return self._with("done")

    @property
    def skipped(self) -> list[str]:
        return self._with("skipped")

    @property
    def failed(self) -> dict[str, str]:
        return {a: o.error or "" for a, o in self.outcomes.items() if o.status == "failed"}

    @property
    def ok(self) -> bool:
        return not self.failed


def run_batch(
    municipalities: list[str],
    out: Path | None = None,
    chapters: list[str] | None = None,
    formats: tuple[str, ...] = ("html",),
    period: str | None = None,
    jobs: int = 2,
    scheduler: str | None = None,
    restart_every: int = 100,
    max_kernel_mib: float | None = 2048,
    build: str | Callable | None = None,
    notebooks_dir: Path | None = None,
    invalid: dict[str, str] | None = None,
    progress: bool = True,
    overview: bool = True,
    build_store: bool = True,
    edition: int | None = None,
) -> BatchResult:
    """Build the reports of `municipalities` (AGS) into ``out/<AGS>/``; see module docstring.

    `invalid` maps entries that could not be resolved (e.g. unknown AGS in a list file) to their
    error; they appear as failed in the summary and the overview. `build` replaces
    ``build_report`` (a "module:function" reference or an importable function).
    A stop signal (see module docstring) ends the run early; `interrupted` and `cancelled` of
    the result say so, and the summary names what finished.
    """
    started = time.perf_counter()
    base = Path(out or paths.reports_dir())
    if edition is not None:  # editions kept apart on disk: reports/2024/<AGS>/
        base = base / str(edition)
    out = outdirs.check_batch_dir(base)
    municipalities = list(dict.fromkeys(str(m).strip() for m in municipalities))
    result = BatchResult(out=out)
    for bad, why in (invalid or {}).items():
        result.outcomes[bad] = Outcome(bad, "failed", error=why)
    stop = StopFlag()
    todo: list[Task] = []
    with _lock(out) as lock_fd, _stop_on_signals(stop):
        try:
            _remove_leftovers(out)
            if build_store:
                _refresh_store()
            cfg = WorkerConfig(
                build=build or "ibislib.report.build:build_report",
                period=period,
                formats=tuple(formats),
                chapters=chapters,
                notebooks_dir=str(notebooks_dir) if notebooks_dir else None,
                restart_every=restart_every,
                max_kernel_mib=max_kernel_mib,
                edition=edition,
            )
            todo, skipped = plan(municipalities, out, cfg)
            result.reasons = {t.ags: t.stamp.get("reason", "") for t in todo}
            for ags in skipped:
                stamp = read_stamp(out / ags) or {}
                result.outcomes[ags] = Outcome(ags, "skipped", stamp.get("seconds", 0.0))
            bar = _progress(len(todo), progress)

            def record(o: Outcome) -> None:
                result.outcomes[o.ags] = o
                bar.update(1)
                n_failed = sum(1 for x in result.outcomes.values() if x.status == "failed")
                bar.set_postfix_str(f"{o.ags} {o.status}, {n_failed} Fehler", refresh=False)

            try:
                if todo:
                    result.kernels_started = True
                    if scheduler:
                        from .dask_exec import run_dask

                        run_dask(todo, cfg, scheduler, record)
                    else:
                        run_local(todo, cfg, jobs, record, stop=stop, lock_fd=lock_fd)
            finally:
                bar.close()
        except Interrupted as exc:
            result.interrupted = exc.signum
            result.cancelled = [t.ags for t in todo if t.ags not in result.outcomes]
            result.cancelled += [a for a in municipalities if a not in result.outcomes]
            result.cancelled = list(dict.fromkeys(result.cancelled))
        stop.defer()  # the overview below is written even if another signal comes
        if stop.requested and result.interrupted is None:
            result.interrupted = stop.requested
        # keep the order of the request in summary and overview
        order = [*municipalities, *(invalid or {})]
        result.outcomes = {a: result.outcomes[a] for a in order if a in result.outcomes}
        result.seconds = time.perf_counter() - started
        if overview:
            from .overview import write_overview

            try:
                result.overview = write_overview(out, result)
            except Exception as exc:  # the reports are there; a broken overview is reported
                print(f"Warnung: Übersichtsseite nicht erstellt: {exc}", file=sys.stderr)
        result.seconds = time.perf_counter() - started
    return result


def plan(municipalities: list[str], out: Path, cfg: WorkerConfig) -> tuple[list[Task], list[str]]:
    """Split into tasks to run and municipalities whose stamp matches their current key."""
    from ..report.outline import outline

    layout = outline(Path(cfg.notebooks_dir) if cfg.notebooks_dir else None)
    entries = layout.select(cfg.chapters)
    if cfg.edition is not None:  # build_report runs the edition chapters too
        entries += list(layout.edition_chapters)
    notebooks = [e.path for e in entries]
    if not notebooks:
        raise IbisError(
            "Keine Kapitel-Notebooks gefunden",
            path=str(cfg.notebooks_dir or paths.notebooks_dir()),
            hint="Erwartet werden Dateien wie notebooks/01_demografie.ipynb.",
        )
    nb_hashes = fp.notebook_hashes(notebooks, layout.source)
    library = fp.library_hash()
    index = fp.input_index(out / ".batch")
    params = {
        "period": cfg.period,
        "formats": sorted(cfg.formats),
        "chapters": [p.stem for p in notebooks],
    }
    if cfg.edition is not None:
        params["edition"] = cfg.edition
    todo: list[Task] = []
    skipped: list[str] = []
    for ags in municipalities:
        key, parts = fp.report_key(ags, params, nb_hashes, library, index.relevant(ags))
        folder = out / ags
        stamp = read_stamp(folder)
        if stamp and stamp.get("key") == key and (folder / "index.html").is_file():
            skipped.append(ags)
            continue
        reason = _reason(stamp, parts)
        todo.append(
            Task(
                ags,
                str(folder),
                {
                    "key": key,
                    "ags": ags,
                    "ibislib": __version__,
                    "parameters": params,
                    "parts": parts,
                    "reason": reason,
                },
            )
        )
    return todo, skipped


REASONS = {
    "parameters": "Parameter geändert",
    "notebooks": "Notebooks geändert",
    "ibislib": "ibislib geändert",
    "inputs": "Eingabedaten geändert",
}


def _reason(stamp: dict | None, parts: dict[str, str]) -> str:
    """Why a municipality is built: no earlier report, or which part of its key changed."""
    if not stamp:
        return "neu"
    old = stamp.get("parts") or {}
    changed = [REASONS[k] for k in REASONS if old.get(k) != parts.get(k)]
    return ", ".join(changed) or "Bericht unvollständig"


def _refresh_store() -> None:
    """Bring data/processed up to date with data/raw (only changed files are re-read)."""
    from .. import store

    res = store.build(progress=False)
    for rel, msg in res.errors.items():
        print(f"Warnung: Eingabedatei {rel} nicht gelesen: {msg}", file=sys.stderr)


def _remove_leftovers(out: Path) -> list[Path]:
    """Temporary folders/files of killed runs: only ibis's recognisable names, only those whose
    process is gone (see :func:`ibislib.atomic.clean_leftovers`), in `out` and its reports."""
    removed = clean_leftovers(out, legacy=True)
    for d in sorted(p for p in out.iterdir() if p.is_dir() and not p.name.startswith(".")):
        ours = outdirs.read_manifest(d) is not None
        removed += clean_leftovers(d, legacy=ours)
    return removed


@contextlib.contextmanager
def _stop_on_signals(stop: StopFlag) -> Iterator[None]:
    """Turn SIGINT/SIGTERM/SIGHUP into an orderly stop (SIGINT also when the shell ignored it for
    a background job: `kill -INT` must still work; SIGHUP not under nohup). Only the main
    thread can receive signals; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {}
    for name in STOP_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is None:
            continue
        if name == "SIGHUP" and signal.getsignal(sig) is signal.SIG_IGN:
            continue  # started with nohup: closing the terminal must not stop it
        old[sig] = signal.signal(sig, stop.handler)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[int | None]:
    """One batch at a time per output folder (two would clean up each other's temp dirs).

    The open lock file is inherited by the local workers (see ``run_local``): an flock is
    released only when its last holder closes it, so the folder stays locked until the last
    worker is gone — even when the batch process itself is killed.
    """
    try:
        import fcntl
    except ImportError:  # Windows: no locking
        yield None
        return
    with (out / ".batch.lock").open("a+") as fh:  # "a+": never truncate another's pid
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                fh.seek(0)
                holder = fh.read().strip()
                # a killed batch whose workers are still ending: they let go within seconds
                if holder.isdigit() and not pid_alive(int(holder)):
                    if time.monotonic() < deadline:
                        time.sleep(0.2)
                        continue
                raise IbisError(
                    "In diesen Ordner schreibt gerade ein anderer Batch-Lauf"
                    + (f" (Prozess {holder})" if holder else ""),
                    path=str(out),
                    hint="Warten, bis er fertig ist, oder mit --out einen anderen Ordner wählen.",
                ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield fh.fileno()  # no explicit LOCK_UN: that would free it for the workers as well


class _NoBar:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def close(self) -> None: ...


def _progress(total: int, enabled: bool):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="Berichte", unit="Gemeinde", file=sys.stderr, smoothing=0.1)


def summary(result: BatchResult, names: dict[str, str] | None = None) -> str:
    """The table printed at the end (German)."""
    names = names or {}
    done, skipped, failed = result.done, result.skipped, result.failed
    built_secs = [result.outcomes[a].seconds for a in done]
    lines = [
        "",
        f"Batch-Lauf in {result.out}",
        f"  {'erstellt':<16}{fmt.number(len(done)):>7}",
        f"  {'übersprungen':<16}{fmt.number(len(skipped)):>7}  (unverändert)",
        f"  {'fehlgeschlagen':<16}{fmt.number(len(failed)):>7}",
        f"  {'Zeit':<16}{fmt.number(result.seconds, 1):>7} s"
        + (
            f"  ({fmt.number(sum(built_secs) / len(built_secs), 1)} s je erstelltem Bericht"
            " und Worker)"
            if built_secs
            else ""
        ),
    ]
    why: dict[str, int] = {}
    for ags in done + list(failed):
        if result.reasons.get(ags):
            why[result.reasons[ags]] = why.get(result.reasons[ags], 0) + 1
    if why:
        lines.append(
            "  gebaut, weil: " + "; ".join(f"{k} ({fmt.number(v)})" for k, v in why.items())
        )
    if result.interrupted:
        try:
            sig = signal.Signals(result.interrupted).name
        except ValueError:
            sig = str(result.interrupted)
        lines.append(
            f"  {'abgebrochen':<16}{fmt.number(len(result.cancelled)):>7}  (durch {sig}; nicht "
            "gebaut, der nächste Lauf setzt hier fort)"
        )
    kept = [a for a in done if result.outcomes[a].kept_formats]
    if kept:
        had = {f for a in kept for f in result.outcomes[a].kept_formats}
        formats = [f for f in ("html", "pdf", "docx") if f in had]
        lines.append(
            f"  {', '.join(f.upper() for f in formats)} mit erneuert: {fmt.number(len(kept))} "
            "Bericht(e), die diese Formate schon hatten (nichts geht verloren)"
        )
    if result.overview:
        lines.append(f"  Übersicht: {result.overview}")
    if failed:
        lines.append("Fehlgeschlagen:")
        for ags, err in failed.items():
            name = names.get(ags)
            lines.append(f"  {ags}{' ' + name if name else ''}: {err}")
    return "\n".join(lines)


__all__ = ["STAMP", "BatchResult", "plan", "run_batch", "summary"]

"""A warm Jupyter kernel that executes many notebooks one after the other.

papermill starts a fresh kernel for every notebook (1.5–2 s of start-up and imports before any
work). A batch worker instead keeps ONE kernel and runs notebook after notebook in it: before each
notebook the user namespace is wiped (``%reset -f``), figures are closed and the working directory
is set, so a notebook sees a clean namespace but already-imported modules (pandas, matplotlib,
ibislib and its in-process store cache) stay warm. The kernel is replaced every ``restart_every``
municipalities, when its memory (RSS) grew beyond a threshold, and after any failure, so state
that leaks through module globals cannot pile up.

On Linux every kernel is started through a tiny launcher that asks the kernel to be SIGKILLed
when its parent (the worker) ends (``PR_SET_PDEATHSIG``), then execs the real kernel command:
a kernel never outlives its worker, even when the worker is killed.

``WarmKernel.execute`` has the executor signature ``build_report`` expects:
``executor(input_nb, output_nb, parameters, cwd)``; it raises on a failing cell.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import sys
import tempfile
import time
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..atomic import pid_alive, write_text
from ..errors import IbisError

if TYPE_CHECKING:
    import nbformat


def run_sync(coro_fn):
    """jupyter_core's run_sync, imported on first use (a re-run that builds nothing starts no
    kernel and needs none of the Jupyter stack)."""
    from jupyter_core.utils import run_sync as _run_sync

    return _run_sync(coro_fn)


#: Substrings of errors from the known kernel start-up races; those are retried.
STARTUP_RACES = (
    "address already in use",
    "kernel died before replying to kernel_info",
    "zmq",
    "timeout waiting for kernel_info",
    "kernel didn't respond",
    "no kernel is running",
)

#: Wipes the namespace like ``%reset -f``, but without its two full garbage collections: with
#: a loaded store each took 0,2 s, 13 per report, a third of a batch report's CPU. The
#: generational collector still frees cycles (closed figures) as it goes.
PRELUDE = """\
def _ibis_reset():
    import gc
    collect = gc.collect
    gc.collect = lambda generation=2: 0
    try:
        get_ipython().run_line_magic("reset", "-f")
    finally:
        gc.collect = collect
_ibis_reset()
import os as _ibis_os, sys as _ibis_sys
_ibis_os.chdir({cwd!r})
if "matplotlib.pyplot" in _ibis_sys.modules:
    _ibis_sys.modules["matplotlib.pyplot"].close("all")
if "matplotlib.legend" in _ibis_sys.modules:
    # geopandas defines a new PatchCollection subclass in every polygon plot and registers it
    # in matplotlib's global legend handler map, which keeps each class (~16 KB) alive for good
    # (10 per report); the figures are closed, so their classes can go
    _ibis_map = _ibis_sys.modules["matplotlib.legend"].Legend._default_handler_map
    [_ibis_map.pop(c) for c in list(_ibis_map) if c.__name__ == "_GeoPandasPolyCollection"]
    del _ibis_map
del _ibis_os, _ibis_sys
"""


#: Runs before the kernel (python -S -c): die with the parent, then become the kernel (exec).
_PDEATH_LAUNCHER = """\
import ctypes, os, sys
try:
    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
except Exception:
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)  # the parent is already gone
os.execvp(sys.argv[2], sys.argv[2:])
"""


def with_parent_death(cmd: list[str]) -> list[str]:
    """The kernel command, wrapped so that the kernel dies with this process (Linux only)."""
    if not sys.platform.startswith("linux"):
        return list(cmd)
    return [sys.executable, "-S", "-c", _PDEATH_LAUNCHER, str(os.getpid()), *cmd]


def kernel_manager_class(quiet: bool = False):
    """AsyncKernelManager whose kernels die with their parent; `quiet` drops the kernel's
    start-up log (a TCP warning on every chapter) from the terminal."""
    import subprocess

    from jupyter_client.manager import AsyncKernelManager

    class IbisKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            if quiet:
                kw.setdefault("stderr", subprocess.DEVNULL)
            return await super()._async_launch_kernel(with_parent_death(kernel_cmd), **kw)

    return IbisKernelManager


def rss_mib(pid: int | None) -> float | None:
    """Resident memory of a process in MiB (Linux /proc), None if unknown."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


#: Kernels of this process that are running (for :func:`kill_all_kernels`).
_RUNNING: weakref.WeakSet[WarmKernel] = weakref.WeakSet()


def kill_all_kernels() -> None:
    """SIGKILL every kernel this process started and remove its socket folder (signal-safe
    enough for a SIGTERM handler that then leaves with os._exit)."""
    for k in list(_RUNNING):
        k.kill()
        if k._ipc_dir:
            shutil.rmtree(k._ipc_dir, ignore_errors=True)


#: Socket folders of the kernels (IPC transport), named ``ibis-kernel-<pid>-…`` after the ibis
#: process they belong to (as atomic.py names its temporary files): a process killed with
#: SIGKILL never runs close(), so its folder stays behind.
IPC_PREFIX = "ibis-kernel-"
_IPC_RE = re.compile(rf"{IPC_PREFIX}(\d+)-")


def sweep_stale_ipc_dirs(base: Path | None = None) -> int:
    """Remove the socket folders whose owning ibis process is gone; return how many.

    Only folders named with an owner pid are judged; one without (made by an older ibis or
    anyone else) is left alone, and a live owner keeps its folder."""
    base = Path(base) if base is not None else Path(tempfile.gettempdir())
    removed = 0
    for folder in base.glob(IPC_PREFIX + "*"):
        m = _IPC_RE.match(folder.name)
        if m and not pid_alive(int(m[1])):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


class NotebookFailed(IbisError):
    """A cell of a notebook raised; the partly executed notebook was still written."""


class WarmKernel:
    """One reusable kernel; call ``execute`` per notebook, ``close`` at the end."""

    def __init__(
        self,
        kernel_name: str = "python3",
        cell_timeout: int = 900,
        startup_timeout: int = 60,
        start_retries: int = 4,
        quiet: bool = False,
    ) -> None:
        self.kernel_name = kernel_name
        self.quiet = quiet  # drop the kernel's start-up log from the terminal (`ibis report`)
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.start_retries = start_retries
        self.km: Any = None
        self.kc: Any = None
        self.starts = 0  # kernels started so far (for tests and statistics)
        self.runs_since_start = 0  # municipalities served by the current kernel
        self.dirty = False  # a notebook failed: replace the kernel before the next one
        self.memory_restarts = 0  # kernels replaced because their RSS exceeded the threshold
        self._ipc_dir: str | None = None
        self._launched = False  # launch() started a process that is not yet connected

    # -- life cycle ---------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.has_kernel

    def start(self, cwd: Path | None = None) -> None:
        """Start a kernel, retrying the known start-up races (port in use, early death)."""
        last: BaseException | None = None
        for attempt in range(self.start_retries):
            try:
                run_sync(self._astart)(cwd)
                self.starts += 1
                self.runs_since_start = 0
                self.dirty = False
                return
            except Exception as exc:  # noqa: BLE001 - classified below
                last = exc
                self.close()
                if not _is_startup_race(exc) and attempt > 0:
                    break
                time.sleep(0.2 * (attempt + 1))
        raise IbisError(
            f"Jupyter-Kernel '{self.kernel_name}' ließ sich nicht starten: {last}",
            hint="Ist ipykernel installiert (`jupyter kernelspec list`)?",
        )

    def launch(self) -> None:
        """Start the kernel process without waiting for it: it boots while the worker goes on
        importing; the first ``execute`` then connects (or starts afresh if that failed)."""
        if self.km is not None:
            return
        try:
            run_sync(self._alaunch)(None)
            self._launched = True
        except Exception:  # noqa: BLE001 - execute() will start one the normal way
            self.close()

    def _ensure_ready(self, cwd: Path) -> None:
        if self._launched:
            self._launched = False
            try:
                run_sync(self._aconnect)()
                self.starts += 1
                self.runs_since_start = 0
                self.dirty = False
                return
            except Exception:  # noqa: BLE001 - fall back to a normal start with retries
                self.close()
        if not self.alive or self.kc is None:
            self.start(cwd)

    async def _astart(self, cwd: Path | None) -> None:
        await self._alaunch(cwd)
        await self._aconnect()

    async def _alaunch(self, cwd: Path | None) -> None:
        # IPC (unix sockets) instead of TCP on POSIX: no port races between parallel workers
        transport = "ipc" if os.name == "posix" else "tcp"
        kwargs = {"transport": transport}
        if transport == "ipc":
            sweep_stale_ipc_dirs()
            self._ipc_dir = tempfile.mkdtemp(prefix=f"{IPC_PREFIX}{os.getpid()}-")
            kwargs["ip"] = os.path.join(self._ipc_dir, "k")
        self.km = kernel_manager_class(self.quiet)(kernel_name=self.kernel_name, **kwargs)
        _RUNNING.add(self)
        await self.km.start_kernel(cwd=str(cwd) if cwd else None)

    async def _aconnect(self) -> None:
        self.kc = self.km.client()
        self.kc.start_channels()
        await self.kc.wait_for_ready(timeout=self.startup_timeout)
        self.kc.allow_stdin = False

    def close(self) -> None:
        """Shut the kernel down at once (no graceful wait) and free its ports and files."""
        if self.km is None:
            return
        try:
            run_sync(self._aclose)()
        except Exception:  # noqa: BLE001 - closing must never raise
            pass
        finally:
            _RUNNING.discard(self)
            self.km = None
            self.kc = None
            self._launched = False
            if self._ipc_dir:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
                self._ipc_dir = None

    async def _aclose(self) -> None:
        km, kc = self.km, self.kc  # close() resets them, also when a signal interrupts us
        try:
            if kc is not None:
                kc.stop_channels()
            if km.has_kernel:
                await km.shutdown_kernel(now=True)
        finally:
            await km.cleanup_resources()

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None) if self.km is not None else None
        return getattr(provisioner, "pid", None)

    def kill(self) -> None:
        """SIGKILL the kernel process at once (no shutdown message; ``close`` still frees its
        files). Safe to call from a signal handler or another thread."""
        import signal

        pid = self.pid
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def rss_mib(self) -> float | None:
        """The kernel's resident memory in MiB (None if unknown or not running)."""
        return rss_mib(self.pid) if self.alive else None

    def recycle(self, restart_every: int, max_mib: float | None = None) -> None:
        """Before a municipality: replace the kernel if it failed, served enough runs or its
        memory (RSS) grew beyond `max_mib` (a kernel grows by some MiB per report)."""
        if not self.alive:
            return
        if self.dirty or self.runs_since_start >= restart_every:
            self.close()
            return
        rss = self.rss_mib() if max_mib else None
        if rss is not None and rss > max_mib:
            self.memory_restarts += 1
            self.close()

    def __enter__(self) -> WarmKernel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- execution ----------------------------------------------------------------------------
    def execute(self, input_nb: Path, output_nb: Path, parameters: dict, cwd: Path) -> None:
        """Execute one notebook with injected parameters; write it (also when a cell fails)."""
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        # papermill's loader adds the metadata (tags, papermill section) its parameterizer needs
        nb = load_notebook_node(str(input_nb))
        nb = parameterize_notebook(nb, parameters, kernel_name=self.kernel_name, language="python")
        if self.dirty:
            self.close()
        self._ensure_ready(cwd)
        try:
            self._run(_prelude_notebook(cwd))
            self._run(nb, cwd)
        except BaseException as exc:
            self.dirty = True
            _write_nb(nb, output_nb)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            failure = NotebookFailed(f"Notebook {Path(input_nb).name}: {_short(exc)}")
            # what build_report shows for a failed chapter ("ValueError: …")
            failure.ename = getattr(exc, "ename", None) or type(exc).__name__
            failure.evalue = getattr(exc, "evalue", None) or str(exc)
            raise failure from exc
        _write_nb(nb, output_nb)

    def _run(self, nb: nbformat.NotebookNode, cwd: Path | None = None) -> None:
        client = _client_class()(
            nb,
            km=self.km,
            kernel_name=self.kernel_name,
            timeout=self.cell_timeout,
            shutdown_kernel="immediate",
            allow_errors=False,
            resources={"metadata": {"path": str(cwd)}} if cwd else {},
        )
        client.kc = self.kc  # reuse the open channels instead of opening new ones per notebook
        client.execute()


@functools.cache
def _client_class():
    from contextlib import asynccontextmanager

    from nbclient import NotebookClient

    class WarmClient(NotebookClient):
        """Executes on the worker's open kernel and channels. Unlike NotebookClient it installs
        no SIGINT/SIGTERM handlers of its own: those replaced the worker's, so a SIGTERM only
        failed the current notebook and the worker went on building after its batch was gone."""

        @asynccontextmanager
        async def async_setup_kernel(self, **kwargs: Any):
            yield

    return WarmClient


def _prelude_notebook(cwd: Path) -> nbformat.NotebookNode:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(PRELUDE.format(cwd=str(Path(cwd).resolve()))))
    return nb


def _write_nb(nb: nbformat.NotebookNode, path: Path) -> None:
    import nbformat

    # nbformat.writes validates first and only logs what it finds: 0,1 CPU-s per report
    write_text(path, nbformat.v4.writes_json(nb))


def _short(exc: BaseException) -> str:
    """The last meaningful line of a cell error (ename: evalue), not the whole traceback."""
    ename = getattr(exc, "ename", None)
    evalue = getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}"
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__


def _is_startup_race(exc: BaseException) -> bool:
    text = f"{type(exc).__module__}.{type(exc).__name__}: {exc}".lower()
    return any(s in text for s in STARTUP_RACES) or isinstance(exc, TimeoutError | RuntimeError)

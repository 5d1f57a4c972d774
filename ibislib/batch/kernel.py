"""A warm Jupyter kernel that executes many notebooks one after the other.

papermill starts a fresh kernel for every notebook (1.5–2 s of start-up and imports before any
work). A batch worker instead keeps ONE kernel and runs notebook after notebook in it: before each
notebook the user namespace is wiped (``%reset -f``), figures are closed and the working directory
is set, so a notebook sees a clean namespace but already-imported modules (pandas, matplotlib,
ibislib and its in-process store cache) stay warm. The kernel is replaced every ``restart_every``
municipalities and after any failure, so state that leaks through module globals cannot pile up.

``WarmKernel.execute`` has the executor signature ``build_report`` expects:
``executor(input_nb, output_nb, parameters, cwd)``; it raises on a failing cell.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from jupyter_core.utils import run_sync

from ..atomic import write_text
from ..errors import IbisError

#: Substrings of errors from the known kernel start-up races; those are retried.
STARTUP_RACES = (
    "address already in use",
    "kernel died before replying to kernel_info",
    "zmq",
    "timeout waiting for kernel_info",
    "kernel didn't respond",
    "no kernel is running",
)

PRELUDE = """\
%reset -f
import os as _ibis_os, sys as _ibis_sys
_ibis_os.chdir({cwd!r})
if "matplotlib.pyplot" in _ibis_sys.modules:
    _ibis_sys.modules["matplotlib.pyplot"].close("all")
del _ibis_os, _ibis_sys
"""


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
    ) -> None:
        self.kernel_name = kernel_name
        self.cell_timeout = cell_timeout
        self.startup_timeout = startup_timeout
        self.start_retries = start_retries
        self.km: Any = None
        self.kc: Any = None
        self.starts = 0  # kernels started so far (for tests and statistics)
        self.runs_since_start = 0  # municipalities served by the current kernel
        self.dirty = False  # a notebook failed: replace the kernel before the next one
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
        from jupyter_client.manager import AsyncKernelManager

        # IPC (unix sockets) instead of TCP on POSIX: no port races between parallel workers
        transport = "ipc" if os.name == "posix" else "tcp"
        kwargs = {"transport": transport}
        if transport == "ipc":
            self._ipc_dir = tempfile.mkdtemp(prefix="ibis-kernel-")
            kwargs["ip"] = os.path.join(self._ipc_dir, "k")
        self.km = AsyncKernelManager(kernel_name=self.kernel_name, **kwargs)
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
            self.km = None
            self.kc = None
            self._launched = False
            if self._ipc_dir:
                shutil.rmtree(self._ipc_dir, ignore_errors=True)
                self._ipc_dir = None

    async def _aclose(self) -> None:
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                await self.km.shutdown_kernel(now=True)
        finally:
            await self.km.cleanup_resources()

    def recycle(self, restart_every: int) -> None:
        """Before a municipality: replace the kernel if it failed or served enough runs."""
        if self.alive and (self.dirty or self.runs_since_start >= restart_every):
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
        from nbclient import NotebookClient

        client = NotebookClient(
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


def _prelude_notebook(cwd: Path) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(PRELUDE.format(cwd=str(Path(cwd).resolve()))))
    return nb


def _write_nb(nb: nbformat.NotebookNode, path: Path) -> None:
    write_text(path, nbformat.writes(nb))


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

"""`ibis explore`: the explorer notebook served as an app with Voilà (no code cells) on
localhost, for colleagues who do not code. Prints the address; Ctrl+C stops server and kernels.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from . import paths
from .errors import IbisError

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def voila_command(notebook: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        f"--port={port}",
        "--no-browser",
        f"--Voila.ip={HOST}",
        "--show_tracebacks=False",
        "--theme=light",
    ]


def start(notebook: Path | None = None, port: int = 0) -> tuple[subprocess.Popen, str]:
    """Start Voilà in its own process group (so Ctrl+C reaches only us, and we stop it in
    order); return the process and the app's URL once it answers."""
    notebook = Path(notebook) if notebook else paths.notebooks_dir() / "00_explorer.ipynb"
    if not notebook.is_file():
        raise IbisError("Das Explorer-Notebook fehlt", path=notebook)
    port = port or free_port()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the app's kernel keeps Jupyter's inline backend
    log = tempfile.TemporaryFile()  # Voilà logs every request: a pipe would fill and block
    proc = subprocess.Popen(
        voila_command(notebook, port),
        cwd=str(notebook.parent),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://{HOST}:{port}/"
    try:
        _wait_ready(proc, url, log)
    except BaseException:  # Ctrl+C or no answer while starting: leave nothing behind
        stop(proc)
        raise
    return proc, url


def _wait_ready(proc: subprocess.Popen, url: str, log, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode("utf-8", "replace")[-2000:]
            raise IbisError(
                f"Voilà ist beim Start beendet worden (Code {proc.returncode})",
                hint=err.strip().splitlines()[-1] if err.strip() else "Port belegt? --port wählen.",
            )
        try:  # any HTTP answer means the server is up (GET / would already run the notebook)
            with urllib.request.urlopen(url + "favicon.ico", timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise IbisError("Voilà antwortet nicht", hint=f"Nach {timeout:.0f} s keine Antwort von {url}")


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """SIGINT first (Voilà shuts its kernels down), then SIGTERM/SIGKILL to the whole group."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    try:  # kernels left in the group (they have their own sessions, but be sure)
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _interrupt(_sig, _frame) -> None:
    raise KeyboardInterrupt


def run_cli(port: int = 0, notebook: Path | None = None) -> int:
    # SIGTERM (kill, a closing terminal, systemd) stops as cleanly as Ctrl+C. Ctrl+C itself is
    # set explicitly: a process started in the background of a script inherits SIGINT ignored,
    # and then Python raises no KeyboardInterrupt at all.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print("Explorer wird gestartet …", file=sys.stderr, flush=True)
    try:
        proc, url = start(notebook, port)
    except KeyboardInterrupt:
        return 130
    print(f"Explorer läuft: {url}  (im Browser öffnen; Strg+C beendet)", flush=True)
    try:
        while proc.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nExplorer wird beendet …", file=sys.stderr, flush=True)
        stop(proc)
        print("Explorer beendet.", file=sys.stderr, flush=True)
        return 0
    return 0 if proc.returncode in (0, -signal.SIGINT, -signal.SIGTERM) else 1

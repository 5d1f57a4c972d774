"""A stopped or killed batch leaves no process behind (issue 9), with real workers and kernels.

The batch runs in a subprocess on the tiny chapter of test_batch, made slow (IBIS_TEST_SLEEP)
so that every signal lands in the middle of a build. Every process it starts inherits a random
IBIS_TEST_TAG; /proc is scanned for that tag, so processes re-parented to init after their
parent died are found too.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from test_batch import MINDEN, make_notebooks

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG are Linux"
)

AGS = ["05566028", "05566008", "05566004", MINDEN]
SLEEP = 60  # s per municipality: an unstopped batch would run for minutes

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import test_batch as tb
from ibislib.batch import exit_code, fingerprint as fp, run_batch, summary
fp.library_hash = lambda: "fixed"
fp.input_index = lambda *a, **k: tb.fake_index()
if __name__ == "__main__":  # worker processes are spawned and re-import this file
    res = run_batch({ags!r}, out=Path({out!r}), notebooks_dir=Path({nb!r}), jobs={jobs},
                    build_store=False, progress=False, overview=False)
    print(summary(res), file=sys.stderr)
    sys.exit(exit_code(res))
"""


def tagged(tag: str) -> dict[int, str]:
    """Running (not zombie) processes carrying the tag: pid -> command line."""
    found = {}
    needle = f"IBIS_TEST_TAG={tag}".encode()
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if needle not in (d / "environ").read_bytes().split(b"\0"):
                continue
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if state != "Z":
            found[int(d.name)] = cmd
    return found


def ppid(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def kernels(procs: dict[int, str]) -> list[int]:
    return [p for p, cmd in procs.items() if "ipykernel" in cmd]


def workers(procs: dict[int, str]) -> list[int]:
    return [p for p, cmd in procs.items() if "multiprocessing.spawn" in cmd]


def wait_for(cond, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = cond()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"nach {timeout} s nicht erreicht: {what}")


def lock_free(out: Path) -> bool:
    with (out / ".batch.lock").open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


@pytest.fixture
def start(tmp_path):
    """Start a batch subprocess; yields a function (jobs) -> (proc, tag, out)."""
    nb = make_notebooks(tmp_path / "nb")
    started: list[tuple[subprocess.Popen, str]] = []

    def run(jobs: int):
        tag = uuid.uuid4().hex
        out = tmp_path / f"out-{tag[:6]}"
        script = tmp_path / f"run_{tag[:6]}.py"
        script.write_text(
            SCRIPT.format(
                tests=str(Path(__file__).parent), ags=AGS, out=str(out), nb=str(nb), jobs=jobs
            )
        )
        env = dict(os.environ, IBIS_TEST_SLEEP=str(SLEEP), IBIS_TEST_TAG=tag)
        proc = subprocess.Popen(
            [sys.executable, str(script)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append((proc, tag))
        # in the middle of building: every worker's kernel is up and a chapter is sleeping
        wait_for(lambda: len(kernels(tagged(tag))) >= jobs, 180, f"{jobs} Kernel laufen")
        time.sleep(2)
        return proc, tag, out

    yield run
    for proc, tag in started:  # whatever the test found: leave nothing running
        for pid in tagged(tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGTERM, 2), (signal.SIGINT, 1)])
def test_stop_signal_ends_batch_with_summary(start, sig, jobs):
    proc, tag, out = start(jobs)
    proc.send_signal(sig)  # to the batch process alone, not its group
    try:
        _, err = proc.communicate(timeout=30)  # unstopped it would need minutes
    except subprocess.TimeoutExpired:
        pytest.fail(f"Batch nach {sig.name} nicht binnen 30 s beendet")
    assert proc.returncode == 128 + sig, err
    assert "Batch-Lauf in" in err and "abgebrochen" in err and sig.name in err, err
    assert "Traceback" not in err, err
    assert tagged(tag) == {}  # workers and kernels are gone before the batch returns
    assert lock_free(out)
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert sorted(hidden) == [".batch", ".batch.lock"]  # no temp folders of the stopped builds


def test_sigkill_leaves_nothing_and_lock_outlives_batch(start):
    proc, tag, out = start(2)
    procs = tagged(tag)
    # a killed worker takes its kernel with it (the kernel's parent-death signal)
    victim = workers(procs)[0]
    kernel = next(k for k in kernels(procs) if ppid(k) == victim)
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: kernel not in tagged(tag), 10, "Kernel des getöteten Workers beendet")
    # the batch itself killed: its workers follow it, and hold the lock until they are gone
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    wait_for(lambda: lock_free(out), 20, "Sperre frei")
    assert workers(tagged(tag)) == []  # the lock was free only once no worker was left
    wait_for(lambda: tagged(tag) == {}, 10, "keine Prozesse des Batch-Laufs mehr")

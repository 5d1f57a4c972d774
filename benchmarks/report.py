"""Benchmark: one `ibis report` against a plain-Python floor of the same content, in one run.

(a) report: ``build_report`` as ``ibis report`` runs it — warm Jupyter kernels, two side by
    side on two cores (:class:`ibislib.report.build.KernelPool`), then HTML, and PDF and DOCX
    side by side;
(b) floor: the same chapters' code cells exec'd in as many plain Python processes (no Jupyter;
    fresh namespace per chapter, published outputs captured like a kernel would), chapters
    taken in the same order, with the same assembly, PDF and DOCX.

Each runs in its own child process; CPU time is that of the whole process tree (kernels,
workers and pandoc included: ``resource.getrusage(RUSAGE_CHILDREN)`` after the child ended),
so other jobs on a shared machine do not distort it as they do wall time. It prints a stage
table (CPU-s per stage, measured inside each child: the CPU of the thread that drove a stage
plus the kernel's from /proc), which chapters each kernel ran, the ratio (a) ÷ (b) and the
critical path: imports + the slowest kernel (start + its chapters) + assembly + the longer of
PDF and DOCX — the wall to expect on an idle machine with a core per kernel. Target
(issue 17): ≤ 1,2× the floor; one full report under 20 s wall on an idle 2-core machine.

    .venv/bin/python benchmarks/report.py                       # Ibbenbüren, html,pdf,docx
    .venv/bin/python benchmarks/report.py --formats html --municipality Minden
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def de(x: float, d: int = 1) -> str:
    return f"{x:,.{d}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def proc_cpu(pid: int | None) -> float:
    """CPU seconds of a running process (Linux /proc), 0 if unknown."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


# ------------------------------------------------------------------------- the floor executor


def exec_executor(input_nb: Path, output_nb: Path, parameters: dict, cwd: Path) -> None:
    """Run a notebook's code cells in this process (no kernel): the floor of the same work."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(input_nb)), parameters)
    shell = InteractiveShell.instance()
    outputs: list = []
    shell.display_pub.publish = lambda data, metadata=None, **kw: outputs.append(
        nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})
    )
    here = os.getcwd()
    os.chdir(cwd)
    namespace: dict = {"__name__": "__main__"}
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            outputs.clear()
            src = shell.transform_cell(cell.source)  # %magics as in a kernel
            exec(compile(src, f"<{input_nb.name}>", "exec"), namespace)
            cell.outputs = list(outputs)
    finally:
        os.chdir(here)
        import matplotlib.pyplot as plt

        plt.close("all")
    output_nb.write_text(nbformat.writes(nb), encoding="utf-8")


class FloorPool:
    """The floor's chapters side by side like the report's kernels: `lanes` plain Python
    processes (no Jupyter) exec the chapters, dispatched as :class:`KernelPool` does (the first
    from the front of the report, the second from the back)."""

    def __init__(self, lanes: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        spawn = multiprocessing.get_context("spawn")
        self.workers = [ProcessPoolExecutor(1, mp_context=spawn) for _ in range(lanes)]
        self.chapters: dict[str, dict] = {}

    def run(self, jobs, meanwhile=None):
        import collections
        import queue
        import threading

        pending, done, lock = collections.deque(jobs), queue.Queue(), threading.Lock()

        def lane(i: int) -> None:
            while True:
                with lock:
                    if not pending:
                        return
                    key, args = pending.popleft() if i % 2 == 0 else pending.pop()
                try:
                    name, info = self.workers[i].submit(floor_chapter, *args).result()
                    self.chapters[name] = info
                    done.put((key, None))
                except Exception as exc:  # noqa: BLE001 - recorded as a failed chapter
                    done.put((key, exc))

        threads = [threading.Thread(target=lane, args=(i,)) for i in range(len(self.workers))]
        for t in threads:
            t.start()
        if meanwhile is not None:
            meanwhile()
        for _ in jobs:
            yield done.get()
        for t in threads:
            t.join()

    def close(self) -> None:
        for w in self.workers:
            w.shutdown()


def floor_chapter(input_nb, output_nb, parameters, cwd) -> tuple[str, dict]:
    """One chapter in a floor worker process: (stem, {cpu, lane, start, end})."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from ibislib.lean_imports import skip_slow_iri_checker

    skip_slow_iri_checker()  # as the `ibis` command does

    c, w = self_cpu(), time.perf_counter()
    main = sys.modules["__main__"]  # IPython's shell puts its own there; the pool unpickles
    try:  # the next job's function from this one
        exec_executor(Path(input_nb), Path(output_nb), parameters, Path(cwd))
    finally:
        sys.modules["__main__"] = main
    return Path(input_nb).stem, {
        "cpu": self_cpu() - c,
        "before": c,  # the worker's start and imports, on its first chapter
        "lane": f"pid {os.getpid()}",
        "start": w,
        "end": time.perf_counter(),
    }


# ------------------------------------------------------------------------- one measured build


def measured_build(kind: str, municipality: str, formats: tuple[str, ...], out: Path) -> dict:
    """Build once with stage timings (runs inside the child process).

    CPU per stage: the chapters as kernel CPU (/proc) plus the CPU of the parent's thread that
    drove that kernel (``time.thread_time``); PDF as the CPU of the thread that ran WeasyPrint;
    DOCX as its thread's CPU plus pandoc's (a waited-for child); the rest of the parent's CPU
    is assembly, HTML and manifest. Each chapter also records its lane (kernel/process)."""
    import threading

    stages: dict[str, float] = {}
    lanes: dict[str, dict] = {}  # lane -> {"boot": CPU-s, "chapters": [names]}
    accounted = [0.0]  # parent CPU inside the named stages (any thread)
    lock = threading.Lock()
    t0 = self_cpu()
    wall0 = time.perf_counter()
    from ibislib.lean_imports import skip_slow_iri_checker

    skip_slow_iri_checker()  # as the `ibis` command does
    from ibislib.report import build, render

    stages["Importe (Elternprozess)"] = self_cpu() - t0
    executor = None
    floor = None
    if kind == "report":
        from ibislib.batch.kernel import WarmKernel

        ensure_ready, execute = WarmKernel._ensure_ready, WarmKernel.execute

        def timed_ready(self, cwd):
            c, starts = time.thread_time(), self.starts
            try:
                return ensure_ready(self, cwd)
            finally:
                spent = time.thread_time() - c
                lane = lanes.setdefault(threading.current_thread().name, {"chapters": []})
                if self.starts > starts:  # a kernel started: its CPU so far is its start
                    lane["boot"] = lane.get("boot", 0.0) + spent + proc_cpu(self.pid)
                self._bench_mark = (time.thread_time(), proc_cpu(self.pid))
                with lock:
                    accounted[0] += spent

        def timed_execute(self, input_nb, output_nb, parameters, cwd):
            try:
                return execute(self, input_nb, output_nb, parameters, cwd)
            finally:
                t, k = getattr(self, "_bench_mark", (time.thread_time(), proc_cpu(self.pid)))
                spent = time.thread_time() - t
                name = Path(input_nb).stem
                stages[f"Kapitel {name}"] = spent + proc_cpu(self.pid) - k
                lane = lanes.setdefault(threading.current_thread().name, {"chapters": []})
                lane["chapters"].append(name)
                self._bench_mark = (time.thread_time(), proc_cpu(self.pid))
                with lock:
                    accounted[0] += spent

        WarmKernel._ensure_ready, WarmKernel.execute = timed_ready, timed_execute
    else:
        floor = FloorPool(build.lanes_for(len(build.chapter_notebooks())))
        executor = floor

    def timed(name, fn, children: bool):
        def wrapper(*a, **kw):
            c, ch = time.thread_time(), children_cpu()
            try:
                return fn(*a, **kw)
            finally:
                spent = time.thread_time() - c
                with lock:
                    accounted[0] += spent
                stages[name] = (
                    stages.get(name, 0.0) + spent + (children_cpu() - ch if children else 0.0)
                )

        return wrapper

    render.warm_up = timed("PDF-Vorlauf (während der Kapitel)", render.warm_up, children=False)
    render._png_streams = timed("PDF-Bilder (2. Faden)", render._png_streams, children=False)
    render.to_pdf = timed("PDF (WeasyPrint)", render.to_pdf, children=False)
    render.to_docx = timed("DOCX (pandoc)", render.to_docx, children=True)
    c = self_cpu()
    try:
        res = build.build_report(
            municipality, formats=formats, out=out, progress=False, executor=executor
        )
    finally:
        if floor is not None:
            floor.close()
    if floor is not None:
        for name, info in floor.chapters.items():
            stages[f"Kapitel {name}"] = info["cpu"]
            lane = lanes.setdefault(info["lane"], {"chapters": [], "boot": info["before"]})
            lane["chapters"].append(name)
            lane["boot"] = min(lane["boot"], info["before"])
    stages["Zusammenbau, HTML, Manifest"] = self_cpu() - c - accounted[0]
    return {
        "stages": stages,
        "lanes": lanes,
        "ok": res.ok,
        "failed": res.failed,
        "wall": time.perf_counter() - wall0,
        "figures": len(res.figures),
        "html_bytes": (out / "index.html").stat().st_size,
    }


def critical_path(r: dict) -> float:
    """CPU-s on the longest chain: imports, then the slowest lane (its kernel's start and its
    chapters), then assembly and the longer of PDF and DOCX (built side by side). The PDF's
    head start and its image thread run beside other stages and are not on it."""
    st = r["stages"]
    lane = max(
        (v.get("boot", 0.0) + sum(st.get(f"Kapitel {c}", 0.0) for c in v["chapters"]))
        for v in r["lanes"].values()
    )
    return (
        st.get("Importe (Elternprozess)", 0.0)
        + lane
        + st.get("Zusammenbau, HTML, Manifest", 0.0)
        + max(st.get("PDF (WeasyPrint)", 0.0), st.get("DOCX (pandoc)", 0.0))
    )


def wall_estimate(r: dict, cores: int = 2) -> float:
    """The wall to expect on an idle machine with `cores` cores: the critical path, or the
    whole tree's CPU spread over the cores if that is longer (both cores busy)."""
    return max(critical_path(r), r["cpu"] / cores)


def child(kind: str, municipality: str, formats: str, out: str, result: str) -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    data = measured_build(kind, municipality, tuple(formats.split(",")), Path(out))
    Path(result).write_text(json.dumps(data), encoding="utf-8")
    return 0


def run_child(kind: str, args, work: Path) -> dict:
    result = work / f"{kind}.json"
    before = children_cpu()
    wall = time.perf_counter()
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            kind,
            "--municipality",
            args.municipality,
            "--formats",
            args.formats,
            "--out",
            str(work / kind / "bericht"),
            "--result",
            str(result),
        ],
        check=True,
        env=env,
    )
    data = json.loads(result.read_text(encoding="utf-8"))
    data["cpu"] = children_cpu() - before
    data["wall_total"] = time.perf_counter() - wall
    return data


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--municipality", default="05566028")
    ap.add_argument("--formats", default="html,pdf,docx")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.municipality, args.formats, args.out, args.result)

    from ibislib import store

    store.load()  # built before either run, so neither pays for it
    load = os.getloadavg()
    print(
        f"Bericht {args.municipality}, Formate {args.formats}, {os.cpu_count()} Kerne, "
        f"Last vorher {de(load[0], 2)}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="ibis-bench-report-") as tmp:
        work = Path(tmp)
        (work / "report").mkdir()
        (work / "floor").mkdir()
        print("(a) ibis report (warme Kernel, Kapitel nebeneinander) …", flush=True)
        a = run_child("report", args, work)
        print("(b) Untergrenze: derselbe Code in Python-Prozessen ohne Jupyter …", flush=True)
        b = run_child("floor", args, work)
    for name, r in (("(a)", a), ("(b)", b)):
        if not r["ok"]:
            print(f"  {name} FEHLER: {r['failed']}")
    names = list(dict.fromkeys([*a["stages"], *b["stages"]]))
    print()
    print(f"{'Stufe (CPU-s)':<34} {'(a) Bericht':>12} {'(b) Untergrenze':>16}")
    for n in names:
        va, vb = a["stages"].get(n), b["stages"].get(n)
        print(
            f"  {n:<32} {de(va, 2) if va is not None else '–':>12} "
            f"{de(vb, 2) if vb is not None else '–':>16}"
        )
    print(f"  {'Prozessbaum gesamt (CPU-s)':<32} {de(a['cpu'], 2):>12} {de(b['cpu'], 2):>16}")
    print(f"  {'Wanduhr (s)':<32} {de(a['wall_total'], 1):>12} {de(b['wall_total'], 1):>16}")
    print(
        f"  {'Kritischer Pfad (CPU-s)':<32} {de(critical_path(a), 2):>12} {de(critical_path(b), 2):>16}"
    )
    print(
        f"  {'Wanduhr-Schätzung, 2 freie Kerne':<32} {de(wall_estimate(a), 2):>12} "
        f"{de(wall_estimate(b), 2):>16}"
    )
    for name, r in (("(a)", a), ("(b)", b)):
        for lane, v in sorted(r["lanes"].items()):
            boot = f"Start {de(v['boot'], 2)} + " if "boot" in v else ""
            print(f"  {name} {lane}: {boot}{', '.join(v['chapters'])}")
    ratio = a["cpu"] / b["cpu"]
    print()
    print(f"Verhältnis (a) ÷ (b) in CPU-Zeit: {de(ratio, 2)}×   (Ziel ≤ 1,2×)")
    print(
        f"Wanduhr (a): {de(a['wall_total'], 1)} s gemessen, {de(wall_estimate(a), 1)} s geschätzt "
        f"(Ziel < 20 s auf einem freien 2-Kern-Rechner; "
        f"Last nachher {de(os.getloadavg()[0], 2)})"
    )
    print(
        f"Abbildungen {a['figures']} / {b['figures']}, index.html {a['html_bytes']} / "
        f"{b['html_bytes']} Bytes"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())

"""Benchmark: one `ibis report` against a plain-Python floor of the same content, in one run.

(a) report: ``build_report`` as ``ibis report`` runs it — one warm Jupyter kernel for all
    chapters (:func:`ibislib.report.build.kernel_executor`), then HTML, PDF and DOCX;
(b) floor: the same chapters' code cells exec'd one after the other in ONE plain Python
    process (fresh namespace per chapter, published outputs captured like a kernel would),
    with the same assembly, PDF and DOCX.

Each runs in its own child process; CPU time is that of the whole process tree (the kernel
and pandoc included: ``resource.getrusage(RUSAGE_CHILDREN)`` after the child ended), so other
jobs on a shared machine do not distort it as they do wall time. It prints a stage table
(CPU-s per stage, measured inside each child: the parent's own CPU plus the kernel's from
/proc) and the ratio (a) ÷ (b). Target (issue 17): ≤ 1,2× the floor; one full report under
20 s wall on an idle 2-core machine.

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


# ------------------------------------------------------------------------- one measured build


def measured_build(kind: str, municipality: str, formats: tuple[str, ...], out: Path) -> dict:
    """Build once with stage timings (runs inside the child process)."""
    stages: dict[str, float] = {}
    accounted = [0.0]  # this process's own CPU inside the named stages
    t0 = self_cpu()
    wall0 = time.perf_counter()
    from ibislib.report import build, render

    stages["Importe (Elternprozess)"] = self_cpu() - t0
    kernel = None
    if kind == "report":
        from ibislib.batch.kernel import WarmKernel

        kernel = WarmKernel(quiet=True)
        c = self_cpu()
        kernel.start()
        stages["Kernel-Start"] = self_cpu() - c + proc_cpu(kernel.pid)
        run = kernel.execute
    else:
        run = exec_executor

    def executor(input_nb, output_nb, parameters, cwd):
        c, k = self_cpu(), proc_cpu(kernel.pid) if kernel else 0.0
        try:
            run(input_nb, output_nb, parameters, cwd)
        finally:
            accounted[0] += self_cpu() - c
            spent = self_cpu() - c + ((proc_cpu(kernel.pid) - k) if kernel else 0.0)
            stages[f"Kapitel {input_nb.stem}"] = spent

    def timed(name, fn):
        def wrapper(*a, **kw):
            c, ch = self_cpu(), children_cpu()
            try:
                return fn(*a, **kw)
            finally:
                accounted[0] += self_cpu() - c
                stages[name] = stages.get(name, 0.0) + self_cpu() - c + children_cpu() - ch

        return wrapper

    render.to_pdf = timed("PDF (WeasyPrint)", render.to_pdf)
    render.to_docx = timed("DOCX (pandoc)", render.to_docx)
    c = self_cpu()
    res = build.build_report(
        municipality, formats=formats, out=out, progress=False, executor=executor
    )
    if kernel is not None:
        kernel.close()
    stages["Zusammenbau, HTML, Manifest"] = self_cpu() - c - accounted[0]
    return {
        "stages": stages,
        "ok": res.ok,
        "failed": res.failed,
        "wall": time.perf_counter() - wall0,
        "figures": len(res.figures),
        "html_bytes": (out / "index.html").stat().st_size,
    }


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
        print("(a) ibis report (ein warmer Kernel für alle Kapitel) …", flush=True)
        a = run_child("report", args, work)
        print("(b) Untergrenze: derselbe Code in einem Python-Prozess …", flush=True)
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
    ratio = a["cpu"] / b["cpu"]
    print()
    print(f"Verhältnis (a) ÷ (b) in CPU-Zeit: {de(ratio, 2)}×   (Ziel ≤ 1,2×)")
    print(
        f"Wanduhr (a): {de(a['wall_total'], 1)} s   (Ziel < 20 s auf einem freien 2-Kern-Rechner; "
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

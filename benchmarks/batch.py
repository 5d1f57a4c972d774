"""Benchmark: the naive papermill loop against `ibis batch` (warm kernels, parallel, incremental).

Runs, in one go, on the same municipalities (half from Kreis Steinfurt 05566, half from
Minden-Lübbecke 05770):

(a) naive: for every municipality and chapter notebook one `papermill` command line call
    (parameters as YAML with the AGS quoted, so it stays a string) and one
    `jupyter nbconvert --to html --no-input` call, one after the other;
(b) `ibis batch --jobs 2 --formats html` into a fresh folder, n municipalities;
(b3) the same for 3·n municipalities into another fresh folder (``--no-marginal`` skips it):
    the MARGINAL CPU per report is (CPU(3n) − CPU(n)) / 2n, the fixed cost per worker what
    remains of CPU(n) (worker and kernel start, imports, the first report's one-off loads);
(c) the same `ibis batch` call as (b) again, nothing changed;
(d) memory: one warm kernel building report after report for distinct municipalities drawn
    at random from all of Germany (seed 1: nearly every one in a Kreis the kernel has not
    seen, the worst case for its caches; no restart), its RSS at report 1, 50 and 100
    (``--rss-n``; 0 skips it), and the kernel's CPU of its first report against the later
    ones (what a kernel restart costs).

Both (a) and (b) execute every chapter notebook and export HTML. It prints seconds per
municipality report, the ratios, the CPU time per report of the whole process tree of
``ibis batch`` (batch, workers, kernels: ``resource.getrusage(RUSAGE_CHILDREN)``), average and
marginal, and from the CPU time an extrapolation to NRW and Germany from the model "fixed cost
per worker + marginal cost per report + a restart cost every K reports" (target of issue 17:
≤ 3 CPU-s per HTML report, all of Germany in under 35 min on 16 cores); the assumptions are
printed with it. ``--skip-naive`` leaves (a) out (it is slow).

The benchmark runs on a snapshot of the committed state (``git archive HEAD`` of ibislib/,
notebooks/ and data/raw/ in the work folder, used through PYTHONPATH and IBIS_ROOT): its own
store, and no edits in the working tree can change the skip keys between (b) and (c).
``--live`` uses the working tree instead.

    .venv/bin/python benchmarks/batch.py            # 20 municipalities (takes a while)
    .venv/bin/python benchmarks/batch.py --n 4      # quicker
    .venv/bin/python benchmarks/batch.py --n 10 --skip-naive --rss-n 20
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

NRW = 396  # Gemeinden in Nordrhein-Westfalen
GERMANY = 10_800  # Gemeinden in Deutschland, rounded


def municipalities(n: int) -> list[str]:
    """n distinct Gemeinden: half from Kreis Steinfurt, half from Minden-Lübbecke, then (for
    large n) the other Gemeinden of NRW."""
    from ibislib.regions import registry

    reg = registry()
    a = [r.ags for r in reg.municipalities(kreis="05566")]
    b = [r.ags for r in reg.municipalities(kreis="05770")]
    half = (n + 1) // 2
    chosen = list(dict.fromkeys(a[:half] + b[: n - half] + a + b))
    taken = set(chosen)
    rest = [r.ags for r in reg.municipalities(land="05") if r.ags not in taken]
    return (chosen + rest)[:n]


def sample_germany(n: int, seed: int = 1) -> list[str]:
    """n distinct Gemeinden drawn at random from all of Germany (reproducible)."""
    import random

    from ibislib.regions import registry

    every = [r.ags for r in registry().municipalities()]
    return random.Random(seed).sample(every, min(n, len(every)))


def first_in_kreis_share(workers: int) -> float:
    """Share of all German Gemeinden that are the first of their Kreis a worker builds when
    `workers` take the AGS-sorted list from one queue (each Kreis new to min(size, workers))."""
    from collections import Counter

    from ibislib.regions import registry

    sizes = Counter(r.ags[:5] for r in registry().municipalities())
    return sum(min(s, workers) for s in sizes.values()) / sum(sizes.values())


def chapters() -> list[Path]:
    from ibislib.report.build import chapter_notebooks

    return chapter_notebooks()


def run(cmd: list[str], **kw) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        tail = (res.stderr or res.stdout).strip().splitlines()[-5:]
        print(f"  FEHLER ({res.returncode}): {' '.join(cmd[:3])} …\n    " + "\n    ".join(tail))


def naive(ags_list: list[str], notebooks: list[Path], out: Path) -> float:
    """(a) papermill + nbconvert on the command line, once per notebook, sequentially."""
    started = time.perf_counter()
    for i, ags in enumerate(ags_list, 1):
        folder = out / ags
        figs = folder / "figures"
        figs.mkdir(parents=True)
        t0 = time.perf_counter()
        for nb in notebooks:
            target = folder / nb.name
            # YAML with quoted strings: the AGS stays text ("05566028"), never -p
            params = f"municipality: '{ags}'\nperiod: null\nout_dir: '{figs}'\ninteractive: false\n"
            run(
                [
                    str(BIN / "papermill"),
                    str(nb),
                    str(target),
                    "-y",
                    params,
                    "--cwd",
                    str(nb.parent),
                    "-k",
                    "python3",
                    "--no-progress-bar",
                ]
            )
            run(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    "--no-input",
                    "--log-level",
                    "WARN",
                    str(target),
                ]
            )
        print(f"  (a) {i}/{len(ags_list)} {ags}: {time.perf_counter() - t0:.1f} s", flush=True)
    return time.perf_counter() - started


def children_cpu() -> float:
    """CPU seconds of all finished (waited-for) child processes and their children."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def proc_cpu(pid: int | None) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def self_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


#: (d): this process's CPU per report (the worker's share: nbclient, assembling the page)
worker_cpu: list[float] = []


def rss_run(ags_list: list[str], n: int, out: Path) -> tuple[dict[int, float | None], list[float]]:
    """(d) One warm kernel, n reports for distinct municipalities one after the other (no
    restart): RSS at 1, 50, n and the kernel's CPU per report (the first includes its start)."""
    from ibislib.batch.kernel import WarmKernel
    from ibislib.report.build import build_report

    marks = sorted({1, min(50, n), n} if n >= 50 else {1, max(1, n // 2), n})
    rss: dict[int, float | None] = {}
    cpu: list[float] = []
    worker_cpu.clear()
    with WarmKernel(quiet=True) as kernel:
        kernel.start()
        for i in range(1, n + 1):
            ags = ags_list[(i - 1) % len(ags_list)]
            target = out / f"{i:03d}_{ags}"
            before = proc_cpu(kernel.pid) if i > 1 else 0.0  # report 1: since the kernel's start
            own = self_cpu()
            res = build_report(
                ags, formats=("html",), out=target, progress=False, executor=kernel.execute
            )
            if not res.ok:  # a failed chapter costs less: say so, the figure would flatter
                print(f"  (d) Bericht {i} ({ags}) unvollständig: {', '.join(res.failed)}")
            cpu.append(proc_cpu(kernel.pid) - before)
            worker_cpu.append(self_cpu() - own)
            if i in marks:
                rss[i] = kernel.rss_mib()
                print(
                    f"  (d) Bericht {i} ({ags}): Kernel {de(rss[i] or 0, 0)} MiB, "
                    f"{de(cpu[-1], 2)} CPU-s",
                    flush=True,
                )
            shutil.rmtree(target, ignore_errors=True)
    return rss, cpu


def ibis_batch(listfile: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds of the whole process tree of one `ibis batch` call."""
    cpu0 = children_cpu()
    started = time.perf_counter()
    cmd = [
        str(BIN / "ibis"),
        "batch",
        "--municipalities",
        str(listfile),
        "--jobs",
        str(jobs),
        "--out",
        str(out),
        "--formats",
        "html",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu0
    summary = [ln for ln in res.stderr.splitlines() if "\r" not in ln and ln.strip()]
    print("    " + "\n    ".join(summary[-6:]))
    print(f"    CPU des Prozessbaums: {de(cpu, 1)} CPU-s", flush=True)
    if res.returncode != 0:
        print(f"  ibis batch endete mit Exitcode {res.returncode}")
    return seconds, cpu


def hms(seconds: float) -> str:
    h, rest = divmod(int(round(seconds)), 3600)
    m, s = divmod(rest, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s"


def de(x: float, d: int = 1) -> str:
    return f"{x:,.{d}f}".replace(",", "X").replace(".", ",").replace("X", ".")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20, help="Anzahl Gemeinden (Standard 20)")
    ap.add_argument("--jobs", type=int, default=2, help="Worker für ibis batch (Standard 2)")
    ap.add_argument("--workdir", type=Path, default=None, help="Arbeitsordner (sonst temporär)")
    ap.add_argument("--keep", action="store_true", help="Ergebnisse nicht löschen")
    ap.add_argument("--live", action="store_true", help="Arbeitskopie statt Schnappschuss")
    ap.add_argument("--skip-naive", action="store_true", help="(a) naiv auslassen (langsam)")
    ap.add_argument("--no-marginal", action="store_true", help="(b3) mit 3·n Gemeinden auslassen")
    ap.add_argument(
        "--rss-n", type=int, default=100, help="(d) Berichte in einem Kernel (0: auslassen)"
    )
    ap.add_argument("--cleanup", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="ibis-bench-")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    if not args.live and not os.environ.get("IBIS_BENCH_SNAPSHOT"):
        snap = work / "snapshot"
        shutil.rmtree(snap, ignore_errors=True)
        snap.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", "HEAD", "ibislib", "notebooks", "data/raw"],
            capture_output=True,
            check=True,
        )
        subprocess.run(["tar", "-x", "-C", str(snap)], input=archive.stdout, check=True)
        env = dict(os.environ, PYTHONPATH=str(snap), IBIS_ROOT=str(snap), IBIS_BENCH_SNAPSHOT="1")
        argv = [
            sys.executable,
            str(Path(__file__).resolve()),
            *sys.argv[1:],
            "--workdir",
            str(work),
        ]
        if args.workdir is None and not args.keep:
            argv.append("--cleanup")
        return subprocess.run(argv, env=env).returncode

    import ibislib

    print(f"ibislib aus {Path(ibislib.__file__).parent}", flush=True)
    ags_list = municipalities(args.n)
    notebooks = chapters()
    for sub in ("naive", "batch", "batch3"):
        shutil.rmtree(work / sub, ignore_errors=True)
    listfile = work / "gemeinden.txt"
    listfile.write_text("\n".join(ags_list) + "\n", encoding="utf-8")
    n = len(ags_list)
    print(
        f"{n} Gemeinden, {len(notebooks)} Kapitel ({', '.join(p.stem for p in notebooks)}), "
        f"{os.cpu_count()} Kerne, Arbeitsordner {work}",
        flush=True,
    )

    # the store must be built before either run, so neither pays for it
    from ibislib import store

    store.build()

    print(f"Last vorher: {de(os.getloadavg()[0], 2)}", flush=True)
    t_a = None
    if not args.skip_naive:
        print("(a) naiv: papermill + nbconvert je Notebook auf der Kommandozeile …", flush=True)
        cpu0 = children_cpu()
        t_a = naive(ags_list, notebooks, work / "naive")
        cpu_a = children_cpu() - cpu0
    print(f"(b) ibis batch --jobs {args.jobs} (neuer Ordner) …", flush=True)
    t_b, cpu_b = ibis_batch(listfile, work / "batch", args.jobs)
    print("(c) ibis batch erneut, unverändert …", flush=True)
    t_c, cpu_c = ibis_batch(listfile, work / "batch", args.jobs)
    from ibislib.batch.worker import WorkerConfig

    every = WorkerConfig().restart_every  # the batch's default: a new kernel every K reports
    marginal = None
    if not args.no_marginal:
        ags3 = municipalities(3 * n)
        if len(ags3) < 3 * n:
            print(f"  (b3) nur {len(ags3)} Gemeinden verfügbar: ohne Grenzkosten")
        else:
            if 3 * n > every * args.jobs:
                print(f"  Hinweis: mehr als {every} Berichte je Worker, (b3) enthält Neustarts")
            list3 = work / "gemeinden3.txt"
            list3.write_text("\n".join(ags3) + "\n", encoding="utf-8")
            print(f"(b3) ibis batch --jobs {args.jobs}, {3 * n} Gemeinden (neuer Ordner) …")
            _t3, cpu_3 = ibis_batch(list3, work / "batch3", args.jobs)
            marginal = (cpu_3 - cpu_b) / (2 * n)
    rss: dict[int, float | None] = {}
    kcpu: list[float] = []
    if args.rss_n:
        print(f"(d) ein Kernel, {args.rss_n} Berichte nacheinander (Speicher) …", flush=True)
        rss, kcpu = rss_run(sample_germany(args.rss_n), args.rss_n, work / "rss")

    b, c = t_b / n, t_c / n
    core_s = cpu_b / n  # CPU of the whole process tree (batch, workers, kernels) per report
    workers = max(1, min(args.jobs, n))
    print()
    print(f"Ergebnis für {n} Gemeinden ({len(notebooks)} Kapitel, HTML), je Bericht:")
    if t_a is not None:
        a = t_a / n
        print(
            f"  (a) naiv, nacheinander       {de(a):>8} s   (gesamt {hms(t_a)}; "
            f"{de(cpu_a / n)} CPU-s je Bericht)"
        )
    print(f"  (b) ibis batch --jobs {args.jobs}      {de(b):>8} s   (gesamt {hms(t_b)})")
    print(f"  (c) ibis batch unverändert   {de(c, 2):>8} s   (gesamt {de(t_c)} s)")
    print(f"  (b) CPU des Prozessbaums:    {de(core_s, 2):>8} CPU-s je Bericht im Mittel")
    fixed = None
    if marginal is not None:
        fixed = max(0.0, (cpu_b - n * marginal) / workers)
        print(
            f"  Grenzkosten (b3 − b) / 2n:   {de(marginal, 2):>8} CPU-s je weiterem Bericht"
            "   (Ziel ≤ 3)"
        )
        print(
            f"  Fixkosten je Worker:         {de(fixed, 1):>8} CPU-s (Start, Importe, 1. Bericht)"
        )
    if t_a is not None:
        print(f"  Durchsatz (b) gegenüber (a): {de(t_a / t_b)}-fach   (Ziel ≥ 3)")
        print(f"  CPU (a) ÷ (b):               {de(cpu_a / cpu_b)}-fach")
    print(
        f"  (c) in % von (b):            {de(100 * cpu_c / cpu_b)} % der CPU-Zeit, "
        f"{de(100 * t_c / t_b)} % der Zeit   (Ziel < 5 %; {de(cpu_c, 1)} CPU-s gesamt)"
    )
    restart = None
    d_report = None
    restarts = 0
    if rss:
        marks = ", ".join(f"Bericht {k}: {de(v or 0, 0)} MiB" for k, v in rss.items())
        print(f"  (d) Kernel-Speicher (RSS) ohne Neustart, verschiedene Gemeinden: {marks}")
        (k1, v1), (k2, v2) = list(rss.items())[-2:] if len(rss) > 1 else ((0, 0), (0, 0))
        if k2 > k1 and v1 and v2:  # flat means: no growth per report once the caches are full
            print(
                f"      Zuwachs zwischen Bericht {k1} und {k2}: "
                f"{de((v2 - v1) / (k2 - k1), 2)} MiB je Bericht"
            )
        if len(kcpu) > 2:
            later = sorted(kcpu[1:])[len(kcpu[1:]) // 2]
            restart = max(0.0, kcpu[0] - later)
            own = sorted(worker_cpu[1:])[len(worker_cpu[1:]) // 2]
            d_report = later + own
            print(
                f"  (d) Kernel-CPU: 1. Bericht (mit Kernelstart) {de(kcpu[0], 1)} CPU-s, danach "
                f"Median {de(later, 2)} CPU-s: ein Neustart kostet {de(restart, 1)} CPU-s"
            )
            print(
                f"  (d) je Bericht über {len(kcpu)} verschiedene Gemeinden: Kernel {de(later, 2)}"
                f" + Worker {de(own, 2)} = {de(d_report, 2)} CPU-s (Median; Gegenprobe zu den"
                " Grenzkosten aus nur zwei Kreisen, deren Kreis-Daten im Kernel warm bleiben;"
                " Zufallsstichprobe aus ganz Deutschland)"
            )

    # Extrapolation from CPU time (not wall × jobs: on a shared machine that counts waiting)
    print()
    if marginal is None or fixed is None:
        print(f"Hochrechnung aus der mittleren CPU-Zeit ({de(core_s, 2)} CPU-s je Bericht; ohne")
        print(" (b3) keine Trennung in Fix- und Grenzkosten; ein Worker je Kern, lineare")
        print(" Skalierung, gleiche Kosten je Gemeinde):")
        per_report = {label: core_s for label in ("NRW", "Deutschland")}
        model = {k: count * core_s for k, count in (("NRW", NRW), ("Deutschland", GERMANY))}
    else:
        restart_c = restart if restart is not None else fixed
        how = "gemessen in (d)" if restart is not None else "angenommen = Fixkosten je Worker"
        print("Hochrechnung aus der CPU-Zeit, Modell: CPU = W · Fixkosten + N · Grenzkosten")
        print(f" + W · Neustarts · Neustartkosten, W = 16 Worker, ein Neustart alle {every}")
        print(f" Berichte je Worker; Fixkosten {de(fixed, 1)} CPU-s, Grenzkosten {de(marginal, 2)}")
        print(f" CPU-s, Neustart {de(restart_c, 1)} CPU-s ({how}). Annahmen: ein Worker je Kern,")
        print(" ideal verteilt; jede Gemeinde kostet so viel wie die gemessenen (Kreise")
        print(" Steinfurt und Minden-Lübbecke); kein Speicher- oder Dateisystem-Engpass;")
        print(" die Caches eines Kernels füllen sich nicht anders als hier):")
        model = {}
        per_report = {}
        for label, count in (("NRW", NRW), ("Deutschland", GERMANY)):
            per_worker = -(-count // 16)
            restarts = max(0, -(-per_worker // every) - 1)
            total = 16 * fixed + count * marginal + 16 * restarts * restart_c
            model[label] = total
            per_report[label] = total / count
    for label, count in (("NRW", NRW), ("Deutschland", GERMANY)):
        naive_t = f"naiv {hms(count * t_a / n)}; " if t_a is not None else ""
        total = model[label]
        print(
            f"  {label} ({de(count, 0)} Gemeinden): {naive_t}{de(per_report[label], 2)} CPU-s "
            f"je Bericht; 1 Rechner mit 16 Kernen {hms(total / 16)}; "
            f"Cluster 10 × 16 Kerne {hms(total / 160)}"
        )
    if d_report is not None and fixed is not None:
        total = 16 * fixed + GERMANY * d_report + 16 * restarts * (restart or fixed)
        print(
            f"  Gegenprobe Deutschland mit {de(d_report, 2)} CPU-s je Bericht aus (d): "
            f"1 Rechner mit 16 Kernen {hms(total / 16)}"
        )
    if d_report is not None and fixed is not None and marginal is not None:
        # ibis batch hands the AGS-sorted list to its workers from one queue: a worker gets
        # about every 16th Gemeinde, so a Kreis of s Gemeinden is new to min(s, 16) workers
        # (its map area and ring computed again there); the other reports find it warm
        share = first_in_kreis_share(16)
        per = share * d_report + (1 - share) * marginal
        total = 16 * fixed + GERMANY * per + 16 * restarts * (restart or fixed)
        print(
            f"  Mit den Kreisgrößen (Gebietsstand des Registers): {de(100 * share, 0)} % der "
            f"Berichte sind die ersten ihres Kreises in ihrem Worker ({de(d_report, 2)} CPU-s),"
            f" die übrigen kosten die Grenzkosten ({de(marginal, 2)}): {de(per, 2)} CPU-s je "
            f"Bericht, Deutschland auf 16 Kernen {hms(total / 16)}"
        )
    print(f"  Ziel Deutschland auf 16 Kernen: < 35 min; Last nachher {de(os.getloadavg()[0], 2)}")
    # a temporary work folder of our own goes again (snapshot runs pass --cleanup to the child)
    if args.cleanup or (args.live and args.workdir is None and not args.keep):
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if not os.environ.get("IBIS_BENCH_SNAPSHOT"):  # in the snapshot, PYTHONPATH decides
        sys.path.insert(0, str(ROOT))
    raise SystemExit(main())

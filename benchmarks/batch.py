"""Benchmark: the naive papermill loop against `ibis batch` (warm kernels, parallel, incremental).

Runs, in one go, on the same municipalities (half from Kreis Steinfurt 05566, half from
Minden-Lübbecke 05770):

(a) naive: for every municipality and chapter notebook one `papermill` command line call
    (parameters as YAML with the AGS quoted, so it stays a string) and one
    `jupyter nbconvert --to html --no-input` call, one after the other;
(b) `ibis batch --jobs 2 --formats html` into a fresh folder;
(c) the same `ibis batch` call again, nothing changed.

Both (a) and (b) execute every chapter notebook and export HTML. It prints seconds per
municipality report, the ratios and an extrapolation to NRW and Germany.

The benchmark runs on a snapshot of the committed state (``git archive HEAD`` of ibislib/,
notebooks/ and data/raw/ in the work folder, used through PYTHONPATH and IBIS_ROOT): its own
store, and no edits in the working tree can change the skip keys between (b) and (c).
``--live`` uses the working tree instead.

    .venv/bin/python benchmarks/batch.py            # 20 municipalities (takes a while)
    .venv/bin/python benchmarks/batch.py --n 4      # quicker
"""

from __future__ import annotations

import argparse
import os
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
    from ibislib.regions import registry

    reg = registry()
    a = [r.ags for r in reg.municipalities(kreis="05566")]
    b = [r.ags for r in reg.municipalities(kreis="05770")]
    half = (n + 1) // 2
    return (a[:half] + b[: n - half])[:n]


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


def ibis_batch(listfile: Path, out: Path, jobs: int) -> float:
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
    summary = [ln for ln in res.stderr.splitlines() if "\r" not in ln and ln.strip()]
    print("    " + "\n    ".join(summary[-6:]))
    if res.returncode != 0:
        print(f"  ibis batch endete mit Exitcode {res.returncode}")
    return seconds


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
    for sub in ("naive", "batch"):
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

    print("(a) naiv: papermill + nbconvert je Notebook auf der Kommandozeile …", flush=True)
    t_a = naive(ags_list, notebooks, work / "naive")
    print(f"(b) ibis batch --jobs {args.jobs} (neuer Ordner) …", flush=True)
    t_b = ibis_batch(listfile, work / "batch", args.jobs)
    print("(c) ibis batch erneut, unverändert …", flush=True)
    t_c = ibis_batch(listfile, work / "batch", args.jobs)

    a, b, c = t_a / n, t_b / n, t_c / n
    print()
    print(f"Ergebnis für {n} Gemeinden ({len(notebooks)} Kapitel, HTML), Sekunden je Bericht:")
    print(f"  (a) naiv, nacheinander       {de(a):>8} s   (gesamt {hms(t_a)})")
    print(f"  (b) ibis batch --jobs {args.jobs}      {de(b):>8} s   (gesamt {hms(t_b)})")
    print(f"  (c) ibis batch unverändert   {de(c, 2):>8} s   (gesamt {de(t_c)} s)")
    print(f"  Durchsatz (b) gegenüber (a): {de(t_a / t_b)}-fach   (Ziel ≥ 3)")
    print(f"  (c) in % von (b):            {de(100 * t_c / t_b)} %   (Ziel < 5 %)")

    # Extrapolation: one worker keeps one core busy, so a report costs b * jobs core-seconds.
    core_s = b * args.jobs
    print()
    print(f"Hochrechnung (gemessen: {de(core_s)} Kern-Sekunden je Bericht mit warmem Kernel;")
    print(" Annahmen: ein Worker je Kern, lineare Skalierung, gleiche Kosten je Gemeinde,")
    print(" genug Arbeitsspeicher für einen Worker + Kernel je Kern, Daten und Ausgabe auf")
    print(" einem gemeinsamen Dateisystem, das nicht bremst):")
    for label, count in (("NRW", NRW), ("Deutschland", GERMANY)):
        naive_t = count * a
        one16 = count * core_s / 16
        cluster = count * core_s / (10 * 16)
        print(
            f"  {label} ({de(count, 0)} Gemeinden): naiv {hms(naive_t)}; "
            f"1 Rechner mit 16 Kernen {hms(one16)}; Cluster 10 × 16 Kerne {hms(cluster)}"
        )
    if args.cleanup:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if not os.environ.get("IBIS_BENCH_SNAPSHOT"):  # in the snapshot, PYTHONPATH decides
        sys.path.insert(0, str(ROOT))
    raise SystemExit(main())

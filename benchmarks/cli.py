"""Benchmark: latency of the ``ibis`` command line (issue 17), against baselines in the same run.

Each command runs as a fresh process, as a user starts it; best of N runs, wall clock and the
CPU time of the process (user + system, from ``getrusage(RUSAGE_CHILDREN)``; on a shared
machine CPU time is the figure to compare, wall shows what a user waits for). Baselines,
measured in the same run:

- ``python -c pass``: the interpreter's own start;
- ``ibis indicators`` *without* the prepared cache (every process loads and prepares the
  store, as before issue 17: ``prepared.read`` and ``prepared.write`` switched off in that
  process) against the same command with it;
- in one process: ``prepare`` from scratch against reading ``data/processed/prepared.arrow``.

Targets: ``ibis --help`` and ``ibis regions resolve`` under 0,5 s, ``ibis indicators -m X``
under 1,5 s (wall, idle machine).

Usage: ``python benchmarks/cli.py [--repeat 5] [--unit Minden] [--importtime]``
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Runs `ibis` in-process with the prepared cache switched off: what every process paid before.
_WITHOUT_CACHE = (
    "import sys\n"
    "from ibislib.indicators import prepared\n"
    "prepared.read = lambda *a, **k: None\n"
    "prepared.write = lambda *a, **k: False\n"
    "from ibislib.cli import main\n"
    "sys.argv = ['ibis', *sys.argv[1:]]\n"
    "main()\n"
)


def de(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def run(argv: list[str], repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of `argv` as a fresh process over `repeat` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} schlug fehl:\n{done.stderr.decode(errors='replace')}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
    return best_wall, best_cpu


def in_process(repeat: int) -> tuple[float, float, float]:
    """CPU seconds (best of `repeat`): store load, prepare from scratch, read the cache file."""
    from ibislib import cache, paths
    from ibislib import store as store_mod
    from ibislib.indicators import engine, prepared

    def best(fn) -> float:
        out = float("inf")
        for _ in range(repeat):
            gc.collect()
            c = time.process_time()
            fn()
            out = min(out, time.process_time() - c)
        return out

    load = best(lambda: (cache.clear(), store_mod.load()))
    df = store_mod.load()
    scratch = best(lambda: engine._prepare(df))
    processed = paths.processed_dir()
    key = prepared.cache_key(processed)
    engine.prepare()  # the cache file exists
    if prepared.read(processed / prepared.CACHE_FILE, key) is None:
        sys.exit("Der Zwischenspeicher des vorbereiteten Datenspeichers fehlt.")
    read = best(lambda: engine._project(processed))
    return load, scratch, read


def importtime(argv: list[str], top: int = 12) -> list[str]:
    """The modules imported directly (not by another module) by one run, by cumulative import
    time (``python -X importtime``), and the heavy libraries wherever they were imported."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True
    )
    heavy = {"pandas", "numpy", "pyarrow", "yaml", "pydantic", "pandera", "rich", "matplotlib"}
    rows = []
    for line in done.stderr.splitlines():
        parts = line[len("import time:") :].split("|") if line.startswith("import time:") else []
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            if depth == 0 or name.strip() in heavy:
                rows.append((int(parts[1]), name.strip(), depth))
    rows.sort(reverse=True)
    return [f"  {de(c / 1e6, 3)} s  {n}{'' if d == 0 else ' (darin)'}" for c, n, d in rows[:top]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--unit", default="Minden")
    ap.add_argument("--importtime", action="store_true", help="Importzeiten je Modul zeigen")
    args = ap.parse_args()
    py = sys.executable
    ibis = [py, "-m", "ibislib.cli"]
    ind = ["indicators", "-m", args.unit, "--format", "md"]
    subprocess.run([*ibis, *ind], cwd=ROOT, capture_output=True)  # store and caches in place
    rows = [
        ("python -c pass (Interpreter)", [py, "-c", "pass"], None),
        ("ibis --help", [*ibis, "--help"], 0.5),
        (f"ibis regions resolve {args.unit}", [*ibis, "regions", "resolve", args.unit], 0.5),
        (f"ibis {' '.join(ind)}", [*ibis, *ind], 1.5),
        (
            "  dasselbe ohne vorbereiteten Zwischenspeicher (vorher)",
            [py, "-c", _WITHOUT_CACHE, *ind],
            None,
        ),
    ]
    print(f"ibis-Befehlszeile, bestes von {args.repeat} Läufen (Wand / CPU in s)")
    print(f"{'Befehl':<58} {'Wand':>6} {'CPU':>6}  Ziel")
    measured = {}
    for label, argv, target in rows:
        wall, cpu = run(argv, args.repeat)
        measured[label] = (wall, cpu)
        goal = ""
        if target is not None:
            goal = f"< {de(target, 1)} s Wand: {'erreicht' if wall < target else 'NICHT erreicht'}"
        print(f"{label:<58} {de(wall):>6} {de(cpu):>6}  {goal}")
    new = measured[rows[3][0]]
    old = measured[rows[4][0]]
    bare = measured[rows[0][0]]
    print(
        f"\nindicators ohne ÷ mit Zwischenspeicher: Wand {de(old[0] / new[0])}×, "
        f"CPU {de(old[1] / new[1])}×; über dem Interpreterstart: CPU "
        f"{de(new[1] - bare[1])} s (vorher {de(old[1] - bare[1])} s)"
    )
    load, scratch, read = in_process(args.repeat)
    print(
        f"in einem Prozess (CPU s): Datenspeicher laden {de(load, 3)}, vorbereiten von Grund "
        f"auf {de(scratch, 3)}, vorbereitet lesen {de(read, 3)} "
        f"(÷ {de(scratch / read, 1)}; das Laden entfällt dabei ganz)"
    )
    if args.importtime:
        print(f"\nImportzeiten (kumuliert) von 'ibis {' '.join(ind)}':")
        print("\n".join(importtime(["-m", "ibislib.cli", *ind])))
    print(f"\nLast während der Messung: {', '.join(de(x) for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

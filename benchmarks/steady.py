"""Benchmark: CPU of a steady-state HTML report (one built after others in the same warm
process, as in ``ibis batch``), this checkout against a baseline commit in the same run.

Each side runs in its own process (the baseline from a temporary ``git worktree`` of
``--baseline``), both on this project's store (``IBIS_ROOT``); the processes alternate
(A, B, A, B …) so that load on a shared machine falls on both alike. A process builds
``--warm`` reports first (imports, store, registry, first figures) and then the measured
ones; its CPU time (user + system, ``getrusage``) per measured report is printed, with the
median of each side and the ratio baseline / this checkout. Chapters run in-process
(``benchmarks/report.py``'s exec executor), so only ibis' own work is measured.

Usage: ``python benchmarks/steady.py [--baseline REV] [--rounds 2] [--warm 2]
[--units AGS,AGS,…]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNITS = "05566076,05566028,05770024,05566084,05770032,05566008"


def child(code: Path, units: list[str], warm: int, out: Path) -> None:
    """Build the reports with the ibislib of `code`; print one JSON line of CPU seconds."""
    sys.path.insert(0, str(code))
    sys.path.insert(1, str(ROOT / "benchmarks"))
    os.environ.setdefault("MPLBACKEND", "Agg")
    import report as bench  # benchmarks/report.py: the in-process chapter executor

    import ibislib
    from ibislib.report import build

    assert Path(ibislib.__file__).resolve().is_relative_to(code.resolve()), ibislib.__file__
    cpu = []
    for i, ags in enumerate(units):
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        build.build_report(
            ags,
            formats=("html",),
            out=out / f"{i}_{ags}",
            progress=False,
            executor=bench.exec_executor,
        )
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        if i >= warm:
            cpu.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    print(json.dumps(cpu))


def run(code: Path, units: str, warm: int, tmp: Path) -> list[float]:
    env = {**os.environ, "IBIS_ROOT": str(ROOT), "MPLBACKEND": "Agg"}
    out = Path(tempfile.mkdtemp(dir=tmp))
    cmd = [sys.executable, __file__, "--child", str(code), "--units", units, "--warm", str(warm)]
    res = subprocess.run(
        [*cmd, "--out", str(out)], env=env, capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise SystemExit(f"{code}: Lauf fehlgeschlagen\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="HEAD~1", help="commit to compare with")
    ap.add_argument("--rounds", type=int, default=2, help="processes per side")
    ap.add_argument("--warm", type=int, default=2, help="reports before the measured ones")
    ap.add_argument("--units", default=UNITS, help="AGS, comma-separated, in build order")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    units = [u.strip() for u in args.units.split(",") if u.strip()]
    if args.child:
        child(args.child, units, args.warm, args.out)
        return 0
    if len(units) <= args.warm:
        raise SystemExit("--units: mehr Einheiten als --warm angeben")
    with tempfile.TemporaryDirectory(prefix="ibis-steady-") as t:
        tmp = Path(t)
        base = tmp / "baseline"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), args.baseline],
            check=True,
            capture_output=True,
        )
        try:
            sides: dict[str, list[float]] = {"baseline": [], "this": []}
            for r in range(args.rounds):
                for name, code in (("baseline", base), ("this", ROOT)):
                    got = run(code, args.units, args.warm, tmp)
                    sides[name] += got
                    shown = " ".join(f"{c:.2f}" for c in got)
                    print(f"round {r + 1} {name:8s} CPU-s per steady report: {shown}", flush=True)
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                check=False,
                capture_output=True,
            )
    b, n = statistics.median(sides["baseline"]), statistics.median(sides["this"])
    print(f"median CPU-s per steady HTML report: baseline {args.baseline} {b:.2f}, this {n:.2f}")
    print(f"ratio baseline / this: {b / n:.2f}x  (target of issue 17: <= 3 CPU-s per report)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

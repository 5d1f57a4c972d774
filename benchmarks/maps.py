"""Benchmark: maps and Vergleichsringe against the existing bar charts, in the same run.

Measures (wall-clock and CPU, best of N runs):

1. boundaries: first read + preparation of the VG5000 layers (Gemeinden, Kreise) in this
   process – from the GeoParquet cache in data/processed when it is there, and the full
   preparation from the shapefile (cache bypassed) – then the cached call;
2. one map, drawn and saved as PNG (300 dpi), SVG and PDF: the 24 Gemeinden of the Kreis
   Steinfurt and the 53 Kreise of NRW;
3. the baseline: one bar chart of the house style (``charts.comparison``, Kreis/Land/Bund
   bars), drawn and saved in the same three formats;
4. the Vergleichsring for all Gemeinden (~10.800) and all Kreise in one vectorised pass, and a
   single unit's ring.

Ratios are printed against the bar chart (maps) and against the 5-s budget (rings).

Usage: ``python benchmarks/maps.py [--repeat 5]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ibislib import charts, fmt, maps, peers  # noqa: E402
from ibislib.figures import save  # noqa: E402
from ibislib.regions import registry  # noqa: E402
from ibislib.report import blocks  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, float, object]:
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return best, best_cpu, result


def s(x: float) -> str:
    return f"{fmt.number(x, 3)} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="ibis-bench-maps-"))

    # 1. boundaries ---------------------------------------------------------------------
    t = time.perf_counter()
    for level in ("gemeinde", "kreis"):
        maps.boundaries(level)
    first = time.perf_counter() - t
    t = time.perf_counter()
    maps._prepare_vg5000(maps.vg5000_dir() / "VG5000_GEM.shp", "gemeinde")
    full = time.perf_counter() - t
    cached, _, _ = timed(lambda: maps.boundaries("gemeinde"), args.repeat)
    print("Grenzen (VG5000)")
    print(f"  erster Aufruf im Prozess (Gemeinden + Kreise): {s(first)}")
    print(f"  volle Aufbereitung Gemeinden aus dem Shapefile: {s(full)}")
    print(f"  weitere Aufrufe (Prozess-Cache):              {s(cached)}")

    # 2./3. one map vs one bar chart -------------------------------------------------------
    unit = registry().resolve("Ibbenbüren")
    e = blocks.entry("svb_ausl_anteil")
    cases = {}
    for level in ("gemeinde", "kreis"):
        gdf, period, _ = maps.map_data("svb_ausl_anteil", unit, level)
        cases[level] = gdf
    bars = pd.DataFrame(
        {
            "region": ["Ibbenbüren", "Kreis Steinfurt", "Nordrhein-Westfalen", "Deutschland"],
            "value": [4.9, 6.0, 9.1, 9.2],
        }
    )

    def bar_chart():
        fig = charts.comparison(bars, "region", "value", decimals=1, suffix=" %")
        save(fig, out / "balken")
        plt.close(fig)

    def map_of(level):
        def run():
            fig = maps.choropleth(
                cases[level],
                highlight=unit.ags if level == "gemeinde" else unit.kreis,
                unit=e.unit,
                decimals=e.decimals,
                legend_title=f"{e.title} (%)",
            )
            save(fig, out / f"karte_{level}")
            plt.close(fig)

        return run

    bar_chart()  # warm-up: fonts, backends
    map_of("gemeinde")()
    base, base_cpu, _ = timed(bar_chart, args.repeat)
    print(f"\nAbbildungen (Zeichnen + PNG 300 dpi + SVG + PDF), bestes von {args.repeat}")
    print(f"  Balkendiagramm (Basis):             {s(base)}  (CPU {s(base_cpu)})")
    for level, label in (
        ("gemeinde", "Karte 24 Gemeinden Kreis Steinfurt"),
        ("kreis", "Karte 53 Kreise NRW"),
    ):
        wall, cpu, _ = timed(map_of(level), args.repeat)
        ratio = fmt.number(wall / base, 2)
        print(f"  {label + ':':36s}{s(wall)}  (CPU {s(cpu)}) = {ratio} × Balkendiagramm")

    # 4. rings -----------------------------------------------------------------------------
    peers.features("gemeinde")
    peers.features("kreis")
    print("\nVergleichsringe (k = 10)")
    for level, label in (("gemeinde", "alle Gemeinden"), ("kreis", "alle Kreise")):
        n = len(peers.features(level).frame)
        wall, cpu, res = timed(lambda level=level: peers.rings(level), max(1, args.repeat // 2))
        print(
            f"  {label} ({fmt.number(n)}): {s(wall)} (CPU {s(cpu)}) = "
            f"{fmt.number(wall / 5.0, 2)} × Budget 5 s; {fmt.number(len(res))} Paare"
        )
    one, _, _ = timed(lambda: peers.rings("gemeinde", only=["05566028"]), args.repeat)
    print(f"  ein Ring (Ibbenbüren):        {s(one)}")


if __name__ == "__main__":
    main()

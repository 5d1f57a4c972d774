"""Benchmark: saving a report's figures, the current ``figures.save`` against the reference
(its state before issue 17's figure work), both on the same figures in the same run.

Builds HTML-only reports in this process (chapter code exec'd as in ``benchmarks/report.py``,
one warm process as in ``ibis batch``). Every figure handed to ``figures.save`` is saved twice:
once by the reference into a scratch folder, once by the current code into the report — in
alternating order, so that warm caches favour neither. Prints per report the CPU seconds of
both (``resource.getrusage``), their ratio, ``Figure.draw`` calls per figure, and how the files
differ: PNG pixels (max/mean absolute difference of the RGBA rasters, 0–255) and whether the
SVG is byte-identical.

    .venv/bin/python benchmarks/figures.py                        # five units, PNG+SVG (HTML)
    .venv/bin/python benchmarks/figures.py --figure-formats png,svg,pdf 05566028  # full report
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ibislib import figures  # noqa: E402
from ibislib.atomic import atomic_path  # noqa: E402

UNITS = ["05566028", "05515000", "11000000", "05566", "16070"]


def cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def reference_save(fig, stem, formats=figures.FORMATS, png_dpi=figures.PRINT_DPI):
    """``figures.save`` as it was before (commit 995fedc): a layout pass without rendering,
    the tight box from it, then one ``savefig`` per format."""
    stem = Path(stem)
    bbox = getattr(fig, "ibis_bbox", "tight")
    engine = fig.get_layout_engine()
    if bbox == "tight" and len(formats) > 1:
        fig.draw_without_rendering()
        bbox = fig.get_tightbbox().padded(matplotlib.rcParams["savefig.pad_inches"])
        with matplotlib.rc_context(
            {"figure.autolayout": False, "figure.constrained_layout.use": False}
        ):
            fig.set_layout_engine(None)
    out = {}
    try:
        for ext in formats:
            target = stem.with_suffix(f".{ext}")
            with (
                atomic_path(target, suffix=f".{ext}") as tmp,
                matplotlib.rc_context(figures.SAVE_RC),
            ):
                dpi = png_dpi if ext == "png" else figures.PRINT_DPI
                fig.savefig(
                    tmp, format=ext, dpi=dpi, bbox_inches=bbox, metadata=figures._metadata(ext)
                )
            out[ext] = target
    finally:
        if engine is not None and fig.get_layout_engine() is not engine:
            fig.set_layout_engine(engine)
    return out


class Pairs:
    """Wraps ``figures.save``: both implementations on every figure, CPU and draws counted."""

    def __init__(self, scratch: Path, formats: tuple[str, ...] | None):
        self.scratch = scratch
        self.formats = formats
        self.current = figures.save
        self.cpu = {"ref": 0.0, "new": 0.0}
        self.draws = {"ref": 0, "new": 0}
        self.n = 0
        self.each: dict[str, dict[str, float]] = {}  # CPU per figure and implementation
        self.profile = None  # a cProfile.Profile for the current implementation's runs
        self.pairs: list[tuple[Path, Path]] = []
        self._counting: str | None = None
        self._key = ""
        draw = Figure.draw
        outer = self

        def counted(fig, renderer):
            if outer._counting:
                outer.draws[outer._counting] += 1
            return draw(fig, renderer)

        Figure.draw = counted

    def _run(self, which: str, fn, fig, stem, formats, dpi):
        self._counting = which
        prof = self.profile if which == "new" else None
        gc.disable()  # a collection of the report's garbage would land on either side
        c = cpu()
        try:
            if prof:
                prof.enable()
            return fn(fig, stem, formats, dpi)
        finally:
            if prof:
                prof.disable()
            spent = cpu() - c
            gc.enable()
            self.cpu[which] += spent
            self.each.setdefault(self._key, {})[which] = spent
            self._counting = None

    def __call__(self, fig, stem, formats=figures.FORMATS, png_dpi=figures.PRINT_DPI):
        if self.formats is not None:
            formats = self.formats
            png_dpi = figures.PRINT_DPI if "pdf" in formats else figures.SCREEN_DPI
        # the reference as it was asked before: a PNG always (the notebook showed it)
        ref_formats = formats if "png" in formats else ("png", *formats)
        stem = Path(stem)
        ref_stem = self.scratch / "ref" / f"{self.n:03d}_{stem.name}"
        self._key = ref_stem.name
        runs = [
            ("ref", reference_save, ref_stem, ref_formats),
            ("new", self.current, stem, formats),
        ]
        if self.n % 2:
            runs.reverse()
        self.n += 1
        # each on the figure as the chapter left it: a second layout pass moves axes by a hair
        twin = copy.deepcopy(fig)
        out = {}
        for which, fn, s, fmts in runs:  # the report goes on with the current one's figure
            f = fig if which == "new" else twin
            files = self._run(which, fn, f, s, fmts, png_dpi)
            if which == "new":
                out = files
        kept = self.scratch / "new" / ref_stem.name  # the report's own folder is temporary
        for f in out.values():
            shutil.copyfile(f, kept.with_suffix(f.suffix))
        self.pairs.append((ref_stem, kept))
        return out


def compare(pairs: list[tuple[Path, Path]]) -> tuple[float, float, int, int, list[str]]:
    """Max and mean absolute PNG difference over all figures, identical SVGs / all, worst."""
    from PIL import Image

    worst, means, same_svg, n_svg, bad = 0.0, [], 0, 0, []
    for ref, new in pairs:
        if ref.with_suffix(".svg").exists():
            n_svg += 1
            same_svg += ref.with_suffix(".svg").read_bytes() == new.with_suffix(".svg").read_bytes()
        if not new.with_suffix(".png").exists():  # no PNG asked (HTML only)
            continue
        a = np.asarray(Image.open(ref.with_suffix(".png")).convert("RGBA"), dtype=np.int16)
        b = np.asarray(Image.open(new.with_suffix(".png")).convert("RGBA"), dtype=np.int16)
        if a.shape != b.shape:
            bad.append(f"{new.name}: Größe {a.shape} → {b.shape}")
            continue
        d = np.abs(a - b)
        worst = max(worst, float(d.max()))
        means.append(float(d.mean()))
        if d.max():
            bad.append(f"{new.name}: max {int(d.max())}, mittel {d.mean():.4f}")
    return worst, float(np.mean(means)) if means else 0.0, same_svg, n_svg, bad


def de(x: float, d: int = 2) -> str:
    return f"{x:.{d}f}".replace(".", ",")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("units", nargs="*", default=UNITS)
    ap.add_argument(
        "--figure-formats",
        default=None,
        help="e.g. png,svg,pdf (a full report's figures); default: what an HTML report asks",
    )
    ap.add_argument("--profile", type=Path, help="cProfile stats of the current save here")
    args = ap.parse_args()
    formats = tuple(args.figure_formats.split(",")) if args.figure_formats else None

    import report as bench

    from ibislib.report import build

    work = Path(tempfile.mkdtemp(prefix="ibis-bench-figures-"))
    pairs = Pairs(work, formats)
    (work / "ref").mkdir()
    (work / "new").mkdir()
    figures.save = pairs
    if args.profile:
        import cProfile

        pairs.profile = cProfile.Profile()
    print(f"{'Einheit':10} {'Abb.':>4} {'Referenz CPU-s':>15} {'neu CPU-s':>10} {'Verh.':>6}")
    totals = {"ref": 0.0, "new": 0.0}
    for ags in args.units:
        before = dict(pairs.cpu)
        n0 = pairs.n
        build.build_report(
            ags,
            formats=("html",),
            out=work / ags,
            progress=False,
            executor=bench.exec_executor,
        )
        ref = pairs.cpu["ref"] - before["ref"]
        new = pairs.cpu["new"] - before["new"]
        totals["ref"] += ref
        totals["new"] += new
        ratio = ref / new if new else float("nan")
        print(f"{ags:10} {pairs.n - n0:4d} {de(ref):>15} {de(new):>10} {de(ratio):>6}", flush=True)
    n = max(pairs.n, 1)
    print(
        f"gesamt: {pairs.n} Abbildungen, Referenz {de(totals['ref'])} CPU-s, neu "
        f"{de(totals['new'])} CPU-s, Referenz ÷ neu {de(totals['ref'] / max(totals['new'], 1e-9))}"
    )
    print(
        f"Figure.draw je Abbildung: Referenz {de(pairs.draws['ref'] / n, 1)}, "
        f"neu {de(pairs.draws['new'] / n, 1)}"
    )
    if pairs.profile:
        pairs.profile.dump_stats(args.profile)
    slow = sorted(pairs.each.items(), key=lambda kv: kv[1]["ref"] - kv[1]["new"])[:5]
    print("kleinster Gewinn je Abbildung (CPU-s Referenz / neu):")
    for name, t in slow:
        print(f"   {name}: {de(t['ref'], 3)} / {de(t['new'], 3)}")
    worst, mean, same, n_svg, bad = compare(pairs.pairs)
    n_png = sum(new.with_suffix(".png").exists() for _, new in pairs.pairs)
    print(
        f"PNG-Differenz (0–255, {n_png} PNG): max {worst:.0f}, mittel {mean:.5f}; "
        f"SVG gleich: {same}/{n_svg}"
    )
    for line in bad[:20]:
        print("  ", line)
    print(f"Dateien: {work}")


if __name__ == "__main__":
    main()

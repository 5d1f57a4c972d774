"""House style for figures: colour-blind-safe palette, German number formats, A4 sizes,
embedded fonts, and saving every figure as PNG (300 dpi), SVG and PDF.

No backend is chosen here: in JupyterLab, classic Notebook, VS Code and Voilà the kernel's inline
backend must stay, or figures show only as "<Figure size … with 1 Axes>". Headless runs get Agg
from ``MPLBACKEND=Agg``, which the ``ibis`` command sets for itself and the kernels it starts
(report, batch), or from matplotlib's own fallback when there is no display.

Importing this module changes no matplotlib setting either: the chart code asks for the house
style explicitly (:func:`new_figure` calls :func:`apply_style`), and :func:`save` embeds fonts
and fixes SVG ids only while it saves (:data:`SAVE_RC`).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from . import fmt
from .atomic import atomic_path

CM = 1 / 2.54
TEXT_WIDTH = 16 * CM  # A4 text width
COLUMN_WIDTH = 7.8 * CM

#: Okabe-Ito palette (readable with colour-vision deficiencies).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
GREY = "#7F7F7F"

#: One colour per region role, the same in every chart (issue 10): the unit reported on, its
#: Kreis, Regierungsbezirk, Land, the Bund and comparable cities (added in the explorer or a
#: comparison ring). Kreis and Regierungsbezirk never appear together (the Regierungsbezirk
#: stands in for the Kreis of a kreisfreie Stadt) but keep their own colours all the same.
ROLE_COLORS = {
    "einheit": PALETTE[0],  # blue
    "kreis": PALETTE[1],  # orange
    "regierungsbezirk": PALETTE[5],  # vermillion
    "land": PALETTE[2],  # bluish green
    "bund": "#000000",
    "vergleich": PALETTE[3],  # reddish purple
}
#: German names of the roles (legends of explanatory figures, docs).
ROLE_LABELS = {
    "einheit": "Berichtseinheit",
    "kreis": "Kreis",
    "regierungsbezirk": "Regierungsbezirk",
    "land": "Land",
    "bund": "Deutschland",
    "vergleich": "Vergleichsstadt",
}


def region_role(ags: str, unit_ags: str | None = None) -> str:
    """The role of a region in a chart about `unit_ags`, from the AGS alone: 'DG' is the Bund,
    two digits a Land, three a Regierungsbezirk; a five-digit code is the unit's Kreis when the
    unit lies in it (or no unit is known: context charts show the unit's parents only); any
    other region is a comparable unit ("vergleich")."""
    ags = str(ags)
    if unit_ags is not None and ags == str(unit_ags):
        return "einheit"
    if ags == "DG":
        return "bund"
    if len(ags) == 2:
        return "land"
    if len(ags) == 3:
        return "regierungsbezirk"
    if len(ags) == 5 and (unit_ags is None or str(unit_ags).startswith(ags)):
        return "kreis"
    return "vergleich"


#: Several comparable cities in one chart: the first in the role colour, the next ones in these.
MORE_COMPARISONS = [PALETTE[4], "#8C6D31", PALETTE[6], GREY]


def role_colors(roles: list[str]) -> list[str]:
    """Colours for regions in the given roles, in order: the role colour, and for the second,
    third … comparable city the next colour of :data:`MORE_COMPARISONS`."""
    out, n = [], 0
    for role in roles:
        if role == "vergleich":
            out.append(ROLE_COLORS["vergleich"] if n == 0 else MORE_COMPARISONS[(n - 1) % 4])
            n += 1
        else:
            out.append(ROLE_COLORS.get(role, GREY))
    return out


RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.formatter.use_locale": False,
    "pdf.fonttype": 42,  # TrueType, embedded
    "ps.fonttype": 42,
    "svg.fonttype": "none",  # text stays editable in SVG
    "savefig.dpi": 300,
    "svg.hashsalt": "ibis",  # stable ids inside SVG files (reproducible reports)
    "figure.dpi": 100,
}


def apply_style() -> None:
    plt.rcParams.update(RC)


def de_formatter(decimals: int = 0, suffix: str = "") -> FuncFormatter:
    """Axis tick formatter with German separators (1.000; 9,5 %). A partial, not a lambda:
    the figure stays picklable (benchmarks/figures.py replays a report's figures)."""
    return FuncFormatter(partial(_de_tick, decimals=decimals, suffix=suffix))


def _de_tick(x: float, _pos, decimals: int = 0, suffix: str = "") -> str:
    return fmt.number(x, decimals) + suffix


def new_figure(width: float = TEXT_WIDTH, height: float = 7 * CM):
    apply_style()
    return plt.subplots(figsize=(width, height), constrained_layout=True)


#: Every format a figure is saved in unless fewer are asked for (see ``publish.configure``).
FORMATS = ("png", "svg", "pdf")


#: The settings a saved file depends on, applied only while saving (any figure, house style or not).
SAVE_RC = {k: RC[k] for k in ("pdf.fonttype", "ps.fonttype", "svg.fonttype", "svg.hashsalt")}


#: PNG resolution for print (PDF, DOCX) and for the screen only (an HTML-only report, whose
#: page shows the SVG: the PNG is just the notebook's preview there).
PRINT_DPI = 300
SCREEN_DPI = 150


def save(
    fig, stem: str | Path, formats: tuple[str, ...] = FORMATS, png_dpi: int = PRINT_DPI
) -> dict[str, Path]:
    """Save `fig` atomically as stem.png (`png_dpi`, 300 unless asked), stem.svg and stem.pdf
    (or the `formats` asked for); return the paths. ``fig.ibis_saved_size`` is then the size
    of the files in inches.

    The layout (constrained layout and the tight bounding box) is computed once and then
    frozen: ``bbox_inches="tight"`` per ``savefig`` drew the figure twice per format."""
    stem = Path(stem)
    # maps lay themselves out at exactly 16 cm (fig.ibis_bbox = None): no "tight" pass
    bbox = getattr(fig, "ibis_bbox", "tight")
    engine = fig.get_layout_engine()
    if bbox == "tight":
        # the layout engine once, and the tight box measured with the same renderer (its
        # text extents cached): no draw of every artist into nothing first, as
        # draw_without_rendering did
        renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
        if renderer is None:  # a canvas without a raster renderer of its own
            fig.draw_without_rendering()
        elif engine is not None and fig.axes:
            engine.execute(fig)
        bbox = fig.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
        # keep that layout for every format. No engine at all, not set_layout_engine("none"):
        # its placeholder engine still made every savefig draw the figure once more first
        with matplotlib.rc_context(
            {"figure.autolayout": False, "figure.constrained_layout.use": False}
        ):
            fig.set_layout_engine(None)
    # the size of the files (inches): the report sizes a figure by it when no PNG was written
    fig.ibis_saved_size = (
        (bbox.width, bbox.height) if bbox is not None else tuple(fig.get_size_inches())
    )
    out = {}
    try:
        for ext in formats:
            target = stem.with_suffix(f".{ext}")
            with atomic_path(target, suffix=f".{ext}") as tmp, matplotlib.rc_context(SAVE_RC):
                dpi = png_dpi if ext == "png" else PRINT_DPI
                fig.savefig(tmp, format=ext, dpi=dpi, bbox_inches=bbox, metadata=_metadata(ext))
            out[ext] = target
    finally:
        if engine is not None and fig.get_layout_engine() is not engine:
            fig.set_layout_engine(engine)
    return out


def _metadata(ext: str) -> dict | None:
    """No creation date in SVG and PDF: the same figure gives the same file (reproducible
    reports; SVG ids come from ``svg.hashsalt`` in :data:`RC`)."""
    if ext == "svg":
        return {"Date": None}
    if ext == "pdf":
        return {"CreationDate": None}
    return None

"""The one way notebooks emit content that ends up in the report.

Every call displays its content in the notebook (so JupyterLab shows it) *and* attaches
machine-readable metadata (``output.metadata["ibis"]``) that the report assembler
(:mod:`ibislib.report.build`) reads. Only published content reaches the report: code,
prints, warnings and ipywidgets never do.

API::

    from ibislib import publish

    publish.configure(out_dir=None, chapter="01", municipality="05566028")
        # once, right after the parameters cell. out_dir: where figures/tables go
        # (default: env IBIS_OUT_DIR, else figures/<slug of municipality>/).
        # chapter: two-digit chapter prefix for file names (`ibis report` passes it from the
        # outline; default: env IBIS_CHAPTER, else the number of the notebook JupyterLab runs,
        # else "00").
        # Resets the figure/table counters (safe to call again in a warm kernel).

    publish.figure(fig, name="bev_entwicklung", caption="Bevölkerungsentwicklung 2008–2015",
                   source="IT.NRW, eigene Berechnungen", data=df)
        # saves <chapter>_<name>.png (300 dpi), .svg and .pdf, shows a <figure> with
        # "Abbildung N: caption" and "Quelle: source", closes the figure. `data` (the shown
        # values) becomes the figure's data table and the summary in its alt text.

    publish.table(df, name="ausl_stadtteile", caption="Ausländer*innen nach Stadtteil",
                  source="Stadt Ibbenbüren", decimals={"Anteil (%)": 1})
        # German-formatted HTML table (53.363; 9,9), "Tabelle N: caption", source line;
        # also <chapter>_<name>.xlsx (raw numbers, written atomically).

    publish.text("Zum 30.09.2022 lebten in Ibbenbüren …")   # Markdown prose (generated German)
    publish.note("Für Minden liegen keine Daten zu Integrationskursen vor.")  # "keine Daten"

Numbers shown in the notebook are chapter-local; the assembler renumbers figures and tables
across the whole report and builds the lists of figures, tables and sources from the metadata.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import fmt, paths
from .atomic import atomic_path
from .escape import html_text, markdown_html, xlsx_text_cells
from .report import outline

#: Key under which published outputs carry their metadata in the notebook.
META_KEY = "ibis"


@dataclass
class _State:
    out_dir: Path | None = None
    chapter: str = ""
    municipality: str | None = None
    n_figures: int = 0
    n_tables: int = 0
    names: set[str] = field(default_factory=set)
    formats: tuple[str, ...] = ("png", "svg", "pdf")  # figure files to write
    png_dpi: int = 300  # 150 when no print format (figure PDF) is asked for


_STATE = _State()


def configure(
    out_dir: str | Path | None = None,
    chapter: str | None = None,
    municipality: str | None = None,
    formats: list[str] | tuple[str, ...] | None = None,
) -> Path:
    """Set output folder and chapter prefix for this run; return the output folder.

    Precedence: explicit argument, then the environment (IBIS_OUT_DIR, IBIS_CHAPTER),
    then ``figures/<slug>/`` (slug of the municipality, or "allgemein").
    `formats`: the figure files to write (default PNG, SVG and PDF; the PDF/DOCX report
    shows the PNG, the HTML page the SVG; PNG is added when neither is asked, the notebook
    shows one of them). `ibis report` passes what the report needs: an HTML-only report or
    batch needs only the SVG — its PNG and figure PDF cost two fifths of the figure CPU and
    nobody opened them. A PNG without the figure PDF is for the screen only, so it is
    written at 150 instead of 300 dpi: a quarter of the pixels to render and compress.
    """
    global _STATE
    from .figures import FORMATS, PRINT_DPI, SCREEN_DPI

    wanted = {str(f).lower() for f in (formats or FORMATS)}
    if not wanted & {"png", "svg"}:  # the notebook shows the figure as one of them
        wanted.add("png")
    unknown = wanted - set(FORMATS)
    if unknown:
        raise ValueError(f"Unbekanntes Abbildungsformat {', '.join(sorted(unknown))}")
    number = str(chapter or os.environ.get("IBIS_CHAPTER", "") or _session_chapter() or "00")
    if not re.fullmatch(r"\d\d", number):  # e.g. a module bound to the same name
        raise ValueError(f"Kapitelnummer muss zweistellig sein (wie '01'), nicht {number[:40]!r}")
    _STATE = _State(
        out_dir=Path(out_dir) if out_dir else None,
        chapter=number,
        municipality=municipality,
        formats=tuple(f for f in FORMATS if f in wanted),
        png_dpi=PRINT_DPI if "pdf" in wanted else SCREEN_DPI,
    )
    return output_dir()


def _session_chapter() -> str | None:
    """In JupyterLab: the number of the chapter notebook being run (as `ibis report` passes it)."""
    return outline.chapter_number()


def output_dir() -> Path:
    """The folder figures and tables of the current run are written to (created)."""
    if _STATE.out_dir is None:
        env = os.environ.get("IBIS_OUT_DIR")
        _STATE.out_dir = Path(env) if env else paths.figures_dir() / _slug_for(_STATE.municipality)
    _STATE.out_dir.mkdir(parents=True, exist_ok=True)
    return _STATE.out_dir


def _slug_for(municipality: str | None) -> str:
    if not municipality:
        return "allgemein"
    try:
        from .regions import registry

        return registry().resolve(str(municipality)).ags
    except Exception:  # registry missing or name unknown: still write somewhere sensible
        return slugify(str(municipality))


def slugify(text: str) -> str:
    """'Schüler*innen nach Schulform' -> 'schueler_innen_nach_schulform'."""
    t = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "_", t).strip("_") or "x"


def _stem(name: str) -> str:
    base = f"{_STATE.chapter}_{slugify(name)}" if _STATE.chapter else slugify(name)
    stem, i = base, 2
    while stem in _STATE.names:  # same name twice in one run: keep both files
        stem, i = f"{base}_{i}", i + 1
    _STATE.names.add(stem)
    return stem


def source_line(source: str) -> str:
    """'IT.NRW' -> 'Quelle: IT.NRW' (kept as is when it already starts with 'Quelle')."""
    s = source.strip()
    return s if s.lower().startswith("quelle") else f"Quelle: {s}"


def join_sources(sources) -> str:
    """Several source lines -> one, each source once (whatever its case), 'eigene
    Berechnungen' last; split at ';' outside brackets only (:mod:`ibislib.report.citations`)."""
    from .report.citations import join

    return join(sources)


def _display(bundle: dict, meta: dict) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata={META_KEY: meta})


def summarize(df: pd.DataFrame, decimals: dict | int | None = None) -> str:
    """One German sentence on a figure's data (for alt texts): how many values and where the
    highest and lowest are, e.g. 'Wert (%): 4 Werte von 9,9 (Ibbenbüren) bis 15,1 (Deutschland).'"""
    if df is None or df.empty:
        return ""
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    num = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    if not num:
        return ""
    labels = [c for c in df.columns if c not in num]
    row_label = (
        df[labels[0]].astype(str) if labels else pd.Series(range(1, len(df) + 1)).astype(str)
    )
    cells = df[num].stack(future_stack=True).dropna() if len(num) > 1 else df[num[0]].dropna()
    if cells.empty:
        return ""

    def where(key) -> str:
        return f"{row_label[key[0]]}, {key[1]}" if isinstance(key, tuple) else row_label[key]

    d = max(_decimals_for(c, df[c], decimals) for c in num)
    hi, lo = cells.idxmax(), cells.idxmin()
    what = num[0] if len(num) == 1 else f"{len(num)} Reihen ({', '.join(map(str, num))})"
    return (
        f"{what}: {len(cells)} Werte von {fmt.number(cells[lo], d)} ({where(lo)}) "
        f"bis {fmt.number(cells[hi], d)} ({where(hi)})."
    )


def _records(df: pd.DataFrame) -> dict:
    """A frame as JSON-safe notebook metadata (columns and rows; NaN -> None)."""
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    rows = [
        [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in rec]
        for rec in df.astype(object).itertuples(index=False)
    ]
    return {"columns": [str(c) for c in df.columns], "rows": rows}


def figure(
    fig,
    *,
    name: str,
    caption: str,
    source: str,
    data: pd.DataFrame | None = None,
    data_decimals: dict | int | None = None,
) -> None:
    """Save `fig` as PNG (300 dpi; 150 without the PDF), SVG and PDF (the formats of
    :func:`configure`) and show it with number, caption and source (the PNG in the notebook,
    or the SVG where no PNG is written).

    `data` is the table the figure shows (label column(s) and values, already aggregated and
    suppressed): the report puts it below the figure (HTML), into the appendix (PDF) and
    summarises it in the image's alternative text.
    """
    import matplotlib.pyplot as plt

    from .figures import save

    stem = _stem(name)
    files = save(fig, output_dir() / stem, _STATE.formats, _STATE.png_dpi)
    plt.close(fig)
    _STATE.n_figures += 1
    shown = "png" if "png" in files else "svg"
    mime = "image/png" if shown == "png" else "image/svg+xml"
    image = base64.b64encode(files[shown].read_bytes()).decode("ascii")
    width_cm = fig.get_figwidth() * 2.54
    has_data = data is not None and not data.empty
    summary = summarize(data, data_decimals) if has_data else ""
    alt = f"{caption}. {summary}" if summary else caption
    body = (
        f'<figure class="ibis-figure" id="abb-{stem}">'
        f'<img src="data:{mime};base64,{image}" alt="{html_text(alt)}" '
        f'style="width:{width_cm:.1f}cm;max-width:100%">'
        f'<figcaption><span class="ibis-label">Abbildung {_STATE.n_figures}:</span> '
        f"{html_text(caption)}</figcaption>"
        f'<p class="ibis-source">{html_text(source_line(source))}</p></figure>'
    )
    meta = {
        "kind": "figure",
        "name": stem,
        "caption": caption,
        "source": source,
        "width_cm": round(_shown_width_cm(fig, width_cm), 2),
        "files": {ext: p.name for ext, p in files.items()},
    }
    if has_data:
        meta["data"] = _records(data)
        meta["data_html"] = table_html(data, data_decimals)
        meta["summary"] = summary
    _display({"text/html": body, "text/plain": f"Abbildung {_STATE.n_figures}: {caption}"}, meta)


def _shown_width_cm(fig, figure_cm: float) -> float:
    """The width the report shows the figure at: that of its saved files, measured in whole
    pixels at the PNG's dpi as the report measures a PNG (``assemble.png_width_cm``), so a
    report without PNG lays out exactly as one with it."""
    size = getattr(fig, "ibis_saved_size", None)
    if not size:
        return figure_cm
    dpi = _STATE.png_dpi
    return int(size[0] * dpi) / dpi * 2.54


def _decimals_for(col: str, series: pd.Series, decimals: dict | int | None) -> int:
    if isinstance(decimals, int):
        return decimals
    if isinstance(decimals, dict) and col in decimals:
        return int(decimals[col])
    vals = pd.to_numeric(series, errors="coerce").dropna()
    return 0 if vals.empty or (vals == vals.round()).all() else 1


def format_frame(df: pd.DataFrame, decimals: dict | int | None = None) -> pd.DataFrame:
    """A copy of `df` with numeric columns as German text (53.363; 9,9); NaN -> '–'."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            out[col] = s.astype(object).where(s.notna(), "–").astype(str)
            continue
        d = _decimals_for(col, s, decimals)
        out[col] = [fmt.number(v, d) for v in s]
    return out


_GERMAN_NUMBER = re.compile(r"^[+-]?\d{1,3}(\.\d{3})*(,\d+)?(\u202f%)?$|^[–•]$")


def _looks_numeric(col: pd.Series) -> bool:
    """Text columns already formatted as German numbers ('53.363', '9,9', '–', '•' for a
    suppressed count) align right."""
    vals = col.astype(str)
    vals = vals[vals != ""]  # an empty cell (no percent for 'keine Angabe') does not decide
    return (
        bool(len(vals)) and vals.str.match(_GERMAN_NUMBER).all() and (~vals.isin(["–", "•"])).any()
    )


def table_html(df: pd.DataFrame, decimals: dict | int | None = None) -> str:
    """German-formatted HTML table body (numbers right-aligned), without caption."""
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    shown = format_frame(df, decimals)
    numeric = [
        (pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]))
        or _looks_numeric(shown[c])
        for c in df.columns
    ]
    head = "".join(
        f'<th scope="col" class="{"num" if n else "txt"}">{html_text(str(c))}</th>'
        for c, n in zip(df.columns, numeric, strict=True)
    )
    rows = []
    for rec in shown.itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if n else "txt"}">{html_text(str(v))}</td>'
            for v, n in zip(rec, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="ibis-data"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _write_xlsx(df: pd.DataFrame, target: Path, caption: str, source: str) -> None:
    if not isinstance(df.index, pd.RangeIndex) or df.index.name is not None:
        df = df.reset_index()
    with atomic_path(target, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            df.to_excel(xw, sheet_name="Tabelle", index=False, startrow=2)
            ws = xw.sheets["Tabelle"]
            ws.cell(row=1, column=1, value=caption)
            ws.cell(row=len(df) + 5, column=1, value=source_line(source))
            xlsx_text_cells(ws)  # a district '=HYPERLINK(…)' stays text, never a formula


def table(
    df: pd.DataFrame,
    *,
    name: str,
    caption: str,
    source: str,
    decimals: dict | int | None = None,
) -> None:
    """Show `df` as a German-formatted table ("Tabelle N: caption", source) and save it as XLSX."""
    stem = _stem(name)
    target = output_dir() / f"{stem}.xlsx"
    _write_xlsx(df, target, caption, source)
    _STATE.n_tables += 1
    inner = table_html(df, decimals)
    body = (
        f'<div class="ibis-table" id="tab-{stem}">'
        f'<p class="ibis-caption"><span class="ibis-label">Tabelle {_STATE.n_tables}:</span> '
        f"{html_text(caption)}</p>{inner}"
        f'<p class="ibis-source">{html_text(source_line(source))}</p></div>'
    )
    meta = {
        "kind": "table",
        "name": stem,
        "caption": caption,
        "source": source,
        "html": inner,
        "files": {"xlsx": target.name},
    }
    _display({"text/html": body, "text/plain": f"Tabelle {_STATE.n_tables}: {caption}"}, meta)


def markdown_to_html(markdown: str) -> str:
    """Markdown -> HTML for the report: raw HTML is escaped, links and images are not made
    (sentences carry names and districts from data; see :mod:`ibislib.escape`)."""
    return markdown_html(markdown)


def text(markdown: str) -> None:
    """Generated German prose (Markdown; headings allowed) for the report.

    Raw HTML in `markdown` is shown as text, never rendered; values from data inserted into
    the sentence should go through :func:`ibislib.escape.markdown_text` so they show as typed."""
    if not markdown or not markdown.strip():
        return
    # the gender star (Ausländer*innen) is text, not Markdown emphasis
    markdown = re.sub(r"(?<=\w)\*(?=\w)", r"\\*", markdown)
    body = markdown_to_html(markdown)
    # no text/markdown in the notebook: a viewer would render raw HTML in it
    _display({"text/plain": markdown, "text/html": body}, {"kind": "text", "html": body})


def note(sentence: str) -> None:
    """A 'keine Daten' sentence, shown as a visible note."""
    body = f'<p class="ibis-note">{html_text(sentence)}</p>'
    _display(
        {"text/html": body, "text/plain": sentence},
        {"kind": "note", "html": body, "text": sentence},
    )

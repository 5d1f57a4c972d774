"""Assemble chapters into one report HTML: title page, contents, lists of figures, tables and
sources, chapters with figures and tables numbered across the whole report.

``mode="html"`` (index.html) uses SVG figures (sharp on screen, text editable) with each
figure's data table in an expandable ``<details>`` below it; ``mode="pdf"`` uses the 300-dpi PNGs
(WeasyPrint embeds them as images at 16 cm) and puts the data tables into the appendix
"Datentabellen zu den Abbildungen" (``data_tables=False`` leaves them out); ``mode="docx"`` uses
PNG figures, source lines and captions in the Word styles of the house style, no hand-made
numbers or lists (:mod:`ibislib.report.docx_style` makes Word fields of them).
Every image has an alternative text: its caption plus a one-sentence summary of its data.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import struct
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .. import __version__, fmt
from ..publish import slugify, source_line
from .collect import Chapter
from .docx_style import DATA_TABLES
from .table_layout import layout_html

_H2 = re.compile(r"<h2>(.*?)</h2>", re.S)
_HEADINGS = re.compile(r"<(/?)h([1-5])(\s[^>]*)?>")


@dataclass
class Listed:
    number: int
    caption: str
    anchor: str
    chapter: str
    alt: str = ""


@dataclass
class Assembly:
    html: str
    figures: list[Listed] = field(default_factory=list)
    tables: list[Listed] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def css() -> str:
    return (
        resources.files("ibislib.report")
        .joinpath("templates/report.css")
        .read_text(encoding="utf-8")
    )


def png_width_cm(path: Path) -> float | None:
    """Width of a PNG at its stored dpi (pHYs chunk: 300 dpi from figures.save, 150 for an
    HTML-only report; 300 when it has none), in cm."""
    try:
        with path.open("rb") as fh:
            head = fh.read(33)
            width = struct.unpack(">I", head[16:20])[0]
            dpi = 300
            while True:  # chunks up to the image data: length, type, data, CRC
                size, kind = struct.unpack(">I4s", fh.read(8))
                if kind in (b"IDAT", b"IEND"):
                    break
                data = fh.read(size + 4)[:size]
                if kind == b"pHYs" and data[8] == 1:  # unit: metre
                    dpi = round(struct.unpack(">I", data[:4])[0] * 0.0254) or 300
                    break
    except (OSError, struct.error, IndexError):
        return None
    return width / dpi * 2.54


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _demote(body: str, by: int = 0) -> str:
    """Shift headings (h1 inside a chapter would break the outline)."""
    if by == 0:
        return body

    def repl(m: re.Match) -> str:
        level = min(int(m.group(2)) + by, 6)
        return f"<{m.group(1)}h{level}{m.group(3) or ''}>"

    return _HEADINGS.sub(repl, body)


def alt_text(meta: dict) -> str:
    """Caption plus the one-sentence data summary publish.figure recorded."""
    caption = meta.get("caption", "").strip()
    summary = meta.get("summary", "").strip()
    return f"{caption.rstrip('.')}. {summary}" if summary else caption


def _data_details(meta: dict, n: int) -> str:
    if not meta.get("data_html"):
        return ""
    return (
        f'<details class="ibis-data-table"><summary>Datentabelle zu Abbildung {n}</summary>'
        f"{layout_html(meta['data_html'])[0]}</details>"
    )


def _tight(fit: str) -> str:
    """Class of a print table too wide (or nearly so) at full type size: "tight" or "snug"
    from :func:`layout_html` (only in the PDF; on screen a wide table scrolls)."""
    return f" ibis-{fit}" if fit else ""


def _docx_table_html(inner: str, caption: str) -> str:
    """A table for pandoc: caption as <caption> (Word 'Table Caption'), numbers right-aligned."""
    inner = re.sub(r"<table([^>]*)>", rf"<table\1><caption>{caption}</caption>", inner, count=1)
    return re.sub(r'class="num"', 'class="num" align="right"', inner)


def _figure(meta: dict, n: int, figures_dir: Path, rel: str, mode: str) -> str:
    files = meta.get("files", {})
    ext = "svg" if mode == "html" and "svg" in files else "png"
    name = files.get(ext) or files.get("png", "")
    width = png_width_cm(figures_dir / files.get("png", "")) or meta.get("width_cm") or 16.0
    width = min(width, 16.0)
    caption = _esc(meta.get("caption", ""))
    src = _esc(source_line(meta.get("source", "")))
    anchor = f"abb-{n}"
    img = f'<img src="{rel}/{_esc(name)}" alt="{_esc(alt_text(meta))}" style="width:{width:.2f}cm">'
    label = f'<span class="ibis-label">Abbildung {n}:</span> {caption}'
    if mode == "docx":
        return (
            f'<figure id="{anchor}">{img}<figcaption>Abbildung {n}: {caption}</figcaption></figure>'
            f'<div data-custom-style="Quelle"><p>{src}</p></div>'
        )
    return (
        f'<figure class="ibis-figure" id="{anchor}">{img}<figcaption>{label}</figcaption>'
        f'<p class="ibis-source">{src}</p></figure>'
        + (_data_details(meta, n) if mode == "html" else "")
    )


def _table(meta: dict, n: int, mode: str = "html") -> str:
    caption = _esc(meta.get("caption", ""))
    src = _esc(source_line(meta.get("source", "")))
    if mode == "docx":
        return (
            _docx_table_html(meta.get("html", ""), f"Tabelle {n}: {caption}")
            + f'<div data-custom-style="Quelle"><p>{src}</p></div>'
        )
    inner, tight = layout_html(meta.get("html", ""))
    return (
        f'<div class="ibis-table{_tight(tight if mode == "pdf" else "")}" id="tab-{n}">'
        f'<p class="ibis-caption"><span class="ibis-label">Tabelle {n}:</span> {caption}</p>'
        f'{inner}<p class="ibis-source">{src}</p></div>'
    )


def _error_box(chapter: Chapter) -> str:
    return (
        '<div class="ibis-error"><strong>Dieses Kapitel konnte nicht vollständig erstellt werden '
        f"(Notebook {_esc(chapter.key)}).</strong><br>Fehler: <code>{_esc(chapter.error or '')}</code>"
        "<br>Die übrigen Kapitel sind vollständig; bitte das ausgeführte Notebook im Ordner "
        "<code>notebooks/</code> des Berichts ansehen.</div>"
    )


def _notes_html(notes) -> str:
    """The methods note on the data checks: warnings the store recorded for this report's
    regions (values kept as published, but worth a look before printing)."""
    if not notes:
        return ""
    return (
        "<h2>Hinweise aus der Datenprüfung</h2><p>Beim Einlesen hat ibis die amtlichen Dateien "
        "auf Plausibilität geprüft (Zählwerte, Anteile, Teilsummen, Gebietsschlüssel, "
        "übereinstimmende Werte in mehreren Dateien). Die folgenden Auffälligkeiten betreffen "
        "die Gebiete dieses Berichts; die Werte sind wie veröffentlicht übernommen.</p><ul>"
        + "".join(f"<li>{_esc(n)}</li>" for n in notes)
        + "</ul>"
    )


def assemble(
    chapters: list[Chapter],
    *,
    title: str,
    subtitle: str,
    meta_lines: list[str],
    figures_dir: Path,
    figures_rel: str = "figures",
    mode: str = "html",
    data_tables: bool = True,
    data_notes: tuple[str, ...] | list[str] = (),
) -> Assembly:
    """Build the report HTML document from collected chapters (`data_tables`: the figures'
    data below each figure in HTML, as an appendix in the PDF; `data_notes`: the store's
    plausibility warnings that concern this report, listed after the sources)."""
    result = Assembly(html="")
    sources: dict[str, None] = {}
    toc: list[str] = []
    body: list[str] = []
    fig_n = tab_n = 0
    appendix: list[str] = []
    for ci, ch in enumerate(chapters, start=1):
        parts: list[str] = []
        sub = 0
        if ch.error:
            parts.append(_error_box(ch))
        toc.append(f'<li><a href="#{ch.anchor}">{ci}&#x2002;{_esc(ch.title)}</a></li>')
        for item in ch.items:
            if item.kind == "figure":
                fig_n += 1
                meta = item.meta if data_tables else {**item.meta, "data_html": ""}
                parts.append(_figure(meta, fig_n, figures_dir, figures_rel, mode))
                short = item.meta.get("caption", "").split(" – Hinweis:")[0]  # list: one line
                result.figures.append(
                    Listed(fig_n, short, f"abb-{fig_n}", ch.title, alt_text(item.meta))
                )
                if mode == "pdf" and meta.get("data_html"):
                    inner, tight = layout_html(meta["data_html"])
                    appendix.append(
                        f'<div class="ibis-table ibis-appendix-table{_tight(tight)}" '
                        f'id="daten-abb-{fig_n}">'
                        f'<h2><a href="#abb-{fig_n}">Abbildung {fig_n}</a>: {_esc(short)}</h2>'
                        f"{inner}"
                        f'<p class="ibis-source">{_esc(source_line(item.meta.get("source", "")))}</p></div>'
                    )
                sources.setdefault(source_line(item.meta.get("source", "")), None)
            elif item.kind == "table":
                tab_n += 1
                parts.append(_table(item.meta, tab_n, mode))
                short = item.meta.get("caption", "").split(" – Hinweis:")[0]  # list: one line
                result.tables.append(Listed(tab_n, short, f"tab-{tab_n}", ch.title))
                sources.setdefault(source_line(item.meta.get("source", "")), None)
            else:
                text = _demote(item.html, 0)

                def number_h2(m: re.Match, ci: int = ci, ch: Chapter = ch) -> str:
                    nonlocal sub
                    sub += 1
                    label = re.sub(r"<[^>]+>", "", m.group(1)).strip()
                    anchor = f"{ch.anchor}-{sub}-{slugify(label)[:40]}"
                    toc.append(
                        f'<li class="sub"><a href="#{anchor}">{ci}.{sub}&#x2002;{_esc(html.unescape(label))}</a></li>'
                    )
                    if mode == "docx":  # Word numbers its headings itself (house style)
                        return f'<h2 id="{anchor}">{m.group(1)}</h2>'
                    return f'<h2 id="{anchor}">{ci}.{sub}&#x2002;{m.group(1)}</h2>'

                text = _H2.sub(number_h2, text)
                parts.append(text)
        number = "" if mode == "docx" else f'<span class="num">{ci}</span>&#x2002;'
        body.append(
            f'<section class="chapter" id="{ch.anchor}"><h1>{number}{_esc(ch.title)}</h1>'
            + "\n".join(parts)
            + "</section>"
        )
    from .citations import grouped, unique

    # each source once, whatever its case; never split inside brackets
    result.sources = unique(sources)

    lists: list[str] = []
    if result.figures:
        lists.append("<h2>Abbildungsverzeichnis</h2><ol>")
        lists += [
            f'<li><a href="#{f.anchor}">Abbildung {f.number}: {_esc(f.caption)}</a></li>'
            for f in result.figures
        ]
        lists.append("</ol>")
    if result.tables:
        lists.append("<h2>Tabellenverzeichnis</h2><ol>")
        lists += [
            f'<li><a href="#{t.anchor}">Tabelle {t.number}: {_esc(t.caption)}</a></li>'
            for t in result.tables
        ]
        lists.append("</ol>")
    sources_html = ""
    if result.sources:
        sources_html = (
            '<section class="chapter sources" id="quellen"><h1>Quellenverzeichnis</h1><ul>'
            + "".join(
                f"<li>{_esc(head)}"
                + (
                    "<ul>" + "".join(f"<li>{_esc(t)}</li>" for t in tails) + "</ul>"
                    if tails
                    else ""
                )
                + "</li>"
                for head, tails in grouped(result.sources)
            )
            + "</ul><p>Eigene Berechnungen sind unter den Abbildungen und Tabellen als solche gekennzeichnet. "
            "Amtliche Daten: Datenlizenz Deutschland – Namensnennung – Version 2.0.</p>"
            + _notes_html(data_notes)
            + "</section>"
        )
        toc.append('<li><a href="#quellen">Quellenverzeichnis</a></li>')

    metas = "".join(f"<p>{_esc(m)}</p>" for m in meta_lines)
    title_html = (
        f'<header class="titlepage"><div class="kicker">Integrationsmonitoring</div>'
        f'<h1>{_esc(title)}</h1><div class="subtitle">{_esc(subtitle)}</div>'
        f'<div class="meta">{metas}</div></header>'
    )
    appendix_html = ""
    if appendix:
        appendix_html = (
            f'<section class="chapter appendix" id="datentabellen"><h1>{DATA_TABLES}</h1>'
            "<p>Die Werte, die die Abbildungen zeigen, als Tabellen (für Screenreader und zum "
            "Nachschlagen genauer Zahlen).</p>" + "".join(appendix) + "</section>"
        )
        toc.append(f'<li><a href="#datentabellen">{DATA_TABLES}</a></li>')
    if mode == "docx":
        # the title comes from pandoc metadata; contents and lists are Word fields (docx_style)
        doc = (
            f'<div data-custom-style="Titelangaben"><p>{_esc(subtitle)}</p>{metas}</div>'
            + "\n".join(body)
            + sources_html
        )
        result.html = f'<html lang="de"><head><meta charset="utf-8"><title>{_esc(title)}</title></head><body>{doc}</body></html>'
        return result
    toc_html = f'<nav class="toc"><h2>Inhalt</h2><ol>{"".join(toc)}</ol></nav>'
    lists_html = f'<section class="lists">{"".join(lists)}</section>' if lists else ""
    result.html = (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Integrationsmonitoring {_esc(title)}</title><style>{css()}</style></head><body>"
        f"{title_html}{toc_html}{lists_html}{''.join(body)}{sources_html}{appendix_html}"
        f'<p class="footer-note">Erstellt mit ibis {__version__} am {fmt.date(dt.date.today())}. '
        "Abbildungen und Tabellen liegen zusätzlich als Dateien (PNG, SVG, PDF, XLSX) im Ordner "
        f"<code>{_esc(figures_rel)}/</code>.</p></body></html>"
    )
    return result

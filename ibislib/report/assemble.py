"""Assemble chapters into one report HTML: title page, contents, lists of figures, tables and
sources, chapters with figures and tables numbered across the whole report.

``mode="html"`` (index.html) uses SVG figures (sharp on screen, text editable); ``mode="pdf"``
uses the 300-dpi PNGs (WeasyPrint embeds them as images at 16 cm); ``mode="docx"`` uses PNG figures and puts
the source line outside the ``<figure>`` so pandoc keeps it.
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

_H2 = re.compile(r"<h2>(.*?)</h2>", re.S)
_HEADINGS = re.compile(r"<(/?)h([1-5])(\s[^>]*)?>")


@dataclass
class Listed:
    number: int
    caption: str
    anchor: str
    chapter: str


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
    """Width of a PNG at its stored dpi (300 dpi from figures.save), in cm."""
    try:
        with path.open("rb") as fh:
            head = fh.read(33)
        width = struct.unpack(">I", head[16:20])[0]
    except (OSError, struct.error):
        return None
    return width / 300 * 2.54


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


def _figure(meta: dict, n: int, figures_dir: Path, rel: str, mode: str) -> str:
    files = meta.get("files", {})
    ext = "svg" if mode == "html" and "svg" in files else "png"
    name = files.get(ext) or files.get("png", "")
    width = png_width_cm(figures_dir / files.get("png", "")) or meta.get("width_cm") or 16.0
    width = min(width, 16.0)
    caption = _esc(meta.get("caption", ""))
    src = _esc(source_line(meta.get("source", "")))
    anchor = f"abb-{n}"
    img = f'<img src="{rel}/{_esc(name)}" alt="{caption}" style="width:{width:.2f}cm">'
    label = f'<span class="ibis-label">Abbildung {n}:</span> {caption}'
    if mode == "docx":
        return (
            f'<figure id="{anchor}">{img}<figcaption>Abbildung {n}: {caption}</figcaption></figure>'
            f'<p class="ibis-source">{src}</p>'
        )
    return (
        f'<figure class="ibis-figure" id="{anchor}">{img}<figcaption>{label}</figcaption>'
        f'<p class="ibis-source">{src}</p></figure>'
    )


def _table(meta: dict, n: int) -> str:
    caption = _esc(meta.get("caption", ""))
    src = _esc(source_line(meta.get("source", "")))
    return (
        f'<div class="ibis-table" id="tab-{n}">'
        f'<p class="ibis-caption"><span class="ibis-label">Tabelle {n}:</span> {caption}</p>'
        f'{meta.get("html", "")}<p class="ibis-source">{src}</p></div>'
    )


def _error_box(chapter: Chapter) -> str:
    return (
        '<div class="ibis-error"><strong>Dieses Kapitel konnte nicht vollständig erstellt werden '
        f"(Notebook {_esc(chapter.key)}).</strong><br>Fehler: <code>{_esc(chapter.error or '')}</code>"
        "<br>Die übrigen Kapitel sind vollständig; bitte das ausgeführte Notebook im Ordner "
        "<code>notebooks/</code> des Berichts ansehen.</div>"
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
) -> Assembly:
    """Build the report HTML document from collected chapters."""
    result = Assembly(html="")
    sources: dict[str, None] = {}
    toc: list[str] = []
    body: list[str] = []
    fig_n = tab_n = 0
    for ci, ch in enumerate(chapters, start=1):
        parts: list[str] = []
        sub = 0
        if ch.error:
            parts.append(_error_box(ch))
        toc.append(f'<li><a href="#{ch.anchor}">{ci}&#x2002;{_esc(ch.title)}</a></li>')
        for item in ch.items:
            if item.kind == "figure":
                fig_n += 1
                parts.append(_figure(item.meta, fig_n, figures_dir, figures_rel, mode))
                short = item.meta.get("caption", "").split(" – Hinweis:")[0]  # list: one line
                result.figures.append(Listed(fig_n, short, f"abb-{fig_n}", ch.title))
                sources.setdefault(source_line(item.meta.get("source", "")), None)
            elif item.kind == "table":
                tab_n += 1
                parts.append(_table(item.meta, tab_n))
                result.tables.append(
                    Listed(tab_n, item.meta.get("caption", ""), f"tab-{tab_n}", ch.title)
                )
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
                    return f'<h2 id="{anchor}">{ci}.{sub}&#x2002;{m.group(1)}</h2>'

                text = _H2.sub(number_h2, text)
                parts.append(text)
        body.append(
            f'<section class="chapter" id="{ch.anchor}"><h1><span class="num">{ci}</span>&#x2002;{_esc(ch.title)}</h1>'
            + "\n".join(parts)
            + "</section>"
        )
    parts: dict[str, None] = {}
    for s in sources:
        for part in s.removeprefix("Quelle:").split(";"):
            if part.strip() and not part.strip().lower().startswith("eigene berechnung"):
                parts.setdefault(part.strip(), None)
    result.sources = sorted(parts, key=str.lower)

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
            + "".join(f"<li>{_esc(s)}</li>" for s in result.sources)
            + "</ul><p>Eigene Berechnungen sind unter den Abbildungen und Tabellen als solche gekennzeichnet. "
            "Amtliche Daten: Datenlizenz Deutschland – Namensnennung – Version 2.0.</p></section>"
        )
        toc.append('<li><a href="#quellen">Quellenverzeichnis</a></li>')

    metas = "".join(f"<p>{_esc(m)}</p>" for m in meta_lines)
    title_html = (
        f'<header class="titlepage"><div class="kicker">Integrationsmonitoring</div>'
        f'<h1>{_esc(title)}</h1><div class="subtitle">{_esc(subtitle)}</div>'
        f'<div class="meta">{metas}</div></header>'
    )
    if mode == "docx":
        doc = (
            f"<p>{_esc(subtitle)}</p>{metas}"  # the title comes from pandoc metadata
            + "\n".join(body)
            + '<section class="lists">'
            + "".join(lists)
            + "</section>"
            + sources_html
        )
        result.html = f'<html lang="de"><head><meta charset="utf-8"><title>{_esc(title)}</title></head><body>{doc}</body></html>'
        return result
    toc_html = f'<nav class="toc"><h2>Inhalt</h2><ol>{"".join(toc)}</ol></nav>'
    lists_html = f'<section class="lists">{"".join(lists)}</section>' if lists else ""
    result.html = (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{css()}</style></head><body>"
        f"{title_html}{toc_html}{lists_html}{''.join(body)}{sources_html}"
        f'<p class="footer-note">Erstellt mit ibis {__version__} am {fmt.date(dt.date.today())}. '
        "Abbildungen und Tabellen liegen zusätzlich als Dateien (PNG, SVG, PDF, XLSX) im Ordner "
        f"<code>{_esc(figures_rel)}/</code>.</p></body></html>"
    )
    return result

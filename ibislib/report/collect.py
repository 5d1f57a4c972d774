"""Read an executed chapter notebook and keep only what belongs in the report.

Only markdown cells and outputs published through :mod:`ibislib.publish` (marked with
``metadata["ibis"]``) are kept. Code, prompts, prints, warnings and widgets never reach the report.
A markdown cell tagged ``no-report`` stays in the notebook only.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..publish import META_KEY, markdown_to_html
from .outline import default_title

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>\s*", re.S)


@dataclass
class Item:
    kind: str  # "markdown", "text", "note", "figure", "table"
    html: str = ""
    meta: dict = field(default_factory=dict)


@dataclass
class Chapter:
    key: str  # notebook stem, e.g. "01_demografie"
    title: str
    items: list[Item] = field(default_factory=list)
    error: str | None = None

    @property
    def anchor(self) -> str:
        return f"kap-{self.key}"


def error_message(output: dict) -> str:
    """'KeyError: ...' from an error output, without ANSI colours."""
    return _ANSI.sub("", f"{output.get('ename', 'Fehler')}: {output.get('evalue', '')}").strip()


def read_chapter(
    nb_path: Path | None, key: str, error: str | None = None, title: str | None = None
) -> Chapter:
    """Collect the report content of one executed notebook (missing notebook -> only the error).

    `title`: the outline's title, shown when the notebook has no '# ' heading (a failed one)."""
    chapter = Chapter(key=key, title=title or default_title(key), error=error)
    if nb_path is None or not Path(nb_path).exists():
        return chapter
    nb = nbformat.read(str(nb_path), as_version=4)
    title_found = False
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown":
            if "no-report" in tags or "parameters" in tags or "papermill-error-cell-tag" in tags:
                continue
            body = markdown_to_html(cell.source)
            if not title_found:
                m = _H1.search(body)
                if m:
                    chapter.title = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
                    body = body[: m.start()] + body[m.end() :]
                    title_found = True
            if body.strip():
                chapter.items.append(Item("markdown", body))
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            otype = out.get("output_type")
            if otype == "error":
                if chapter.error is None:
                    chapter.error = error_message(out)
                continue
            if otype not in ("display_data", "execute_result"):
                continue
            meta = out.get("metadata", {}).get(META_KEY)
            if not meta:
                continue
            kind = meta.get("kind", "text")
            if kind in ("text", "note"):
                body = meta.get("html") or out.get("data", {}).get("text/html", "")
                # a '# ' heading in published text names the chapter too
                if not title_found and kind == "text":
                    m = _H1.search(body)
                    if m:
                        chapter.title = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
                        body = body[: m.start()] + body[m.end() :]
                        title_found = True
                chapter.items.append(Item(kind, body, dict(meta)))
            else:
                chapter.items.append(Item(kind, meta.get("html", ""), dict(meta)))
    return chapter

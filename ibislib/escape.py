"""Escaping of text that comes from data, for every output format ibis writes.

One rule per format, used by every writer (report HTML, batch overview, XLSX, CSV):

- HTML: :func:`html_text` escapes ``& < > " '``; text from data is never rendered as Markdown/HTML.
- Markdown: text from data put into a generated Markdown sentence goes through
  :func:`markdown_text` (every Markdown punctuation mark backslash-escaped), so a Stadtteil
  ``*x*`` or ``[x](http://…)`` shows as typed; the renderer (:func:`markdown_html`) escapes raw
  HTML and makes no links, images or autolinks, so ``<script>`` from data is shown, never run.
- Spreadsheets (XLSX, CSV): a text cell beginning with ``= + - @`` (or a tab / carriage return)
  would be run as a formula by Excel or LibreOffice (CSV/formula injection, OWASP). Such text is
  written with a leading apostrophe, so it shows as typed and is never evaluated. Numbers are
  left alone: a negative number is a number, not a formula. For XLSX written through openpyxl
  :func:`xlsx_text_cells` does the same without the apostrophe: such cells become text cells
  (type string, Excel's "quote prefix" set), shown as typed and kept as text when edited.
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet program treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(text: Any) -> str:
    """Text from data, safe inside HTML element content and attribute values."""
    return _html.escape("" if text is None else str(text), quote=True)


#: Characters that make Markdown syntax inside a sentence (emphasis, code, links, tables,
#: HTML, entities, headings); a value in mid-sentence cannot start a list or a block.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&!])")


def markdown_text(text: Any) -> str:
    """Text from data, shown as typed when put into a Markdown sentence (no emphasis, no link,
    no heading, no HTML). Line breaks become spaces: a value never starts a new block."""
    s = "" if text is None else str(text)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", s)


@lru_cache(maxsize=1)
def _markdown():
    import mistune

    md = mistune.create_markdown(
        escape=True, plugins=["strikethrough", "footnotes", "table", "speedup"]
    )
    # ibis prose has no links or HTML: text from data must not become a live link either
    for rule in ("link", "auto_link", "auto_email", "inline_html"):
        if rule in md.inline.rules:
            md.inline.rules.remove(rule)
    if "block_html" in md.block.rules:
        md.block.rules.remove("block_html")
    return md


def markdown_html(markdown: str) -> str:
    """Markdown -> HTML with raw HTML escaped and without links, images or autolinks."""
    return _markdown()(markdown)


def spreadsheet_cell(value: Any) -> Any:
    """A cell value that a spreadsheet shows as written and never evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with every text cell (and text column/index label) made formula-safe."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(spreadsheet_cell)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).map(spreadsheet_cell)
    out.columns = [spreadsheet_cell(c) for c in out.columns]
    if out.index.dtype == object or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = out.index.map(spreadsheet_cell)  # pandas 3 gives text labels a str dtype
    return out


def xlsx_text_cells(ws) -> int:
    """Make every cell of an openpyxl worksheet that holds text starting with ``= + - @``
    (or tab / CR) a plain text cell: never a formula, shown as typed. Returns the number of
    cells changed. Use it on sheets filled by ``DataFrame.to_excel`` before saving (openpyxl
    turns every string starting with ``=`` into a live formula)."""
    changed = 0
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and v.startswith(FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed

"""Escaping of text that comes from data, for every output format ibis writes.

One rule per format, used by every writer (report HTML, batch overview, XLSX, CSV):

- HTML: :func:`html_text` escapes ``& < > " '``; text from data is never rendered as Markdown/HTML.
- Spreadsheets (XLSX, CSV): a text cell beginning with ``= + - @`` (or a tab / carriage return)
  would be run as a formula by Excel or LibreOffice (CSV/formula injection, OWASP). Such text is
  written with a leading apostrophe, so it shows as typed and is never evaluated. Numbers are
  left alone: a negative number is a number, not a formula.
"""

from __future__ import annotations

import html as _html
from typing import Any

import pandas as pd

#: First characters that make a spreadsheet program treat a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(text: Any) -> str:
    """Text from data, safe inside HTML element content and attribute values."""
    return _html.escape("" if text is None else str(text), quote=True)


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
    if out.index.dtype == object:
        out.index = out.index.map(spreadsheet_cell)
    return out

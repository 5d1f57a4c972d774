"""Column widths for printed tables (PDF and DOCX): no table wider than the 16-cm text block,
and a label column that stays readable (issue 10, item 6).

WeasyPrint's automatic table layout shrinks a text column to its narrowest hyphenated word: a
"Kennzahl" column of three syllables per line, labels over 15 lines. :func:`plan` estimates
from the cell texts what each column needs (the longest word of a text column, the longest
number of a number column, which never wraps) and gives the label column – the first text
column – a readable minimum width, as far as the other columns leave room. A table whose
columns do not fit even so is set "tight" (smaller type, headers may hyphenate).

The estimate uses the average advance of DejaVu Sans (the report font) at the table's 8,5 pt;
it only has to be good to a few millimetres, because the browser or WeasyPrint lays out the
rest.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from .hyphenation import hyphenator

#: Text block width of the A4 page (templates/report.css: 21 cm - 2 x 2,5 cm).
TEXT_WIDTH_CM = 16.0
#: Average advance of one character at 8,5 pt in DejaVu Sans (cm), measured in a built PDF:
#: text, digits (numbers with separators) and bold headers.
CHAR_CM = 0.16
DIGIT_CM = 0.171
BOLD_CHAR_CM = 0.195
#: Body cells hyphenate words of at least this many letters, keeping this many on each side
#: (``hyphenate-limit-chars: 10 4 4`` in templates/report.css).
HYPHEN_WORD, HYPHEN_KEEP = 10, 4
#: Cell padding left + right (6 px each, templates/report.css).
PAD_CM = 0.32
#: What the estimate may be off by for a whole table (the label column gives it up).
SLACK_CM = 0.6
#: A label column is at least this wide (about 22 characters: "Schutzsuchende (Anzahl)")
#: unless its longest label is shorter.
LABEL_MIN_CM = 4.0
#: ... and takes at most this share of the text block as its minimum.
LABEL_MAX_SHARE = 0.45

_ROW = re.compile(r"<tr[^>]*>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t([hd])([^>]*)>(.*?)</t[hd]>", re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass
class Plan:
    """Column needs of one table (cm): `minimum` per column, `preferred` per column (its
    longest cell on one line), the label column's minimum width, and whether the table is
    tight (the minimums do not fit the text block)."""

    minimum: list[float]
    preferred: list[float]
    label: int | None
    label_min_cm: float
    tight: bool
    #: within SLACK_CM of the block: the estimate cannot promise a fit at full size (the ring
    #: table of the Regionalverband Saarbrücken, estimated under 16 cm, set 16,2 cm), so the
    #: type is smaller, but headers still break only between words ("Saarbrücken" stays whole)
    snug: bool = False

    def widths(self, total: float = TEXT_WIDTH_CM) -> list[float]:
        """Widths that add up to `total`: every column its minimum, the rest shared in
        proportion to what each column would still like (DOCX has no automatic layout)."""
        mins = list(self.minimum)
        if self.label is not None:
            mins[self.label] = max(mins[self.label], self.label_min_cm)
        if sum(mins) >= total:
            return [m * total / sum(mins) for m in mins]
        want = [max(p - m, 0.0) for p, m in zip(self.preferred, mins, strict=True)]
        extra = total - sum(mins)
        if sum(want) <= extra:  # every cell fits on one line: widths in proportion to it
            out = [m + w for m, w in zip(mins, want, strict=True)]
            return [w * total / sum(out) for w in out]
        return [m + extra * w / sum(want) for m, w in zip(mins, want, strict=True)]


def _text(cell: str) -> str:
    return html.unescape(_TAG.sub("", cell)).strip()


@lru_cache(maxsize=4096)
def _narrowest(word: str) -> int:
    """Characters of the widest piece a body cell must keep on one line: the word itself,
    or for a long word its longest piece between hyphenation points (plus the hyphen)."""
    if len(word) < HYPHEN_WORD:
        return len(word)
    cuts = [0, *hyphenator(HYPHEN_KEEP, HYPHEN_KEEP).positions(word), len(word)]
    return max(
        b - a + (1 if b < len(word) else 0) for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    )


#: where a line may break without hyphenation: ordinary spaces (not the no-break space of
#: "10 von 11") and after a word's own hyphen or slash ("Nordrhein-Westfalen", "Dillingen/Saar")
_BREAKS = re.compile(r"[ \t\n]+|(?<=[-/])")


def _pieces(text: str) -> list[str]:
    return [w for w in _BREAKS.split(text) if w]


def _longest_piece(text: str) -> int:
    return max((_narrowest(w) for w in _pieces(text)), default=0)


def plan(header: list[str], rows: list[list[str]], numeric: list[bool]) -> Plan:
    """The column needs of a table from its header texts, body rows and number columns."""
    n = len(header)
    minimum, preferred = [], []
    for j in range(n):
        cells = [r[j] for r in rows if j < len(r)]
        head = BOLD_CHAR_CM * max((len(w) for w in _pieces(header[j])), default=0)
        if numeric[j]:  # numbers never wrap (white-space: nowrap)
            body = DIGIT_CM * max((len(c) for c in cells), default=0)
            minimum.append(max(head, body) + PAD_CM)
            preferred.append(minimum[-1])
        else:
            body = CHAR_CM * max((_longest_piece(c) for c in cells), default=0)
            minimum.append(max(head, body) + PAD_CM)
            longest = CHAR_CM * max((len(c) for c in cells), default=0)
            # a little slack: a label estimated to just fit must not wrap its last word
            preferred.append(
                max(minimum[-1], longest + PAD_CM + 0.3, BOLD_CHAR_CM * len(header[j]))
            )
    label = next((j for j in range(n) if not numeric[j]), None)
    label_min = 0.0
    if label is not None:
        # as wide as the label would like, as far as the other columns leave room on one
        # line (and at most LABEL_MAX_SHARE), but never under LABEL_MIN_CM: the other
        # columns wrap first
        room = TEXT_WIDTH_CM - SLACK_CM - sum(p for j, p in enumerate(preferred) if j != label)
        wish = min(preferred[label], room, TEXT_WIDTH_CM * LABEL_MAX_SHARE)
        readable = min(LABEL_MIN_CM, preferred[label])  # short labels ("2015") need no 4 cm
        label_min = max(wish, readable, minimum[label])
    total = sum(minimum) - (minimum[label] if label is not None else 0) + label_min
    tight = total > TEXT_WIDTH_CM
    snug = not tight and total > TEXT_WIDTH_CM - SLACK_CM
    return Plan(minimum, preferred, label, label_min, tight=tight, snug=snug)


def parse(table_html: str) -> tuple[list[str], list[list[str]], list[bool]]:
    """Header texts, body rows and number columns of a table from ``publish.table_html``."""
    header: list[str] = []
    numeric: list[bool] = []
    rows: list[list[str]] = []
    for i, row in enumerate(_ROW.findall(table_html)):
        cells = _CELL.findall(row)
        if i == 0 and cells and cells[0][0] == "h":
            header = [_text(c[2]) for c in cells]
            numeric = ['class="num"' in c[1] for c in cells]
        else:
            rows.append([_text(c[2]) for c in cells])
    if not numeric and rows:
        numeric = [False] * len(rows[0])
        header = [""] * len(rows[0])
    return header, rows, numeric


def layout_html(table_html: str) -> tuple[str, str]:
    """The table with its print layout (the label column's header cell gets its minimum
    width) and its fit: "tight" or "snug" (the caller marks its wrapper ``ibis-tight`` /
    ``ibis-snug``; templates/report.css: smaller type, for tight also hyphenated headers)
    or "" when it fits at full size."""
    header, rows, numeric = parse(table_html)
    if not header:
        return table_html, ""
    p = plan(header, rows, numeric)
    out = table_html
    if p.label is not None and p.label_min_cm > p.minimum[p.label] + 0.05:
        k = -1

        def add_width(m: re.Match) -> str:
            nonlocal k
            k += 1
            if k != p.label:
                return m.group(0)
            # min-width is the content box: the cell's padding comes on top
            return f'<th{m.group(1)} style="min-width:{p.label_min_cm - PAD_CM:.2f}cm">'

        head_end = out.find("</thead>")
        if head_end >= 0:
            out = re.sub(r"<th(?=[\s>])([^>]*)>", add_width, out[:head_end]) + out[head_end:]
    return out, "tight" if p.tight else ("snug" if p.snug else "")

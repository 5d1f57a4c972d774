"""The Word version of the report in the ibis house style.

pandoc writes the DOCX with ``templates/reference.docx`` (fonts, numbered headings, caption and
source styles, table style, A4 with margins, footer with a PAGE field; made by
``scripts/make_reference_docx.py``). :func:`finish` then turns what pandoc cannot express into
real Word structures, with python-docx:

- captions "Abbildung N:" / "Tabelle N:" get SEQ fields (Word's own figure and table lists and
  cross references work, numbering updates when an editor inserts a figure);
- a contents field (TOC) and figure/table lists (TOC \\c) with their result already filled in
  (entries linked to the headings and captions), so the document is right when opened and Word
  never asks to update fields; F9 adds the page numbers;
- every image has its alternative text (caption plus a one-sentence data summary), every table
  repeats its header row on each page and spans the text width;
- the list headings (Abbildungsverzeichnis, Quellenverzeichnis …) are unnumbered.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

CONTENTS = "Inhalt"
FIGURES = "Abbildungsverzeichnis"
TABLES = "Tabellenverzeichnis"
SOURCES = "Quellenverzeichnis"
DATA_TABLES = "Datentabellen zu den Abbildungen"
#: headings of lists and appendices: style "Verzeichnis" (unnumbered, in the contents at level 1)
UNNUMBERED = {FIGURES, TABLES, SOURCES, DATA_TABLES}

TOC_FIELD = 'TOC \\o "1-2" \\h \\z \\u \\t "Verzeichnis;1"'
_CAPTION = re.compile(r"^(Abbildung|Tabelle)\s+(\d+):\s*(.*)$", re.S)
_HEADING_LEVEL = {"Heading1": 1, "Heading2": 2, "Heading3": 3}


def reference_docx() -> Path:
    """The house-style reference document shipped with ibislib."""
    return Path(str(resources.files("ibislib.report").joinpath("templates/reference.docx")))


def _style_id(p) -> str:
    ppr = p.find(qn("w:pPr"))
    st = ppr.find(qn("w:pStyle")) if ppr is not None else None
    return st.get(qn("w:val")) if st is not None else ""


def _child(parent, tag: str, first: bool = True):
    """`parent`'s child element `tag` ("w:pPr"), created (as first or last child) if missing."""
    found = parent.find(qn(tag))
    if found is None:
        found = OxmlElement(tag)
        if first:
            parent.insert(0, found)
        else:
            parent.append(found)
    return found


def _set_style(p, style_id: str) -> None:
    _child(_child(p, "w:pPr"), "w:pStyle").set(qn("w:val"), style_id)


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _run(text: str, style: str | None = None):
    r = OxmlElement("w:r")
    if style:
        rpr = OxmlElement("w:rPr")
        rs = OxmlElement("w:rStyle")
        rs.set(qn("w:val"), style)
        rpr.append(rs)
        r.append(rpr)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    return r


def _fld(kind: str):
    r = OxmlElement("w:r")
    c = OxmlElement("w:fldChar")
    c.set(qn("w:fldCharType"), kind)
    r.append(c)
    return r


def _instr(text: str):
    r = OxmlElement("w:r")
    t = OxmlElement("w:instrText")
    t.set(qn("xml:space"), "preserve")
    t.text = f" {text} "
    r.append(t)
    return r


class _Bookmarks:
    def __init__(self, body) -> None:
        ids = [int(b.get(qn("w:id"))) for b in body.iter(qn("w:bookmarkStart"))]
        self.next = max(ids, default=0) + 1000

    def wrap(self, p, name: str, first, last=None) -> None:
        """Bookmark `name` around the runs from `first` to `last` (inclusive) of paragraph p."""
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.next))
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.next))
        self.next += 1
        first.addprevious(start)
        (last if last is not None else p[-1]).addnext(end)


def _paragraph(style: str, *children):
    p = OxmlElement("w:p")
    _set_style(p, style)
    for c in children:
        p.append(c)
    return p


def _link(anchor: str, text: str):
    h = OxmlElement("w:hyperlink")
    h.set(qn("w:anchor"), anchor)
    h.set(qn("w:history"), "1")
    h.append(_run(text))
    return h


def _field_block(instr: str, entries: list[tuple[str, str, str]]) -> list:
    """Paragraphs of a TOC-type field whose cached result is `entries` (style, anchor, text)."""
    paras = [_paragraph(style, _link(anchor, text)) for style, anchor, text in entries]
    first, last = paras[0], paras[-1]
    ppr_end = first.find(qn("w:pPr"))
    for el in reversed([_fld("begin"), _instr(instr), _fld("separate")]):
        ppr_end.addnext(el)
    last.append(_fld("end"))
    return paras


def _captions(body, marks: _Bookmarks) -> dict[str, list[tuple[str, str]]]:
    """SEQ fields in the figure and table captions; returns (anchor, text) per kind."""
    found: dict[str, list[tuple[str, str]]] = {"Abbildung": [], "Tabelle": []}
    for p in list(body.iter(qn("w:p"))):
        if _style_id(p) not in ("ImageCaption", "TableCaption", "Caption"):
            continue
        m = _CAPTION.match(_text(p).strip())
        if not m:
            continue
        kind, number, rest = m.group(1), m.group(2), m.group(3)
        for child in list(p):
            if child.tag != qn("w:pPr"):
                p.remove(child)
        label = _run(f"{kind} ")
        parts = [
            label,
            _fld("begin"),
            _instr(f"SEQ {kind} \\* ARABIC"),
            _fld("separate"),
            _run(number),
            _fld("end"),
            _run(f": {rest}"),
        ]
        for el in parts:
            p.append(el)
        anchor = f"_Ref_{'abb' if kind == 'Abbildung' else 'tab'}_{number}"
        marks.wrap(p, anchor, label, parts[-1])
        short = rest.split(" – Hinweis:")[0]  # the lists get one line per caption
        found[kind].append((anchor, f"{kind} {number}: {short}"))
    return found


def _headings(body, marks: _Bookmarks) -> list[tuple[str, str, str]]:
    """Unnumbered list headings get style 'Verzeichnis'; returns the contents entries."""
    entries: list[tuple[str, str, str]] = []
    counters = [0, 0, 0]
    for p in list(body.iter(qn("w:p"))):
        style = _style_id(p)
        text = _text(p).strip()
        if style in _HEADING_LEVEL and text in UNNUMBERED:
            _set_style(p, "Verzeichnis")
            style = "Verzeichnis"
        if style == "Verzeichnis":
            level, label = 1, text
        elif style in _HEADING_LEVEL:
            level = _HEADING_LEVEL[style]
            counters[level - 1] += 1
            counters[level:] = [0] * (3 - level)
            number = ".".join(str(n) for n in counters[:level])
            label = f"{number}\u2002{text}"
        else:
            continue
        if level > 2 or not text:
            continue
        anchor = f"_Toc{len(entries) + 1:08d}"
        runs = [c for c in p if c.tag in (qn("w:r"), qn("w:hyperlink"))]
        if runs:
            marks.wrap(p, anchor, runs[0], runs[-1])
        entries.append((f"toc{level}", anchor, label))
    return entries


def _verzeichnis_heading(text: str, page_break: bool = True):
    p = _paragraph("Verzeichnis", _run(text))
    if not page_break:
        pb = OxmlElement("w:pageBreakBefore")
        pb.set(qn("w:val"), "0")
        p.find(qn("w:pPr")).append(pb)
    return p


def _images(body, alt_texts: list[str], titles: list[str]) -> None:
    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
    for i, pr in enumerate(body.iter(f"{{{wp}}}docPr")):
        if i < len(alt_texts) and alt_texts[i]:
            pr.set("descr", alt_texts[i])
        if i < len(titles) and titles[i]:
            pr.set("title", titles[i])


def _tables(body) -> None:
    for tbl in body.iter(qn("w:tbl")):
        rows = tbl.findall(qn("w:tr"))
        if not rows:
            continue
        _child(_child(rows[0], "w:trPr"), "w:tblHeader", first=False)
        for row in rows:  # no row splits across a page break
            _child(_child(row, "w:trPr"), "w:cantSplit")
        tblpr = tbl.find(qn("w:tblPr"))
        width = tblpr.find(qn("w:tblW")) if tblpr is not None else None
        if width is not None:
            width.set(qn("w:type"), "pct")
            width.set(qn("w:w"), "5000")
        _column_widths(tbl, rows, tblpr)


#: twentieths of a point per cm (Word's dxa)
_DXA_PER_CM = 566.93


def _cell_text(tc) -> str:
    return "".join(t.text or "" for t in tc.iter(qn("w:t")))


def _column_widths(tbl, rows, tblpr) -> None:
    """Fixed column widths over the 16-cm text width from the cell texts
    (:mod:`ibislib.report.table_layout`): the label column keeps a readable width, number
    columns the width of their longest number; Word's autofit would squeeze the label column."""
    from ..publish import _GERMAN_NUMBER
    from .table_layout import TEXT_WIDTH_CM, plan

    cells = [[_cell_text(tc) for tc in row.findall(qn("w:tc"))] for row in rows]
    if not cells or not cells[0] or len({len(r) for r in cells}) != 1:
        return  # merged cells: leave the layout to Word
    header, body = cells[0], cells[1:]
    numeric = [
        bool(col) and all(_GERMAN_NUMBER.match(c) for c in col) and any(c not in "–•" for c in col)
        for col in ([r[j] for r in body if r[j].strip()] for j in range(len(header)))
    ]
    widths = plan(header, body, numeric).widths(TEXT_WIDTH_CM)
    dxa = [str(round(w * _DXA_PER_CM)) for w in widths]
    if tblpr is not None:
        _child(tblpr, "w:tblLayout", first=False).set(qn("w:type"), "fixed")
    grid = tbl.find(qn("w:tblGrid"))
    if grid is not None:
        for col, w in zip(grid.findall(qn("w:gridCol")), dxa, strict=False):
            col.set(qn("w:w"), w)
    for row in rows:
        for tc, w in zip(row.findall(qn("w:tc")), dxa, strict=True):
            tcw = _child(_child(tc, "w:tcPr"), "w:tcW")
            tcw.set(qn("w:type"), "dxa")
            tcw.set(qn("w:w"), w)


def finish(path: Path, *, alt_texts: list[str], titles: list[str]) -> None:
    """Post-process the pandoc DOCX at `path` in place (see the module docstring)."""
    import docx

    doc = docx.Document(str(path))
    body = doc.element.body
    marks = _Bookmarks(body)
    _images(body, alt_texts, titles)
    _tables(body)
    caps = _captions(body, marks)
    contents = _headings(body, marks)

    front: list = [_paragraph("TOCHeading", _run(CONTENTS))]
    lists = []
    if caps["Abbildung"]:
        lists.append((FIGURES, 'TOC \\h \\z \\c "Abbildung"', caps["Abbildung"]))
    if caps["Tabelle"]:
        lists.append((TABLES, 'TOC \\h \\z \\c "Tabelle"', caps["Tabelle"]))
    toc_entries = [("toc1", f"_Toc_list_{i}", title) for i, (title, _, _) in enumerate(lists)]
    toc_entries += contents
    if toc_entries:
        front += _field_block(TOC_FIELD, toc_entries)
    for i, (title, instr, entries) in enumerate(lists):
        head = _verzeichnis_heading(title, page_break=i == 0)
        marks.wrap(head, f"_Toc_list_{i}", head.find(qn("w:r")))
        front.append(head)
        front += _field_block(instr, [("tableoffigures", a, t) for a, t in entries])
    anchor = _front_anchor(body)
    for el in reversed(front):
        anchor.addnext(el)

    settings = doc.settings.element
    for el in settings.findall(qn("w:updateFields")):
        settings.remove(el)  # the results are filled in: no "update fields?" question
    doc.core_properties.language = "de-DE"
    doc.save(str(path))


def _front_anchor(body):
    """The last paragraph of the title block (Title, Subtitle, Titelangaben …)."""
    last = None
    for el in body:
        if el.tag == qn("w:p") and _style_id(el) in (
            "Title",
            "Subtitle",
            "Author",
            "Date",
            "Titelangaben",
        ):
            last = el
        elif el.tag == qn("w:p") and last is not None:
            break
    if last is None:
        last = body[0]
    return last

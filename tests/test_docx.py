"""The Word version: house style from templates/reference.docx (A4, margins, footer with a
page-number field, numbered headings, caption/source/table styles), Word captions with SEQ
fields, contents and figure/table lists as pre-filled fields, alt texts on every image,
repeated table header rows, source lines under figures and tables; rendered by LibreOffice."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ibislib.report.build import ReportResult
from ibislib.report.docx_style import reference_docx

docx = pytest.importorskip("docx")
from docx.oxml.ns import qn  # noqa: E402

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def _style(p) -> str:
    st = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return st.get(qn("w:val")) if st is not None else ""


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _instr(el) -> list[str]:
    return [(t.text or "").strip() for t in el.iter(qn("w:instrText"))]


def test_reference_document_is_the_house_style():
    doc = docx.Document(str(reference_docx()))
    sec = doc.sections[0]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    assert round(sec.left_margin.cm, 1) == 2.5 and round(sec.right_margin.cm, 1) == 2.5
    assert sec.different_first_page_header_footer  # no page number on the title page
    assert "PAGE" in _instr(sec.footer._element)
    names = {s.name for s in doc.styles}
    for name in ("Heading 1", "Heading 2", "Caption", "Image Caption", "Table Caption"):
        assert name in names
    for name in ("Quelle", "Verzeichnis", "Titelangaben", "Table", "toc 1", "table of figures"):
        assert name in names, name
    assert doc.styles["Normal"].font.name == "Arial"
    # headings are numbered by a Word list (1, 1.1, 1.1.1), list headings are not
    h1 = doc.styles["Heading 1"].element.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
    assert h1 is not None and h1.find(qn("w:numId")).get(qn("w:val")) == "1"
    for name in ("Verzeichnis", "TOC Heading"):
        num = doc.styles[name].element.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        assert num is not None and num.get(qn("w:val")) == "0", name
    numbering = doc.part.numbering_part.element
    abstract = next(
        a for a in numbering.findall(qn("w:abstractNum")) if a.get(qn("w:abstractNumId")) == "1"
    )
    levels = abstract.findall(qn("w:lvl"))
    texts = [lv.find(qn("w:lvlText")).get(qn("w:val")) for lv in levels[:3]]
    assert texts == ["%1", "%1.%2", "%1.%2.%3"]


@pytest.fixture(scope="module")
def ibb_docx(ibb: ReportResult):
    return docx.Document(str(ibb.files["docx"]))


@pytest.mark.slow
def test_page_setup_and_footer(ibb_docx):
    sec = ibb_docx.sections[-1]
    assert round(sec.page_width.cm, 1) == 21.0 and round(sec.page_height.cm, 1) == 29.7
    assert sec.orientation == 0  # portrait
    assert "PAGE" in _instr(sec.footer._element)
    settings = ibb_docx.settings.element
    assert settings.find(qn("w:updateFields")) is None  # Word does not ask to update fields


@pytest.mark.slow
def test_captions_are_word_fields_numbered_through(ibb, ibb_docx):
    body = ibb_docx.element.body
    seq = {"Abbildung": [], "Tabelle": []}
    for p in body.iter(qn("w:p")):
        for ins in _instr(p):
            m = re.match(r"SEQ (Abbildung|Tabelle)\b", ins)
            if m:
                seq[m.group(1)].append(_text(p))
    n_fig = len(list(body.iter(f"{WP}docPr")))
    assert n_fig >= len(ibb.figures) >= 10
    assert len(seq["Abbildung"]) == n_fig
    assert [int(re.match(r"Abbildung (\d+):", t).group(1)) for t in seq["Abbildung"]] == list(
        range(1, n_fig + 1)
    )
    assert len(seq["Tabelle"]) >= 5
    assert all(t.startswith(f"Tabelle {i}:") for i, t in enumerate(seq["Tabelle"], start=1))


@pytest.mark.slow
def test_contents_and_lists_are_prefilled_fields_in_german(ibb_docx):
    body = ibb_docx.element.body
    paras = list(body.iter(qn("w:p")))
    texts = [_text(p).strip() for p in paras]
    assert "Table of Contents" not in texts
    assert "Inhalt" in texts
    for heading in ("Abbildungsverzeichnis", "Tabellenverzeichnis", "Quellenverzeichnis"):
        styles = {_style(p) for p, t in zip(paras, texts, strict=True) if t == heading}
        assert styles == {"toc1", "Verzeichnis"}, heading  # unnumbered heading + its entry
    instr = _instr(body)
    toc = [i for i in instr if i.startswith("TOC \\o")]
    assert len(toc) == 1
    assert 'TOC \\h \\z \\c "Abbildung"' in instr and 'TOC \\h \\z \\c "Tabelle"' in instr
    # the cached results: one linked entry per chapter heading, per figure and per table
    bookmarks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    entries = [p for p in paras if _style(p) in ("toc1", "toc2")]
    figures = [p for p in paras if _style(p) == "tableoffigures"]
    headings = [p for p in paras if _style(p) in ("Heading1", "Heading2")]
    assert len(entries) >= len(headings) + 3  # + the three lists
    assert _text(entries[0]).strip() == "Abbildungsverzeichnis"
    assert any(re.match(r"^1\u2002Demografi", _text(p)) for p in entries)
    assert any(re.match(r"^1\.1\u2002", _text(p)) for p in entries)
    n_fig = len(list(body.iter(f"{WP}docPr")))
    assert sum(_text(p).startswith("Abbildung ") for p in figures) == n_fig
    for p in entries + figures:
        link = p.find(qn("w:hyperlink"))
        assert link is not None and link.get(qn("w:anchor")) in bookmarks, _text(p)


@pytest.mark.slow
def test_images_have_alt_text_with_a_data_summary(ibb_docx):
    prs = list(ibb_docx.element.body.iter(f"{WP}docPr"))
    assert prs
    for pr in prs:
        descr = pr.get("descr", "")
        assert pr.get("title") and descr.startswith(pr.get("title").rstrip(".")), descr
        assert " Werte von " in descr, descr  # '…: 4 Werte von 9,9 (Ibbenbüren) bis …'


@pytest.mark.slow
def test_tables_repeat_header_and_sources_follow(ibb_docx):
    body = ibb_docx.element.body
    tables = list(body.iter(qn("w:tbl")))
    assert len(tables) >= 5
    for tbl in tables:
        first = tbl.find(qn("w:tr"))
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert tbl.find(f"{qn('w:tblPr')}/{qn('w:tblStyle')}").get(qn("w:val")) == "Table"
        nxt = tbl.getnext()
        assert nxt is not None and _style(nxt) == "Quelle", "source line under every table"
        assert _text(nxt).startswith("Quelle:")
    for p in body.iter(qn("w:p")):
        if _style(p) == "ImageCaption":
            nxt = p.getnext()
            while nxt is not None and nxt.tag != qn("w:p"):
                nxt = nxt.getnext()
            assert nxt is not None and _style(nxt) == "Quelle", _text(p)


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
        )
    return exe


@pytest.mark.slow
def test_libreoffice_renders_a4_pages_with_contents_and_page_numbers(ibb, tmp_path):
    from pypdf import PdfReader

    exe = _soffice()
    res = subprocess.run(
        [exe, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(tmp_path)]
        + [str(ibb.files["docx"])],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    pdf = tmp_path / (Path(ibb.files["docx"]).stem + ".pdf")
    assert pdf.exists(), res.stderr
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 15
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait
    pages = [p.extract_text() for p in reader.pages]
    # the large cover title may wrap after "Integrationsmonitoring", depending on the fonts installed
    cover = " ".join(pages[0].split())
    assert "Integrationsmonitoring Ibbenbüren" in cover and "Seite" not in cover
    assert pages[1].lstrip().startswith("Inhalt") and "Seite 2" in pages[1]
    assert "Abbildungsverzeichnis" in pages[1] and "Quellenverzeichnis" in pages[1]
    body = "\n".join(pages)
    assert "Abbildung 1:" in body and "Tabelle 1:" in body and "Quelle:" in body
    assert re.search(r"^1\s+Demografi", body, re.M)  # Word numbering of chapter 1

"""Generate the house-style Word reference document ibislib/report/templates/reference.docx.

Starts from pandoc's own default reference.docx (so every style pandoc writes exists) and sets
the ibis house style with python-docx: Arial, numbered headings (1, 1.1, 1.1.1 as a Word
multilevel list), caption styles for "Abbildung N:" / "Tabelle N:", a source-line style
("Quelle"), a table style, A4 portrait with margins, and a footer with a page-number field
(none on the title page). Run it again after changing the style; the result is committed:

    .venv/bin/python scripts/make_reference_docx.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import docx
import pypandoc
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

TARGET = Path(__file__).resolve().parents[1] / "ibislib" / "report" / "templates" / "reference.docx"

FONT = "Arial"
BLUE = RGBColor(0x0B, 0x3D, 0x63)
GREY = RGBColor(0x55, 0x55, 0x55)
#: numId of the heading list in numbering.xml (pandoc numbers its own lists from 1000 on)
HEADING_NUM_ID = 1


def pandoc_default(path: Path) -> None:
    subprocess.run(
        [
            pypandoc.get_pandoc_path(),
            "-o",
            str(path),
            "--print-default-data-file",
            "reference.docx",
        ],
        check=True,
    )


def set_font(style, size: float | None = None, bold: bool | None = None, color=None) -> None:
    f = style.font
    f.name = FONT
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(attr), None)
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if color is not None:
        f.color.rgb = color
    f.italic = False


def doc_defaults(doc) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        if child.tag in (qn("w:rFonts"), qn("w:lang")):
            rpr.remove(child)
    rpr.insert(
        0,
        parse_xml(
            f'<w:rFonts {nsdecls("w")} w:ascii="{FONT}" w:hAnsi="{FONT}" '
            f'w:cs="{FONT}" w:eastAsia="{FONT}"/>'
        ),
    )
    rpr.append(
        parse_xml(f'<w:lang {nsdecls("w")} w:val="de-DE" w:eastAsia="de-DE" w:bidi="ar-SA"/>')
    )


def heading_numbering(doc) -> None:
    """A multilevel list 1 / 1.1 / 1.1.1 bound to Heading 1-3 (Word's 'Überschriften-Liste')."""
    numbering = doc.part.numbering_part.element
    levels = []
    for i in range(9):
        text = ".".join(f"%{k + 1}" for k in range(i + 1))
        style = f'<w:pStyle w:val="Heading{i + 1}"/>' if i < 3 else ""
        levels.append(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{"decimal" if i < 3 else "none"}"/>'
            f'{style}<w:lvlText w:val="{text if i < 3 else ""}"/><w:lvlJc w:val="left"/>'
            f'<w:pPr><w:tabs><w:tab w:val="num" w:pos="{567 + 284 * i}"/></w:tabs>'
            f'<w:ind w:left="{567 + 284 * i}" w:hanging="{567 + 284 * i}"/></w:pPr></w:lvl>'
        )
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{HEADING_NUM_ID}">'
        '<w:multiLevelType w:val="multilevel"/>' + "".join(levels) + "</w:abstractNum>"
    )
    num = parse_xml(
        f'<w:num {nsdecls("w")} w:numId="{HEADING_NUM_ID}">'
        f'<w:abstractNumId w:val="{HEADING_NUM_ID}"/></w:num>'
    )
    # abstractNum elements must come before num elements
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    for i in range(3):
        ppr = doc.styles[f"Heading {i + 1}"].element.get_or_add_pPr()
        ppr.insert(
            0,
            parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{i}"/><w:numId w:val="{HEADING_NUM_ID}"/></w:numPr>'
            ),
        )


def unnumbered(style) -> None:
    """numId 0 switches off the heading numbering the style would inherit."""
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:numPr")):
        ppr.remove(old)
    ppr.insert(0, parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="0"/></w:numPr>'))


def paragraph_styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    set_font(normal, 10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Body Text", "First Paragraph", "Compact"):
        st = styles[name]
        st.paragraph_format.space_before = Pt(0)
        st.paragraph_format.space_after = Pt(3 if name == "Compact" else 6)
    sizes = {1: 16, 2: 13, 3: 11.5}
    for level, size in sizes.items():
        st = styles[f"Heading {level}"]
        set_font(st, size, bold=True, color=BLUE)
        pf = st.paragraph_format
        pf.space_before = Pt(18 if level == 1 else 12)
        pf.space_after = Pt(6)
        pf.keep_with_next = True
        pf.page_break_before = level == 1
    for name in ("Title", "Subtitle"):
        set_font(styles[name], 26 if name == "Title" else 14, bold=name == "Title", color=BLUE)
        styles[name].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    styles["Title"].paragraph_format.space_before = Pt(180)
    toc_heading = styles["TOC Heading"]
    set_font(toc_heading, 16, bold=True, color=BLUE)
    toc_heading.paragraph_format.page_break_before = True
    unnumbered(toc_heading)  # based on Heading 1, but "Inhalt" gets no chapter number
    # Caption (Word: "Beschriftung"); pandoc's Image/Table Caption are based on it
    caption = next(s for s in styles if s.style_id == "Caption")
    set_font(caption, 9, bold=True, color=BLUE)
    caption.paragraph_format.space_before = Pt(4)
    caption.paragraph_format.space_after = Pt(2)
    for name in ("Image Caption", "Table Caption"):
        st = styles[name]
        st.base_style = caption
        set_font(st, 9, bold=True, color=BLUE)
        st.paragraph_format.keep_with_next = name == "Table Caption"
    styles["Captioned Figure"].paragraph_format.keep_with_next = True
    quelle = styles.add_style("Quelle", WD_STYLE_TYPE.PARAGRAPH)
    quelle.base_style = normal
    quelle.quick_style = True
    set_font(quelle, 8, color=GREY)
    quelle.paragraph_format.space_before = Pt(2)
    quelle.paragraph_format.space_after = Pt(12)
    # the lines under the title (subtitle, AGS, Kreis, Stand …)
    titel = styles.add_style("Titelangaben", WD_STYLE_TYPE.PARAGRAPH)
    titel.base_style = normal
    set_font(titel, 11, color=GREY)
    titel.paragraph_format.space_after = Pt(2)
    # unnumbered headings of the lists (Abbildungsverzeichnis, Quellenverzeichnis …)
    verz = styles.add_style("Verzeichnis", WD_STYLE_TYPE.PARAGRAPH)
    verz.base_style = styles["Heading 1"]
    verz.quick_style = True
    unnumbered(verz)
    set_font(verz, 16, bold=True, color=BLUE)
    for level in (1, 2):
        name = f"toc {level}"
        st = (
            styles[name]
            if name in [s.name for s in styles]
            else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        )
        st.base_style = normal
        set_font(st, 10.5 if level == 1 else 10, bold=level == 1)
        st.paragraph_format.left_indent = Cm(0 if level == 1 else 0.8)
        st.paragraph_format.space_after = Pt(2 if level == 2 else 4)
        st.paragraph_format.space_before = Pt(4 if level == 1 else 0)
    tof = styles.add_style("table of figures", WD_STYLE_TYPE.PARAGRAPH)
    tof.base_style = normal
    set_font(tof, 9.5)
    tof.paragraph_format.left_indent = Cm(0)
    tof.paragraph_format.space_after = Pt(2)


def table_style(doc) -> None:
    """pandoc writes every table with style 'Table': thin rules, bold header with a rule below."""
    st = doc.styles["Table"].element
    for child in list(st):
        if child.tag in (qn("w:tblPr"), qn("w:tblStylePr"), qn("w:rPr"), qn("w:pPr")):
            st.remove(child)
    st.append(
        parse_xml(
            f'<w:pPr {nsdecls("w")}><w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/></w:pPr>'
        )
    )
    st.append(parse_xml(f'<w:rPr {nsdecls("w")}><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr>'))
    st.append(
        parse_xml(
            f"<w:tblPr {nsdecls('w')}><w:tblBorders>"
            '<w:top w:val="single" w:sz="8" w:space="0" w:color="333333"/>'
            '<w:bottom w:val="single" w:sz="8" w:space="0" w:color="333333"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="CCCCCC"/>'
            '</w:tblBorders><w:tblCellMar><w:left w:w="85" w:type="dxa"/>'
            '<w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        )
    )
    st.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/><w:color w:val="0B3D63"/></w:rPr>'
            '<w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="333333"/>'
            '</w:tcBorders><w:shd w:val="clear" w:color="auto" w:fill="EAF0F6"/></w:tcPr></w:tblStylePr>'
        )
    )


def field_run(paragraph, instr: str, shown: str) -> None:
    """A complex field (begin, instruction, separate, cached result, end)."""

    def fld(kind: str):
        r = OxmlElement("w:r")
        c = OxmlElement("w:fldChar")
        c.set(qn("w:fldCharType"), kind)
        r.append(c)
        paragraph._p.append(r)

    fld("begin")
    r = OxmlElement("w:r")
    t = OxmlElement("w:instrText")
    t.set(qn("xml:space"), "preserve")
    t.text = f" {instr} "
    r.append(t)
    paragraph._p.append(r)
    fld("separate")
    paragraph.add_run(shown)
    fld("end")


def page_setup(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.5)
    sec.top_margin, sec.bottom_margin = Cm(2.2), Cm(2.4)
    sec.header_distance, sec.footer_distance = Cm(1.2), Cm(1.2)
    sec.different_first_page_header_footer = True  # no page number on the title page
    footer = sec.footer
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    p.add_run("Seite ")
    field_run(p, "PAGE", "2")
    for run in p.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = GREY
    sec.first_page_footer.is_linked_to_previous = False


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "pandoc-reference.docx"
        pandoc_default(base)
        doc = docx.Document(str(base))
    doc_defaults(doc)
    paragraph_styles(doc)
    heading_numbering(doc)
    table_style(doc)
    page_setup(doc)
    props = doc.core_properties
    props.title, props.author, props.language = "ibis Hausstil", "ibis", "de-DE"
    props.comments = "Referenzdokument für pandoc --reference-doc (scripts/make_reference_docx.py)"
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(TARGET))
    print(f"geschrieben: {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

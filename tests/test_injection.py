"""Text from data is shown, never run: markup in district, municipality and survey labels is
escaped in HTML (and SVG), Markdown in data makes no links, and a cell like
``=HYPERLINK(…)`` is a text cell in XLSX and plain text in DOCX, never a formula or a field."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ibislib import escape, publish

ROOT = Path(__file__).resolve().parents[1]
IBB = ROOT / "data" / "raw" / "ibbenbueren" / "lieferung_2022.csv"
SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example/","klick")'
MARKDOWN = "*Püssel*büren [mehr](http://evil.example)"


@pytest.fixture
def published(monkeypatch, tmp_path):
    """Everything published (bundle, metadata) while the test runs; files go to tmp_path."""
    shown: list[tuple[dict, dict]] = []
    monkeypatch.setattr(publish, "_display", lambda bundle, meta: shown.append((bundle, meta)))
    publish.configure(out_dir=tmp_path, chapter="01")
    return shown


def _html(published) -> str:
    return "\n".join(b.get("text/html", "") + (m.get("html") or "") for b, m in published)


def _no_markup(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img src=x" not in html.lower() and "<b>" not in html and "<div onclick" not in html
    assert "<a " not in html and "href=" not in html


def _assert_text_cells(xlsx: Path, needle: str) -> None:
    """`needle` is in the workbook as a text cell, and no cell anywhere is a formula."""
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert any(c.value == needle and c.data_type == "s" for c in cells), xlsx
    assert not [c.coordinate for c in cells if c.data_type == "f"], xlsx
    with zipfile.ZipFile(xlsx) as z:
        sheets = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets"))
    assert "<f>" not in sheets and "<f " not in sheets


# ----------------------------------------------------------------------------- unit level


def test_markdown_renderer_escapes_html_and_makes_no_links():
    out = publish.markdown_to_html(
        f"In {SCRIPT} und <img src=x onerror=alert(1)> sowie [hier](http://evil.example) "
        "<http://evil.example> ![b](http://evil.example/b.png)\n\n<div onclick='x'>Block</div>"
        "\n\n## Überschrift\n\n**fett**"
    )
    assert "&lt;script&gt;" in out and "&lt;img" in out and "&lt;div" in out
    _no_markup(out)
    assert "<h2>Überschrift</h2>" in out and "<strong>fett</strong>" in out  # prose still works


def test_markdown_text_shows_data_as_typed():
    name = "*Alt*stadt_[Nord](http://evil.example) <b>#1</b> & `x`|y~"
    out = publish.markdown_to_html(f"Im Stadtteil {escape.markdown_text(name)} leben 12 Menschen.")
    assert "<em>" not in out and "<code>" not in out and "<b>" not in out
    text = re.sub(r"<[^>]+>", "", out)
    import html as _h

    assert name in _h.unescape(text)
    assert escape.markdown_text("Zeile 1\n\n# Zeile 2") == "Zeile 1 \\# Zeile 2"


def test_publish_escapes_every_text_from_data(published, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    name = f"{SCRIPT}<img src=x onerror=alert(1)>"
    publish.text(f"Zum 30.09.2022 lebten in {name} insgesamt 53.363 Menschen.")
    publish.note(f"Für {name} liegen keine Daten vor.")
    publish.table(
        pd.DataFrame({"Stadtteil": [SCRIPT, FORMULA], "Ausländer*innen": [2443, 775]}),
        name="stadtteile",
        caption=f"Ausländer*innen in {name}",
        source=FORMULA,
    )
    fig, ax = plt.subplots()
    ax.bar([SCRIPT, FORMULA], [1, 2])
    publish.figure(fig, name="abb_stadtteile", caption=f"Stadtteile von {name}", source=name)
    html = _html(published)
    _no_markup(html)
    assert "&lt;script&gt;" in html and FORMULA.replace('"', "&quot;") in html
    # the notebook keeps no Markdown rendering of the text (a viewer would run raw HTML)
    assert all("text/markdown" not in b for b, _ in published)
    _assert_text_cells(tmp_path / "01_stadtteile.xlsx", FORMULA)
    svg = (tmp_path / "01_abb_stadtteile.svg").read_text(encoding="utf-8")
    assert "<script" not in svg and "&lt;script&gt;" in svg


# ----------------------------------------------------------------------------- real paths


@pytest.fixture
def hostile_delivery(tmp_path) -> pd.DataFrame:
    """The real Ibbenbüren delivery with two districts renamed to a script and a formula."""
    from ibislib.sources import read

    text = IBB.read_text(encoding="utf-8")
    assert ";Innenstadt;" in text and ";Laggenbeck;" in text
    text = (
        text.replace(";Innenstadt;", f";{SCRIPT};")
        .replace(";Laggenbeck;", ';"' + FORMULA.replace('"', '""') + '";')
        .replace(";Püsselbüren;", f";{MARKDOWN};")
    )
    path = tmp_path / "lieferung_2022.csv"
    path.write_text(text, encoding="utf-8")
    df = read(path)
    assert {SCRIPT, FORMULA, MARKDOWN} <= set(df["district"])
    return df


def test_hostile_district_names_from_a_delivery(hostile_delivery, published, monkeypatch, tmp_path):
    """A delivery's Stadtteil '<script>…' / '=HYPERLINK(…)' through the chapter blocks that
    print districts (sentence, figure, table) and on into the DOCX: shown as text only."""
    import ibislib.indicators as indicators
    from ibislib.report import blocks

    real = indicators.compute
    monkeypatch.setattr(
        indicators, "compute", lambda *a, **k: real(*a, **{**k, "store": hostile_delivery})
    )
    unit = blocks.unit_of("05566028")  # (the compute cache is per store object)
    assert blocks.top_districts("ausl_anzahl_stadtteil", unit)
    assert (
        blocks.breakdown_figure("ausl_anzahl_stadtteil", unit, "district", sort=True) is not False
    )
    html = _html(published)
    _no_markup(html)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html or (
        "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    )
    assert "=HYPERLINK(" in html
    assert "*Püssel*büren [mehr](http://evil.example)" in html  # Markdown from data: as typed
    assert "<em>Püssel</em>" not in html
    for svg in tmp_path.glob("*.svg"):
        assert "<script" not in svg.read_text(encoding="utf-8")
    # DOCX from the same HTML (pandoc, as the report does): text runs, no field, no link
    from ibislib.report.render import to_docx

    target = to_docx(f"<html><body>{html}</body></html>", tmp_path, tmp_path / "t.docx", "Test")
    with zipfile.ZipFile(target) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "=HYPERLINK(" in xml
    body = re.sub(r"<w:sdt>.*?</w:sdt>", "", xml, flags=re.S)  # pandoc's own TOC field
    # the only fields are the house style's own (captions, lists, contents); data never
    # becomes a field instruction or a link target
    codes = re.findall(r"<w:instrText[^>]*>(.*?)</w:instrText>", body, flags=re.S)
    codes += re.findall(r'<w:fldSimple w:instr="([^"]*)"', body)
    for code in codes:
        assert code.split()[0] in {"SEQ", "TOC", "PAGE", "PAGEREF", "REF"}, code
        assert "evil" not in code and "HYPERLINK" not in code, code
    with zipfile.ZipFile(target) as z:
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    assert "evil.example" not in rels  # text and alt text only, never a link target


def test_workshop_matrix_entries_are_text_cells(tmp_path):
    from ibislib import workshops as w

    cm = pd.DataFrame(
        {"Nr.": [1, 2], "Herausforderung": [FORMULA, "-Sprachkurse"], "Ziel": ["@a", "+b"]}
    )
    target = w.write_xlsx(tmp_path / "anhang_matrix.xlsx", {"Herausforderungen": cm}, title="T")
    _assert_text_cells(target, FORMULA)
    wb = openpyxl.load_workbook(target)
    values = [c.value for row in wb.active.iter_rows() for c in row if c.value]
    assert {"-Sprachkurse", "@a", "+b"} <= set(values)  # as typed, no apostrophe added


def test_survey_labels_with_markup(published, tmp_path):
    """Question texts and answer labels from a codebook reach captions, tables, sentences."""
    from ibislib.survey import chapter
    from ibislib.survey import compare as cmp
    from ibislib.survey.io import example

    df, book = example("05566028")
    for code in book.battery("klima"):
        book.items[code].text = {"de": f"{code} {SCRIPT} {FORMULA} *fett* [x](http://evil.example)"}
    chapter.attitudes(chapter.Context(ags="05566028", name="Ibbenbüren", residents=df, book=book))
    html = _html(published)
    _no_markup(html)
    assert "&lt;script&gt;" in html and "<em>fett</em>" not in html
    for xlsx in tmp_path.glob("*.xlsx"):
        wb = openpyxl.load_workbook(xlsx)
        assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    # answer labels and group names in the comparison sentence
    cats = ["<b>voll</b>", "*zu*", "[nein](http://evil.example)"]
    small = pd.DataFrame(
        {"x": pd.Categorical(cats * 30, categories=cats, ordered=True), "g": ["a", "b", "a"] * 30}
    )
    res = cmp.compare(small, "x", "g", agree=cats[:2], n_resamples=199)
    out = publish.markdown_to_html(res.sentence({"a": "<i>A</i>", "b": "_B_"}))
    _no_markup(out)
    assert "<b>" not in out and "<i>" not in out and "<em>" not in out

"""The report build end to end: every chapter notebook executed for Ibbenbüren (municipal
delivery + official data) and Minden (official data only), exported without code, with numbered
figures at 300 dpi, a PDF with pages and images and a DOCX with embedded images.

The two reports are built once per session (papermill, fresh kernels) and shared by the tests.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from ibislib.report.build import ReportResult
from ibislib.report.outline import outline

pytestmark = pytest.mark.slow

#: Every chapter of the report outline (notebooks/report.yml): a chapter added there is built
#: and checked here, and a failing one fails this test.
CHAPTERS = [e.key for e in outline().chapters]


def _text(path: Path) -> str:
    """Visible text of an HTML file (tags stripped, entities decoded, whitespace collapsed)."""
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"<style.*?</style>", " ", s, flags=re.S)
    s = re.sub(r"<[^>]+>", " ", s)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(s))  # keep the narrow space before %


# the reports `ibb` and `minden` are built once per session in tests/conftest.py


@pytest.mark.parametrize("which", ["ibb", "minden"])
def test_chapters_build_without_errors(which, request):
    res: ReportResult = request.getfixturevalue(which)
    assert res.failed == {}
    assert res.chapters == CHAPTERS
    for key in ("html", "pdf", "docx", "manifest"):
        assert res.files[key].exists(), key
    # executed notebooks are kept next to the report
    for ch in res.chapters:
        assert (res.out_dir / "notebooks" / f"{ch}.ipynb").exists()


@pytest.mark.parametrize("which", ["ibb", "minden"])
def test_html_has_no_code_prompts_widgets_or_tracebacks(which, request):
    res: ReportResult = request.getfixturevalue(which)
    raw = res.files["html"].read_text(encoding="utf-8")
    for bad in (
        "Traceback",
        "<pre",
        "In&nbsp;[",
        "In [",
        "jp-InputArea",
        "widget-view",
        "import ",
        "publish.",
    ):
        assert bad not in raw, bad
    if not res.failed:
        assert 'class="ibis-error"' not in raw


def test_ibbenbueren_reproduces_concept_chapter_3_1(ibb):
    text = _text(ibb.files["html"])
    # sentences and numbers of the Ibbenbüren concept, chapter 3.1
    assert (
        "Zum 30.09.2022 lebten in Ibbenbüren insgesamt 53.363 Menschen; 9,9\u202f% davon (5.263 Personen)"
        in text
    )
    for number in (
        "2.443",
        "775",
        "510",
        "508",
        "3.138",
        "795",
        "637",
        "1.230",
        "318",
        "1.139",
        "2.828",
        "34,4\u202f%",
        "26,6\u202f%",
        "165",
        "78",
        "56",
    ):
        assert number in text, number
    assert "Ausländer*innen" in text  # the gender star survives Markdown
    # at least ten figures numbered across the report, listed in the Abbildungsverzeichnis
    numbers = [int(n) for n in re.findall(r"Abbildung (\d+):", text)]
    assert max(numbers) >= 10
    assert sorted(set(numbers)) == list(range(1, max(numbers) + 1))
    assert "Abbildungsverzeichnis" in text and "Quellenverzeichnis" in text and "Inhalt" in text
    assert "Quelle: " in text


def test_minden_says_what_is_missing(minden):
    text = _text(minden.files["html"])
    assert "Für Minden liegen keine Daten" in text
    assert "Abbildung 1:" in text  # official data still gives figures (population 2008-2015 …)


def test_figures_are_files_at_300_dpi(ibb):
    from PIL import Image

    assert len(ibb.figures) >= 10
    for svg in ibb.figures:  # one SVG per figure (every report has them), PNG and PDF beside
        png = svg.with_suffix(".png")
        with Image.open(png) as im:
            dpi = im.info["dpi"]
        assert round(dpi[0]) == 300 and round(dpi[1]) == 300, png
        assert svg.suffix == ".svg" and png.with_suffix(".pdf").exists()
    assert list((ibb.out_dir / "figures").glob("*.xlsx")), "tables are saved as XLSX too"


@pytest.mark.parametrize("which", ["ibb", "minden"])
def test_pdf_opens_with_pages_and_images(which, request):
    from pypdf import PdfReader

    res: ReportResult = request.getfixturevalue(which)
    reader = PdfReader(str(res.files["pdf"]))
    assert len(reader.pages) >= 4
    images = sum(len(page.images) for page in reader.pages)
    assert images >= len([f for f in res.figures])
    first = reader.pages[0].extract_text()
    assert "Integrationsmonitoring" in first.replace(
        "INTEGRATIONSMONITORING", "Integrationsmonitoring"
    )


@pytest.mark.parametrize("which", ["ibb", "minden"])
def test_docx_opens_with_images(which, request):
    import docx

    res: ReportResult = request.getfixturevalue(which)
    doc = docx.Document(str(res.files["docx"]))
    assert len(doc.inline_shapes) >= len(res.figures) > 0
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Abbildung 1:" in body and "Quelle:" in body


def test_manifest_records_inputs_parameters_versions(ibb):
    m = json.loads(ibb.files["manifest"].read_text(encoding="utf-8"))
    assert m["parameters"]["municipality"] == "05566028"
    assert m["inputs"]["data"] and all(len(h) == 64 for h in m["inputs"]["data"].values())
    assert list(m["inputs"]["notebooks"]) == [f"{c}.ipynb" for c in CHAPTERS]
    assert list(m["chapters"]) == CHAPTERS
    for key in ("ibislib", "python", "pandas", "matplotlib", "papermill", "weasyprint", "pandoc"):
        assert m["versions"][key]
    assert m["figures"] >= 10


def test_every_figure_has_alt_text_and_an_expandable_data_table(ibb):
    raw = ibb.files["html"].read_text(encoding="utf-8")
    figures = re.findall(
        r'<figure class="ibis-figure".*?</figure>\s*(<details.*?</details>)?', raw, re.S
    )
    assert len(figures) >= 10
    alts = re.findall(r'<figure class="ibis-figure"[^>]*><img [^>]*alt="([^"]*)"', raw)
    assert len(alts) == len(figures)
    for alt in alts:
        assert " Werte von " in html.unescape(alt), alt  # caption plus a data summary
    details = re.findall(
        r'<details class="ibis-data-table"><summary>Datentabelle zu Abbildung (\d+)</summary>'
        r"<table class=\"ibis-data\"><thead><tr>(.*?)</tr>",
        raw,
    )
    assert [int(n) for n, _ in details] == list(range(1, len(figures) + 1))
    assert all('<th scope="col"' in head for _, head in details)

"""Print layout (issue 10, item 6): no table wider than the text block, readable label columns,
repeated headers and unsplit rows, German hyphenation without broken words, DOCX widths."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

from ibislib import publish
from ibislib.paths import project_root
from ibislib.report import table_layout
from ibislib.report.hyphenation import hyphenator

CM = 72 / 2.54
RAW = project_root() / "data" / "raw"


# ----------------------------------------------------------------------------- hyphenation


def bad_breaks(hyphenated: str) -> list[str]:
    """Breaks no German typesetter makes: inside 'sch', 'ch', 'ck'; one letter at either end;
    a lone consonant inside ("Gast-a-r-bei-ter"; a vowel syllable as in "So-zi-a-le" is fine)."""
    pieces = hyphenated.split("-")
    bad = []
    for a, b in zip(pieces[:-1], pieces[1:], strict=True):
        if (a.endswith("s") and b.startswith("ch")) or (a.endswith("c") and b[:1] in "hk"):
            bad.append(f"{a}-{b}")
    if len(pieces) > 1:
        bad += [p for p in (pieces[0], pieces[-1]) if len(p) == 1]
        bad += [p for p in pieces[1:-1] if len(p) == 1 and p.lower() not in "aeiouäöüy"]
    return bad


def test_bad_break_check_finds_known_errors():
    # what pyphen's bundled LibreOffice dictionary gave (read as one level)
    assert bad_breaks("Ge-samt-s-chu-len") and bad_breaks("Ge-samts-chu-len")
    assert bad_breaks("Gast-a-r-bei-ter")
    assert not bad_breaks("Ge-samt-schu-len") and not bad_breaks("Zu-cker")


def _school_labels() -> list[str]:
    """The school types of the real GENESIS export (21111-01-03-4, third column)."""
    path = RAW / "regionalstatistik" / "21111-01-03-4.csv"
    with path.open(encoding="latin-1", newline="") as fh:
        labels = {row[2] for row in csv.reader(fh, delimiter=";") if len(row) > 3 and row[2]}
    return sorted(lab for lab in labels if re.search(r"schul", lab, re.I))


def _catalogue_titles() -> list[str]:
    from ibislib.indicators import catalog

    return sorted({e.title for e in catalog().values()})


def test_german_hyphenation_of_real_labels():
    labels = _school_labels()
    assert "Integrierte Gesamtschulen" in labels and len(labels) >= 8
    measures = RAW / "workshops_ibbenbueren" / "massnahmen.yml"  # the measures table's texts
    labels += [
        line
        for line in measures.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    labels += _catalogue_titles() + ["umgesetzt", "Gastarbeiter*innengeneration"]
    h = hyphenator()
    words = {w for lab in labels for w in re.findall(r"[A-Za-zÄÖÜäöüß]{6,}", lab)}
    broken = {w: h.inserted(w) for w in sorted(words) if bad_breaks(h.inserted(w))}
    assert not broken, broken
    assert h.inserted("Gesamtschulen") == "Ge-samt-schu-len"
    assert h.inserted("Ausländeranteil") == "Aus-län-der-an-teil"


def test_weasyprint_uses_the_german_patterns():
    import pyphen

    from ibislib.report.hyphenation import hyphenation_patterns, use_german_patterns

    use_german_patterns()
    lang = pyphen.language_fallback("de")
    assert Path(pyphen.LANGUAGES[lang]) == hyphenation_patterns()
    assert pyphen.Pyphen(lang="de").inserted("Gesamtschulen") == "Ge-samt-schu-len"


# ----------------------------------------------------------------------------- column plan


def test_label_column_gets_readable_width_and_wide_tables_are_tight():
    header = ["Kennzahl", "Stand", "Ibbenbüren", "Kreis Steinfurt", "Nordrhein-Westfalen"]
    rows = [
        [
            "Anteil der Ausländer*innen an den Einwohner*innen (%)",
            "31.12.2015",
            "9,9",
            "7,1",
            "11,5",
        ]
    ]
    p = table_layout.plan(header, rows, [False, False, True, True, True])
    assert not p.tight
    assert p.label == 0 and p.label_min_cm >= table_layout.LABEL_MIN_CM
    assert sum(p.widths()) == pytest.approx(table_layout.TEXT_WIDTH_CM)
    wide = table_layout.plan(
        ["Frage", *[f"Antwortkategorie{i}" for i in range(9)]],
        [["Wie bewerten Sie die Angebote?", *["12"] * 9]],
        [False, *[True] * 9],
    )
    assert wide.tight  # nine long unbreakable headers cannot fit 16 cm at 8,5 pt


def test_a_table_near_the_margin_is_snug_not_hyphenated():
    """A ring table like the Regionalverband Saarbrücken's: estimated within SLACK_CM of the
    16 cm block (it was set 0,2 cm wider). It gets the small type ('snug'), not the
    hyphenated headers of 'tight' ("Saarbrü-cken")."""
    header = ["Kennzahl", "Stand", "Regionalverband Saarbrücken", "Rang", "Median Ring"]
    header += ["Minimum", "Maximum", "n"]
    rows = [["Ausländer*innen im erwerbsfähigen Alter (%)", "31.12.2015", "76", "4 von 11"]]
    rows[0] += ["75", "74", "78", "11"]
    numeric = [False, False, True, False, True, True, True, True]
    p = table_layout.plan(header, rows, numeric)
    assert p.snug and not p.tight
    total = sum(p.minimum) - p.minimum[p.label] + p.label_min_cm
    assert table_layout.TEXT_WIDTH_CM - table_layout.SLACK_CM < total <= 16.0
    short = table_layout.plan(["Kennzahl", "Wert"], [["Bevölkerung", "1"]], [False, True])
    assert not short.snug and not short.tight


# ----------------------------------------------------------------------------- built PDF


def _chapters(tables: list[tuple[str, pd.DataFrame]]):
    from ibislib.report.collect import Chapter, Item

    items = [
        Item(
            "table", meta={"caption": cap, "source": "Quelle: Test", "html": publish.table_html(df)}
        )
        for cap, df in tables
    ]
    return [Chapter("01_test", "Test", items)]


@pytest.fixture(scope="module")
def layout_pdf(tmp_path_factory):
    from ibislib.report.assemble import assemble
    from ibislib.report.render import to_pdf

    out = tmp_path_factory.mktemp("layout")
    wide = pd.DataFrame(
        {
            "Integrationsmaßnahme": ["Sprachkurse für Eltern in Kindertageseinrichtungen"] * 3,
            **{f"Regionalverband Saarbrücken {i}": [1234567.0 + i, 2345.0, 12.0] for i in range(7)},
        }
    )
    labels = [
        f"Zeile Anfang{i} Anteil an den sozialversicherungspflichtig Beschäftigten am Wohnort "
        f"nach Integrierte Gesamtschulen Ende{i}"
        for i in range(45)
    ]
    long = pd.DataFrame(
        {
            "Kennzahl": labels,
            "Stand": ["30.06.2015"] * 45,
            "Völklingen": [11.7] * 45,
            "Regionalverband Saarbrücken": [9.3] * 45,
            "Saarland": [6.8] * 45,
            "Deutschland": [8.8] * 45,
        }
    )
    # long multi-word headers compete with the label column (Völklingen's Tabelle 3)
    squeezed = pd.DataFrame(
        {
            "Merkmal": [
                "Ausländeranteil an den sozialversicherungspflichtig Beschäftigten am Wohnort (%)",
                "Arbeitslose Ausländer*innen (Anzahl)",
            ],
            **{
                f"Anteil an allen Angeboten der Institutionen im Kreis {i} (%)": [12.5, 3.0]
                for i in range(5)
            },
        }
    )
    doc = assemble(
        _chapters([("Breite Tabelle", wide), ("Lange Tabelle", long), ("Enge", squeezed)]),
        title="Test",
        subtitle="",
        meta_lines=[],
        figures_dir=out,
        mode="pdf",
    )
    return to_pdf(doc.html, out, out / "layout.pdf")


def test_no_char_beyond_the_text_block(layout_pdf):
    import pdfplumber

    with pdfplumber.open(str(layout_pdf)) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            right = float(page.width) - 2.5 * CM + 1.0
            over = [c["text"] for c in page.chars if c["x1"] > right]
            assert not over, f"S. {n}: {''.join(over)[:60]}"


def test_label_column_width_header_repeat_and_rows_unsplit(layout_pdf):
    import pdfplumber

    with pdfplumber.open(str(layout_pdf)) as pdf:
        pages = [p for p in pdf.pages if "Zeile" in (p.extract_text() or "")]
        assert len(pages) >= 2, "the long table should run over a page break"
        for page in pages:
            words = page.extract_words()
            heads = [w for w in words if w["text"] == "Kennzahl"]
            assert heads, "header row repeated on every page of the table"
            stand = next(w for w in words if w["text"] == "Stand")
            label_width = (stand["x0"] - heads[0]["x0"]) / CM
            assert label_width >= 3.8, f"label column only {label_width:.1f} cm"
        for i in range(45):  # each row's first and last word lie on the same page
            on = [
                n
                for n, page in enumerate(pages)
                for token in (f"Anfang{i}", f"Ende{i}")
                if any(w["text"] == token for w in page.extract_words())
            ]
            assert len(on) == 2 and on[0] == on[1], (i, on)


def test_label_column_not_squeezed_by_long_headers(layout_pdf):
    import pdfplumber

    with pdfplumber.open(str(layout_pdf)) as pdf:
        page = next(p for p in pdf.pages if "Merkmal" in (p.extract_text() or ""))
        words = page.extract_words()
    label = next(w for w in words if w["text"] == "Merkmal")
    head = [  # the header cells beside "Merkmal" (the long table's labels above say "Anteil" too)
        w
        for w in words
        if w["text"] == "Anteil" and label["top"] - 80 <= w["top"] <= label["bottom"]
    ]
    nxt = min(w["x0"] for w in head)
    width = (nxt - label["x0"]) / CM
    assert width >= table_layout.LABEL_MIN_CM - 0.1, f"label column only {width:.1f} cm"


def test_no_broken_words_in_the_pdf(layout_pdf):
    """Every word the PDF breaks at a line end is broken where the German patterns allow."""
    import pdfplumber

    h = hyphenator()
    with pdfplumber.open(str(layout_pdf)) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
    joins = re.findall(r"([A-Za-zÄÖÜäöüß]+)[\u2010-]\n([a-zäöüß]+)", text)
    assert joins, "the narrow cells should hyphenate somewhere"
    wrong = {f"{a}-{b}" for a, b in joins if len(a) not in h.positions(a + b)}
    assert not wrong, wrong
    assert not any(bad_breaks(f"{a}-{b}") for a, b in joins)


# ----------------------------------------------------------------------------- DOCX


def test_docx_columns_fixed_and_rows_unsplit(tmp_path):
    docx = pytest.importorskip("docx")
    from docx.oxml.ns import qn

    from ibislib.report.assemble import assemble
    from ibislib.report.render import to_docx

    df = pd.DataFrame(
        {
            "Kennzahl": [
                "Anteil der Ausländer*innen an den sozialversicherungspflichtig Beschäftigten"
            ]
            * 3,
            "Stand": ["30.06.2015"] * 3,
            **{f"Region {i}": [1503.0, 11.7, 9.7] for i in range(4)},
        }
    )
    doc = assemble(
        _chapters([("Tabelle", df)]),
        title="T",
        subtitle="",
        meta_lines=[],
        figures_dir=tmp_path,
        mode="docx",
    )
    target = to_docx(doc.html, tmp_path, tmp_path / "t.docx", title="T")
    table = docx.Document(str(target)).tables[0]
    widths = [c.width.cm for c in table.rows[0].cells]
    assert sum(widths) == pytest.approx(16.0, abs=0.1)
    assert widths[0] >= table_layout.LABEL_MIN_CM
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    for row in table.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None


# ----------------------------------------------------------------------------- PDF images


def test_prepared_figure_streams_are_weasyprints_own(tmp_path):
    """The figure image streams made ahead in a thread (render.prepared_images) are byte for
    byte those WeasyPrint makes itself: same colour stream, same alpha mask, same keys."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pikepdf
    import weasyprint

    from ibislib.report import render

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 3])
    (tmp_path / "figures").mkdir()
    fig.savefig(tmp_path / "figures" / "f.png", dpi=100)
    plt.close(fig)
    page = '<html lang="de"><body><p>Abbildung</p><img src="figures/f.png" alt="x"></body></html>'

    def images(pdf_path: Path) -> list:
        with pikepdf.open(pdf_path) as pdf:
            return [
                (
                    x.read_raw_bytes(),
                    x.SMask.read_raw_bytes(),
                    sorted((k, str(v)) for k, v in x.items() if k not in ("/SMask", "/Length")),
                )
                for p in pdf.pages
                for x in p.get_images().values()
            ]

    if not weasyprint.__version__.startswith(render._SAME_IMAGE_STREAMS):
        pytest.skip(f"WeasyPrint {weasyprint.__version__}: its own image code is used")
    from weasyprint.images import RasterImage

    own = tmp_path / "own.pdf"
    weasyprint.HTML(string=page, base_url=str(tmp_path)).write_pdf(str(own))
    ahead = tmp_path / "ahead.pdf"
    with render.prepared_images(page, tmp_path):
        assert RasterImage.get_x_object is render._rgba_x_object
        assert list(render._PREPARED) == [str((tmp_path / "figures" / "f.png").resolve())]
        weasyprint.HTML(string=page, base_url=str(tmp_path)).write_pdf(str(ahead))
    assert not render._PREPARED and RasterImage.get_x_object is not render._rgba_x_object
    assert images(ahead) == images(own) and len(images(own)) == 1

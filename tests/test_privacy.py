"""Privacy: exported reports, figures and tables contain no microdata and no raw free text.

Builds the example report (chapters 05 and 06, HTML + DOCX) and scans every exported file –
HTML, DOCX text, XLSX cells, SVG text, executed notebooks – for respondent ids and the raw
open answers of the synthetic survey. Scrubbed example quotes are allowed: at most one per
theme, and only answers that contain no personal data.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ibislib.survey import frequencies as fq
from ibislib.survey.io import example
from ibislib.survey.open_answers import scrub

ID_PATTERNS = [re.compile(r"IBB-S-\d{4}"), re.compile(r"INST-S-\d{2}"), re.compile(r"ANG-S-\d{3}")]
PII = [
    "Aylin",
    "Demir",
    "example.org",
    "example.net",
    "example.com",
    "9876543",
    "1234567",
    "Musterstraße",
    "Beispielweg",
    "Lindenallee",
    "Kowalski",
    "Beckmann",
    "Haddad",
    "@",
]


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = "".join(
            z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml")
        )
    return re.sub(r"<[^>]+>", "", xml)


def _xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    return "\n".join(
        str(c)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    )


def exported_texts(root: Path) -> dict[str, str]:
    out = {}
    for p in root.rglob("*"):
        if not p.is_file():
            continue
        if p.suffix in {".html", ".svg", ".ipynb", ".json", ".md", ".txt"}:
            out[str(p)] = p.read_text(encoding="utf-8", errors="ignore")
        elif p.suffix == ".docx":
            out[str(p)] = _docx_text(p)
        elif p.suffix == ".xlsx":
            out[str(p)] = _xlsx_text(p)
    return out


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    try:
        from ibislib.report.build import build_report
    except ImportError:
        pytest.skip("Der Berichts-Builder (ibislib.report.build) fehlt noch")
    out = tmp_path_factory.mktemp("bericht") / "05566028"
    res = build_report(
        "05566028", formats=("html", "docx"), out=out, chapters=["05", "06"], progress=False
    )
    assert res.ok, res.failed
    return out


@pytest.mark.slow
def test_report_has_no_ids_no_raw_answers(report):
    texts = exported_texts(report)
    kinds = {Path(k).suffix for k in texts}
    assert {".html", ".docx", ".xlsx", ".svg"} <= kinds
    df, _ = example("05566028")
    raw = [a for a in df["bedeutung"].dropna().astype(str) if len(a) > 20]
    found_raw: set[str] = set()
    for name, text in texts.items():
        for pat in ID_PATTERNS:
            assert not pat.search(text), f"Befragten-ID in {name}"
        for token in PII:
            if token == "@":  # e-mail addresses only (html may contain '@' in CSS)
                assert not re.search(r"[\w.]+@example\.\w+", text), f"E-Mail-Adresse in {name}"
            else:
                assert token not in text, f"'{token}' in {name}"
        norm = re.sub(r"\s+", " ", text)
        found_raw |= {a for a in raw if a in norm}
    # only scrubbed example quotes may appear: few, and none that contained personal data
    assert len(found_raw) <= 6
    assert all(scrub(a) == a for a in found_raw)
    html = (report / "index.html").read_text(encoding="utf-8")
    assert "synthetische Beispieldaten" in html
    assert "Anhang" in html and "Stakeholder*innen" in html


@pytest.mark.slow
def test_every_figure_and_table_cites_synthetic_source(report):
    html = (report / "index.html").read_text(encoding="utf-8")
    chapter05 = html[
        html.find("Befragungen und Workshops", html.find("</nav>") if "</nav>" in html else 0) :
    ]
    sources = re.findall(r'class="ibis-source">([^<]*)<', chapter05)
    survey_sources = [s for s in sources if "befragung" in s.lower()]
    assert survey_sources and all("synthetische Beispieldaten" in s for s in survey_sources)


def test_frequency_tables_suppress_cells_below_five():
    df = pd.DataFrame(
        {"g": ["a"] * 12 + ["b"] * 30, "x": ["ja"] * 3 + ["nein"] * 9 + ["ja"] * 20 + ["nein"] * 10}
    )
    df["x"] = pd.Categorical(df["x"], categories=["ja", "nein"])
    f = fq.frequencies(df, "x", "g")
    shown = fq.display_table(f)
    cells = shown.drop(columns="Antwort")
    # the 3 of group a is hidden, and so is its complement in the same column (9 = 12 - 3)
    assert "3" not in cells["a: Anzahl"].tolist()
    assert "9" not in cells["a: Anzahl"].tolist()
    assert (cells == fq.SUPPRESSED).to_numpy().sum() >= 4
    visible = [
        int(v.replace(".", ""))
        for v in cells.filter(like="Anzahl").to_numpy().ravel()
        if v not in {fq.SUPPRESSED, ""}
    ]
    assert all(v == 0 or v >= 5 for v in visible)

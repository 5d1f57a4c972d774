"""Workshops: the transcribed challenges and measures of the Ibbenbüren concept, the synthetic
dots (consistent with the prioritisation in chapter 4), ranking, matrices and XLSX."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import openpyxl
import pytest

from ibislib import workshops as w
from ibislib.errors import DataMissingError, FormatError

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "data" / "raw" / "workshops_ibbenbueren"


@pytest.fixture(scope="module")
def ws():
    return w.load("05566028")


def test_challenges_as_in_chapter_3_3(ws):
    counts = {f["name"]: len(f["herausforderungen"]) for f in ws.fields}
    assert counts == {
        "Bildung und Arbeit": 15,
        "Beratung und Hilfestellung im Alltag": 13,
        "Wohnen und Mobilität": 5,
        "Zusammenleben und Freizeit": 9,
        "Transparenz und Vernetzung": 5,
    }
    m = w.challenge_matrix(ws)
    row = m[(m["Handlungsfeld"] == "Bildung und Arbeit") & (m["Nr."] == 9)].iloc[0]
    assert row["Herausforderung"].startswith("Auch bereits länger in Deutschland/ Ibbenbüren")
    assert "Gastarbeiter*innengeneration" in row["Zielgruppe"]
    assert row["Workshop"] == "priorisiert"
    # challenge 10 has two goals and two target groups
    ten = m[(m["Handlungsfeld"] == "Bildung und Arbeit") & (m["Nr."] == 10)].iloc[0]
    assert ten["Ziel"].count("\n") == 1
    wohnen = m[m["Handlungsfeld"] == "Wohnen und Mobilität"]
    assert (wohnen["Workshop"] == "an Politik und Verwaltung weitergegeben").all()
    assert not any("-\n" in t or "  " in t for t in m["Herausforderung"])


def test_prioritised_challenges_are_in_top_five(ws):
    r = w.ranking(ws)
    assert ws.synthetic_dots
    assert set(r["handlungsfeld"]) == {
        "Bildung und Arbeit",
        "Beratung und Hilfestellung im Alltag",
        "Zusammenleben und Freizeit",
        "Transparenz und Vernetzung",
    }
    prioritised = {
        "Bildung und Arbeit": {2, 4, 6, 9},
        "Beratung und Hilfestellung im Alltag": {1, 5, 10, 13},
        "Zusammenleben und Freizeit": {2, 3, 7, 8},
        "Transparenz und Vernetzung": {2, 3},
    }
    for field, nrs in prioritised.items():
        sub = r[r["handlungsfeld"] == field].set_index("nr")
        assert sub.loc[sorted(nrs), "top"].all(), field
        # the prioritised ones lead: every other challenge has fewer dots
        others = sub.drop(index=sorted(nrs))
        assert sub.loc[sorted(nrs), "punkte"].min() > others["punkte"].max(), field
        assert sub["punkte_anteil"].sum() == pytest.approx(100)
    tab = w.ranking_table(r, "Transparenz und Vernetzung")
    assert list(tab.columns) == ["Rang", "Nr.", "Herausforderung", "Punkte", "Anteil (%)", "Top 5"]


def test_participants_and_dots_consistent(ws):
    for wk in ws.dots:
        assert 30 <= wk["teilnehmende"] <= 50
        assert sum(wk["punkte"].values()) == wk["teilnehmende"] * wk["punkte_je_person"]


def test_measures_matrix_of_chapter_4(ws):
    m = w.measures_matrix(ws)
    assert len(m) == 16
    for col in [
        "Maßnahme",
        "Herausforderung",
        "Ziel",
        "Zielgruppe",
        "Sozialraumbezug",
        "Stakeholder*innen",
        "Ressourcen/Finanzierung",
    ]:
        assert m[col].str.len().min() > 0, col
    rat = m[m["Nr."] == "4.3.3"].iloc[0]
    assert rat["Maßnahme"] == "Etablierung eines Integrationsrat"
    assert rat["Zielgruppe"].startswith("Verwaltung und Politik")
    assert m["Handlungsfeld"].value_counts().to_dict() == {
        "Bildung und Arbeit": 4,
        "Beratung und Hilfestellung im Alltag": 4,
        "Zusammenleben und Freizeit": 4,
        "Transparenz und Vernetzung": 4,
    }


def test_xlsx_appendix(ws, tmp_path):
    out = w.write_xlsx(
        tmp_path / "anhang.xlsx",
        {"Herausforderungen": w.challenge_matrix(ws), "Maßnahmen": w.measures_matrix(ws)},
        title="Anhang",
        source="Stadt Ibbenbüren",
    )
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Herausforderungen", "Maßnahmen"]
    ws2 = wb["Maßnahmen"]
    header = [c.value for c in ws2[3]]
    assert "Stakeholder*innen" in header and "Ressourcen/Finanzierung" in header
    assert ws2.max_row >= 3 + 16
    assert not list(tmp_path.glob(".anhang*"))  # no temp file left behind


def test_unknown_municipality_and_bad_files(tmp_path):
    with pytest.raises(DataMissingError):
        w.load("05770024")
    (tmp_path / "herausforderungen.yml").write_text(
        "handlungsfelder:\n  - name: X\n    herausforderungen:\n      - ziel: y\n", encoding="utf-8"
    )
    with pytest.raises(FormatError, match="'nr' fehlt"):
        w.load(tmp_path)
    (tmp_path / "herausforderungen.yml").write_text("handlungsfelder: [\n", encoding="utf-8")
    with pytest.raises(FormatError, match="kein gültiges YAML"):
        w.load(tmp_path)


def test_dots_are_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "mk", ROOT / "scripts" / "make_synthetic_survey.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    p = mod.generate_dots(tmp_path)
    assert p.read_bytes() == (FOLDER / "punkte_synthetisch.yml").read_bytes()


def test_find_folder_parsed_once_per_file_state(tmp_path, monkeypatch):
    """Issue 17: the municipality each workshop file names is parsed once per state of the
    files; an edited file (another municipality) is read again."""
    import os

    import yaml

    folder = tmp_path / "workshops_x"
    folder.mkdir()
    f = folder / "herausforderungen.yml"
    f.write_text("municipality: '05566028'\nhandlungsfelder: []\n", encoding="utf-8")
    parsed = []
    real = yaml.safe_load
    monkeypatch.setattr(w.yaml, "safe_load", lambda t: parsed.append(1) or real(t))
    assert w.find_folder("05566028", raw=tmp_path) == folder
    assert w.find_folder("05566028", raw=tmp_path) == folder
    assert w.find_folder("05566076", raw=tmp_path) is None
    assert len(parsed) == 1
    f.write_text("municipality: '05566076'\nhandlungsfelder: []\n", encoding="utf-8")
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert w.find_folder("05566076", raw=tmp_path) == folder
    assert w.find_folder("05566028", raw=tmp_path) is None

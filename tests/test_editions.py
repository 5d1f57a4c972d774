"""Editions of the monitoring: values per edition, change columns only where comparable,
"Was ist neu" from stored snapshots, synthetic example deliveries kept out of the store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ibislib import editions, store
from ibislib.indicators import catalog
from ibislib.sources import read

ROOT = Path(__file__).resolve().parents[1]
AGS = "05566028"
SYNTH = ROOT / "data" / "synthetic" / "ibbenbueren"


@pytest.fixture(scope="module")
def small_store() -> pd.DataFrame:
    """The shipped store, only Ibbenbüren (fast enough for every comparison)."""
    df = store.load()
    return df[df["region"] == AGS]


@pytest.fixture(autouse=True)
def own_editions_dir(tmp_path, monkeypatch):
    """Snapshots go to a temporary folder, never into the project's data/processed/."""
    monkeypatch.setattr(editions, "editions_dir", lambda: tmp_path / "editions")


def test_deliveries_real_and_synthetic():
    found = editions.deliveries(AGS)
    assert list(found) == [2022, 2023, 2024]
    assert not found[2022].synthetic and found[2022].path.parent.name == "ibbenbueren"
    assert found[2023].synthetic and found[2024].synthetic


def test_real_delivery_wins_over_synthetic(tmp_path, monkeypatch):
    raw = tmp_path / "data" / "raw" / "stadt"
    syn = tmp_path / "data" / "synthetic" / "stadt"
    for d in (raw, syn):
        d.mkdir(parents=True)
        (d / "lieferung_2023.csv").write_bytes((SYNTH / "lieferung_2023.csv").read_bytes())
    monkeypatch.setenv("IBIS_ROOT", str(tmp_path))
    found = editions.deliveries(AGS)
    assert list(found) == [2023] and not found[2023].synthetic


def test_synthetic_deliveries_never_reach_the_store():
    df = store.load()
    assert not df["source"].astype(str).str.contains("SYNTHETISCH").any()
    assert not any("synthetic" in rel for rel in store.read_manifest()["files"])


def test_synthetic_script_is_reproducible(tmp_path):
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_synthetic_editions.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for year in (2023, 2024):
        name = f"lieferung_{year}.csv"
        assert (tmp_path / name).read_bytes() == (SYNTH / name).read_bytes()
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.startswith("# SYNTHETISCHE") and "KEINE ECHTEN ZAHLEN" in text
        df = read(tmp_path / name)  # the normal delivery loader accepts it
        assert df["source"].str.startswith("SYNTHETISCH").all()
        assert set(df["period"].str[:4].astype(int)) <= {year - 3, year - 2, year - 1, year}


def test_edition_2024_changes_match_the_deliveries(small_store):
    comp = editions.compare(AGS, 2024, "Ibbenbüren", store=small_store)
    assert (comp.previous, comp.baseline) == (2023, 2022)
    assert comp.synthetic_years == [2023, 2024]
    rows = {r.indicator: r for r in comp.rows}
    # the change of the number of foreigners equals the difference of the delivered numbers
    by_year = {}
    for y in (2022, 2023, 2024):
        d = read(editions.deliveries(AGS)[y].path)
        sel = d[(d["measure"] == "bevoelkerung") & (d["nationality"] == "ausländisch")]
        sel = sel[(sel[["age_group", "district"]] == "insgesamt").all(axis=1)]
        by_year[y] = float(sel["value"].iloc[0])
    ind = catalog()["ausl_anzahl"]
    want_prev = editions.change_text(
        {"abs": by_year[2024] - by_year[2023], "pct": (by_year[2024] / by_year[2023] - 1) * 100},
        ind,
    )
    want_base = editions.change_text(
        {"abs": by_year[2024] - by_year[2022], "pct": (by_year[2024] / by_year[2022] - 1) * 100},
        ind,
    )
    assert rows["ausl_anzahl"].vs_previous == want_prev
    assert rows["ausl_anzahl"].vs_baseline == want_base
    assert rows["ausl_anzahl"].source == "Lieferung (synthetisch)"
    assert (
        "ist gestiegen" in rows["ausl_anzahl"].trend or "ist gesunken" in rows["ausl_anzahl"].trend
    )
    # a share changes in percentage points
    assert rows["ausl_anteil"].vs_previous.endswith("Prozentpunkte")
    # official values without a newer Stichtag are not compared, and say so
    official = [r for r in comp.rows if r.source == "amtliche Statistik"]
    assert official and all(r.vs_previous == "kein neuer Stichtag" for r in official)
    assert all(r.trend == "" for r in official)
    # the 2023 edition was never stored: rebuilt, and the reader is told what that means
    assert comp.previous_reconstructed
    assert any("nachgebildet" in n for n in comp.news)
    assert any(n.startswith("Neuer Stichtag: Ausländer*innen ") for n in comp.news)
    table = comp.table()
    assert list(table.columns) == [
        "Indikator",
        "Wert",
        "Stichtag",
        "Quelle",
        "Veränderung zu 2023",
        "Veränderung zu 2022",
    ]


def test_only_one_edition_says_no_comparison(small_store):
    comp = editions.compare(AGS, 2022, "Ibbenbüren", store=small_store)
    assert comp.only_one and comp.previous is None and comp.news == []
    assert {r.vs_previous for r in comp.rows} == {"keine Vorausgabe"}
    assert all(r.trend == "" for r in comp.rows)
    assert list(comp.table().columns) == ["Indikator", "Wert", "Stichtag", "Quelle"]
    title, subtitle, extra = editions.title_lines(AGS, "Ibbenbüren", 2022)
    assert title == "Ibbenbüren 2022" and "noch kein Vergleich" in subtitle
    assert not any("SYNTHETISCH" in e for e in extra)


def test_title_page_says_synthetic():
    title, subtitle, extra = editions.title_lines(AGS, "Ibbenbüren", 2024)
    assert title == "Ibbenbüren 2024"
    assert "Vergleich mit 2023" in subtitle and "2022" in subtitle
    assert any("SYNTHETISCHE BEISPIELDATEN" in e and "2023, 2024" in e for e in extra)


def test_stored_snapshot_shows_revisions(small_store):
    prev = editions.snapshot(AGS, 2023, small_store)
    official = next(k for k, v in prev["indicators"].items() if v["source"] == "amtlich")
    period, value = next(iter(prev["indicators"][official]["series"].items()))
    prev["indicators"][official]["series"][period] = value + 100  # as published back then
    editions.save(prev)
    comp = editions.compare(AGS, 2024, store=small_store)
    assert not comp.previous_reconstructed
    revised = [n for n in comp.news if n.startswith("Revidiert:")]
    assert len(revised) == 1 and catalog()[official].title in revised[0]


def test_whats_new_lists_new_and_dropped_indicators():
    cat = catalog()
    base = {
        "source": "Lieferung",
        "unit": "Anzahl",
        "note": "",
        "denominator_period": "",
        "series": {},
    }
    prev = {
        "edition": 2023,
        "delivery": {"file": "lieferung_2023.csv"},
        "indicators": {"ausl_anzahl": {**base, "period": "2023-09-30", "value": 1.0}},
    }
    cur = {
        "edition": 2024,
        "delivery": {"file": "lieferung_2024.csv"},
        "indicators": {"bev_insgesamt": {**base, "period": "2024-09-30", "value": 2.0}},
    }
    news = editions.whats_new(prev, cur, cat, reconstructed=False)
    assert "Neuer Indikator: Bevölkerung insgesamt (30.09.2024)." in news
    assert "Entfallen: Ausländer*innen (zuletzt 30.09.2023)." in news
    assert "Neue Lieferung der Stadt: lieferung_2024.csv." in news


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"source": "amtlich"}, "Quelle gewechselt"),
        ({"unit": "Prozent"}, "Einheit geändert"),
        ({"definition": "anders"}, "Definition"),
        ({"note": "ab 2011: nach dem Zensus 2011"}, "Zeitreihenbruch"),
        ({"denominator_period": "2020-12-31"}, "Stichtagsregel"),
        ({"flag": "-"}, "Zeichen „-“"),
    ],
)
def test_comparable_rule(change, reason):
    a = {
        "flag": "",
        "source": "Lieferung",
        "unit": "Anzahl",
        "definition": "x",
        "note": "",
        "period": "2024-09-30",
        "denominator_period": "",
    }
    assert editions.comparable(a, dict(a)) is None
    assert reason in editions.comparable({**a, **change}, a)


def test_change_text_signs_follow_shown_value():
    share = catalog()["ausl_anteil_65plus"]  # 0 decimals
    assert editions.change_text({"abs": -0.2, "pct": None}, share) == "±0 Prozentpunkte"
    count = catalog()["ausl_anzahl"]
    assert editions.change_text({"abs": 107.0, "pct": 1.85}, count) == "+107 (+1,9 %)"
    assert editions.change_text({"abs": -5.0, "pct": -0.4}, count) == "−5 (−0,4 %)"


def test_edition_notebooks_stored_thin_without_outputs():
    import io
    import tokenize

    import nbformat

    nbs = editions.edition_notebooks()
    assert [p.stem for p in nbs] == ["10_ausgabe", "11_massnahmen"]
    for p in nbs:
        nb = nbformat.read(str(p), as_version=4)
        assert nb.cells[0].source.startswith("# ")
        params = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and 'municipality = "05566028"' in params[0].source
        assert "edition = " in params[0].source
        for c in nb.cells:
            if c.cell_type != "code":
                continue
            assert c.outputs == [] and c.execution_count is None
            if c is params[0]:
                continue
            tokens = tokenize.generate_tokens(io.StringIO(c.source).readline)
            assert [t.string for t in tokens if t.type == tokenize.NUMBER] == []
            assert len(c.source.splitlines()) <= 8


def test_kreis_editions_show_a_real_official_trend():
    """Kreis Steinfurt, no city delivery: SvB am Arbeitsort 30.06.2023 and 30.06.2024 (real
    regionalstatistik.de tables) compared through the stored 2023 snapshot."""
    df = store.load()
    small = df[df["region"] == "05566"]
    editions.save(editions.snapshot("05566", 2023, small))
    comp = editions.compare("05566", 2024, "Kreis Steinfurt", store=small)
    assert (comp.previous, comp.baseline, comp.previous_reconstructed) == (2023, 2023, False)
    row = next(r for r in comp.rows if r.indicator == "svb_ausl_anteil_arbeitsort")
    raw = ROOT / "data" / "raw" / "genesis_flat"
    share = {}
    for y in (2023, 2024):
        t = read(raw / f"13111-01-03-4__svb_arbeitsort_nationalitaet_kreise_{y}-06-30.csv")
        t = t[(t["region"] == "05566") & (t["sex"] == "insgesamt")].set_index("nationality")
        share[y] = t.loc["ausländisch", "value"] / t.loc["insgesamt", "value"] * 100
    ind = catalog()["svb_ausl_anteil_arbeitsort"]
    assert row.period == "30.06.2024" and row.source == "amtliche Statistik"
    assert row.vs_previous == editions.change_text(
        {"abs": share[2024] - share[2023], "pct": None}, ind
    )
    assert row.vs_previous.startswith("+") and "gestiegen" in row.trend

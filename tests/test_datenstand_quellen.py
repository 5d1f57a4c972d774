"""Datenstand rules in the text (issue 10, item 2), sources from the data drawn and the
Quellenverzeichnis (item 4), sentences said once per chapter (item 5)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from ibislib import publish
from ibislib.report import blocks, citations, quality


def _values(table: dict[tuple[str, str], list[str]]):
    """Fake blocks.values: {(indicator, region): [periods]}."""

    def values(iid, regions, periods=None, keep=()):
        regions = [regions] if isinstance(regions, str) else list(regions)
        rows = [
            {"region": r, "region_name": "Ilm-Kreis", "period": p, "value": 1.0}
            for r in regions
            for p in table.get((iid, r), [])
            if periods is None or p in ([periods] if isinstance(periods, str) else periods)
        ]
        return pd.DataFrame(rows, columns=["region", "region_name", "period", "value"])

    return values


@pytest.fixture
def ilm(monkeypatch, tmp_path):
    publish.configure(out_dir=tmp_path)
    unit = SimpleNamespace(ags="16070", name="Ilm-Kreis", level="kreis")
    monkeypatch.setattr(blocks, "comparison_regions", lambda u: ["16070", "16", "DG"])
    monkeypatch.setattr(blocks, "reference_year", lambda u, p=None: blocks._year(p) if p else 2025)
    table = {
        ("bev_insgesamt", "16070"): ["2015-12-31", "2024-12-31"],
        ("ausl_anteil", "16070"): ["2015-12-31"],
        ("ausl_anteil", "DG"): ["2015-12-31", "2023-12-31"],
        ("ausl_altersstruktur", "16070"): ["2015-12-31"],
    }
    monkeypatch.setattr(blocks, "values", _values(table))
    shown: list[str] = []
    monkeypatch.setattr(blocks.publish, "text", shown.append)
    return unit, shown


def test_data_status_names_each_stichtag_and_what_is_old(ilm) -> None:
    unit, shown = ilm
    ids = ["bev_insgesamt", "ausl_anteil", "ausl_altersstruktur", "schutzsuchende_anzahl"]
    assert blocks.data_status(ids, unit)
    (line,) = shown
    assert line.startswith("Datenstand dieses Kapitels (Bezugsjahr des Berichts: 2025): 31.12.2024")
    # 2015 is older than two years before 2025: said plainly, with the article of the Kreis
    assert "Neuester verfügbarer Stand für den Ilm-Kreis: 31.12.2015 – Ausländeranteil" in line
    assert "Keine Daten für den Ilm-Kreis zu Schutzsuchenden." in line
    # the gate accepts the chapter's 2015 sentences after this line (same rule, same year)
    html = (
        '<section class="chapter" id="k1"><h1>1 Demografie</h1>'
        f"<p>{line}</p><p>Zum 31.12.2015 lebten im Ilm-Kreis 108.000 Menschen.</p></section>"
    )
    assert quality.check_old_data(quality._soup(html), "Ilm-Kreis") == []
    # without the line, a newer sentence of the report makes the 2015 sentence a finding
    bare = html.replace(f"<p>{line}</p>", "").replace(
        "</section>", "<p>Zum 30.06.2024 arbeiteten dort 40.000 Menschen.</p></section>"
    )
    found = quality.check_old_data(quality._soup(bare), "Ilm-Kreis")
    assert [f.kind for f in found] == ["alter_stand"]


def test_gate_takes_the_stated_bezugsjahr() -> None:
    html = (
        '<section class="chapter" id="k1"><h1>1 Arbeit</h1>'
        "<p>Datenstand dieses Kapitels (Bezugsjahr des Berichts: 2025): 30.06.2024 – Beschäftigte.</p>"
        '</section><section class="chapter" id="k2"><h1>2 Schule</h1>'
        "<p>Im Schuljahr 2022/23 hatten im Ilm-Kreis 5,0 % der Schüler*innen keinen deutschen Pass.</p>"
        "</section>"
    )
    soup = quality._soup(html)
    assert quality.reference_year(soup, None) == 2025
    found = quality.check_old_data(soup, "Ilm-Kreis")
    assert len(found) == 1 and "Bezugsjahr 2025" in found[0].message


def test_old_value_in_caption_and_table_column(ilm) -> None:
    unit, _ = ilm
    assert blocks.stand("2015-12-31", unit) == "31.12.2015 (neuester verfügbarer Stand)"
    assert blocks.stand("2024-12-31", unit) == "31.12.2024"
    assert blocks.stand("2015-12-31", unit, "2015-12-31") == "31.12.2015"  # asked for
    cap = blocks.with_stand("Ausländer*innen nach Altersgruppen, Ilm-Kreis", "2015-12-31", unit)
    assert cap == (
        "Ausländer*innen nach Altersgruppen, Ilm-Kreis, 31.12.2015 (neuester verfügbarer Stand)"
    )
    assert blocks.with_stand("Bevölkerung 2024", "2024-12-31", unit) == "Bevölkerung 2024"


def test_stale_note_follows_the_report_reference_year(ilm) -> None:
    unit, _ = ilm
    # the comparison levels are as old as the unit (2015), yet the report shows 2025 elsewhere
    note = blocks.stale_note("ausl_altersstruktur", unit)
    assert note == "Neuester verfügbarer Stand für den Ilm-Kreis: 31.12.2015."


def test_a_note_two_blocks_give_is_said_once_per_chapter(tmp_path) -> None:
    publish.configure(out_dir=tmp_path)
    rule = "Eine Karte wird erst ab 3 Gebieten mit Werten gezeichnet."
    assert blocks.first_time(rule) and not blocks.first_time(rule)
    publish.configure(out_dir=tmp_path)  # the next chapter says it again
    assert blocks.first_time(rule)


# ----------------------------------------------------------------------------- sources


def _store() -> pd.DataFrame:
    rdb = "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland"
    rows = [
        # Thüringen: the Regionaldatenbank table, Gemeinde table larger than the Kreis table
        ("schueler", "16070", "2015/16", "21111-01-03-4", f"{rdb}, Tabelle 21111-01-03-4"),
        ("bevoelkerung", "16070", "2015-12-31", "12411-01-01-5", f"{rdb}, Tabelle 12411-01-01-5"),
        ("bevoelkerung", "16070", "2015-12-31", "12411-01-01-4", f"{rdb}, Tabelle 12411-01-01-4"),
        (
            "bevoelkerung",
            "16070034",
            "2015-12-31",
            "12411-01-01-5",
            f"{rdb}, Tabelle 12411-01-01-5",
        ),
        # NRW: the IT.NRW school file and the city's delivery
        ("schueler", "05566028", "2021/22", "d07", "IT.NRW, Allgemeinbildende Schulen (D07.1)"),
        ("bevoelkerung", "05566028", "2022-09-30", "lief", "Stadt Ibbenbüren (Lieferung 2022)"),
        # a flat export citing the database without its publisher
        (
            "bevoelkerung",
            "05566",
            "2024-12-31",
            "flat",
            "Regionaldatenbank Deutschland, Tabelle 12411-01-01-4",
        ),
    ]
    df = pd.DataFrame(rows, columns=["measure", "region", "period", "table", "source"])
    return df.assign(value=1.0)


def test_sources_name_the_office_that_published_the_table() -> None:
    store = _store()
    th = pd.DataFrame({"region": ["16070"], "period": ["2015/16"]})
    assert citations.drawn("schueler_ausl_anteil", th, store) == [
        "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, Tabelle 21111-01-03-4"
    ]
    nw = pd.DataFrame({"region": ["05566028"], "period": ["2021/22"]})
    assert citations.drawn("schueler_ausl_anteil", nw, store) == [
        "IT.NRW, Allgemeinbildende Schulen (D07.1)"
    ]
    # the same number in two tables: the one the engine takes (most rows) is cited
    bev = pd.DataFrame({"region": ["16070"], "period": ["2015-12-31"]})
    assert citations.drawn("bev_insgesamt", bev, store) == [
        "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, Tabelle 12411-01-01-5"
    ]
    # municipal data only where the city's delivery was drawn
    assert citations.drawn(
        "bev_insgesamt", pd.DataFrame({"region": ["05566028"], "period": ["2022-09-30"]}), store
    ) == ["Stadt Ibbenbüren (Lieferung 2022)"]
    assert citations.drawn(
        "bev_insgesamt", pd.DataFrame({"region": ["05566"], "period": ["2024-12-31"]}), store
    ) == [
        "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, Tabelle 12411-01-01-4"
    ]


def test_catalogue_fallback_drops_other_land_office_and_municipal_data() -> None:
    cat = (
        "Statistische Ämter des Bundes und der Länder, Statistik der allgemeinbildenden Schulen; "
        "IT.NRW Schulstatistik; kommunale Melderegisterdaten"
    )
    assert citations.fallback(cat, "16", municipal=False) == (
        "Statistische Ämter des Bundes und der Länder, Statistik der allgemeinbildenden Schulen"
    )
    assert "IT.NRW Schulstatistik" in citations.fallback(cat, "05", municipal=False)
    assert citations.LAND_OFFICES["16"] == "Thüringer Landesamt für Statistik"
    assert citations.LAND_OFFICES["05"] == "IT.NRW"


def test_quellenverzeichnis_lists_each_source_once() -> None:
    lines = [
        "Quelle: Kommunale Melderegisterdaten; eigene Berechnungen",
        "Quelle: kommunale Melderegisterdaten",
        "Quelle: Stadt Minden (Lieferung; Stand 30.09.2022)",
        "Quelle: IT.NRW; Stadt Minden (Lieferung; Stand 30.09.2022)",
    ]
    assert citations.unique(lines) == [
        "IT.NRW",
        "Kommunale Melderegisterdaten",
        "Stadt Minden (Lieferung; Stand 30.09.2022)",
    ]
    assert publish.join_sources(["A; eigene Berechnungen", "b (x; y); a"]) == (
        "A; B (x; y); eigene Berechnungen"
    )


def test_missing_data_says_why() -> None:
    minden = SimpleNamespace(ags="05770024", name="Minden", level="gemeinde", is_kreisfrei=False)
    why = blocks.why_missing("ausl_anteil", minden)
    assert why.startswith("Die amtliche Statistik veröffentlicht diese Zahlen nicht für einzelne")
    assert "nur für die Kreise und die Länder" in why
    assert blocks.why_missing("sgb2_ausl_anteil", minden) == (
        "Diese Daten liefert die Kommune selbst; eine Lieferung liegt nicht vor."
    )
    # a kreisfreie Stadt is covered by the Kreis tables: not "nicht für einzelne Gemeinden"
    muenster = SimpleNamespace(ags="05515000", name="Münster", level="gemeinde", is_kreisfrei=True)
    assert "nicht für einzelne" not in blocks.why_missing("ausl_anteil", muenster)


def test_a_long_listing_becomes_the_largest_groups(monkeypatch, tmp_path) -> None:
    publish.configure(out_dir=tmp_path)
    groups = ["0-3", "3-6", "6-10", "10-15", "15-18", "18-25", "25-30", "30-50"]
    df = pd.DataFrame(
        {
            "region": "16070",
            "region_name": "Ilm-Kreis",
            "period": "2022-12-31",
            "age_group": groups,
            "value": [1.0, 2, 3, 4, 5, 60, 70, 80],
        }
    )
    shown: list[str] = []
    monkeypatch.setattr(blocks, "values", lambda *a, **k: df)
    monkeypatch.setattr(blocks, "stale_note", lambda *a, **k: "")
    monkeypatch.setattr(blocks.publish, "text", shown.append)
    unit = SimpleNamespace(ags="16070", name="Ilm-Kreis")
    intro = "{zeit} verteilten sich die Ausländer*innen in {region_name} so:"
    assert blocks.listing_sentence("ausl_altersstruktur", unit, "age_group", intro=intro)
    (s,) = shown
    assert s.count(";") == 1 and "alle 8 Gruppen" in s  # not eight items in one sentence
    assert s.index("30 bis unter 50") < s.index("25 bis unter 30") < s.index("18 bis unter 25")


def test_a_comparison_across_denominator_rules_is_explained(monkeypatch) -> None:
    rows = []
    for year in (2014, 2015, 2016):
        rows.append(("05566", "Steinfurt", str(year), "2015-12-31"))  # one fixed Stichtag
        rows.append(("DG", "Deutschland", str(year), f"{year - 1}-12-31"))  # previous year-end
    full = pd.DataFrame(rows, columns=["region", "region_name", "period", "denominator_period"])
    full["value"] = 1.0
    monkeypatch.setattr(blocks, "values", lambda iid, regions, *a, **k: full)
    unit = SimpleNamespace(ags="05566028", name="Ibbenbüren")
    note = blocks.denominator_note("einbuergerungsquote", full, unit)
    assert note == (
        "Nenner nach unterschiedlicher Regel (Kreis Steinfurt: Bestand am 31.12.2015 für alle "
        "Jahre; Deutschland: Bestand am 31.12. des Vorjahres), nur eingeschränkt vergleichbar"
    )
    # one rule for all regions: nothing to explain
    same = full.assign(denominator_period=[f"{int(p) - 1}-12-31" for p in full["period"]])
    monkeypatch.setattr(blocks, "values", lambda iid, regions, *a, **k: same)
    assert blocks.denominator_note("einbuergerungsquote", same, unit) == ""
    # a published value beside a computed one
    pub = pd.DataFrame(
        {
            "region": ["05566028", "DG"],
            "region_name": ["Ibbenbüren", "Deutschland"],
            "period": ["2021", "2020"],
            "kind": ["berechnet", "veröffentlicht"],
            "note": ["", "Einbürgerungen je 100 Ausländer*innen am 31.12. des Vorjahres (AZR)"],
        }
    )
    mine = pd.DataFrame(
        {"region": ["05566028"], "period": ["2021"], "denominator_period": ["2022-09-30"]}
    )
    monkeypatch.setattr(blocks, "values", lambda iid, regions, *a, **k: mine)
    note = blocks.denominator_note("einbuergerungsquote", pub, unit)
    assert "Ibbenbüren: Bestand am 30.09.2022" in note
    assert "Deutschland: veröffentlichter Wert – Einbürgerungen je 100" in note


def test_quellenverzeichnis_groups_the_tables_of_one_database() -> None:
    rdb = "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland"
    srcs = [
        f"{rdb}, Tabelle 12411-01-01-5 (Stand 10.10.2017)",
        f"{rdb}, Tabelle 13111-01-03-4",
        "IT.NRW",
    ]
    assert citations.grouped(srcs) == [
        (rdb, ["Tabelle 12411-01-01-5 (Stand 10.10.2017)", "Tabelle 13111-01-03-4"]),
        ("IT.NRW", []),
    ]
    assert citations.grouped(srcs[1:]) == [(f"{rdb}, Tabelle 13111-01-03-4", []), ("IT.NRW", [])]


def test_zensus_and_register_in_one_table_get_a_note(monkeypatch) -> None:
    src = {
        "2021-12-31": "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland",
        "2022-05-15": "Statistische Ämter des Bundes und der Länder, Zensus 2022, Tabelle 1000A-0000",
        "2022-09-30": "Stadt Ibbenbüren (Lieferung für das Integrationskonzept 2022)",
    }
    monkeypatch.setattr(
        blocks,
        "values",
        lambda iid, region, period=None, keep=(): pd.DataFrame(
            {"region": [region], "period": [period]}
        ),
    )
    monkeypatch.setattr(citations, "drawn", lambda iid, df: [src[df["period"].iloc[0]]])
    unit = SimpleNamespace(ags="05566028", name="Ibbenbüren")
    note = blocks.count_kind_note(["bev_insgesamt"], unit, list(src))
    assert note == (
        "Werte aus unterschiedlichen Erhebungen (15.05.2022: Zensus 2022; 30.09.2022: "
        "Melderegister der Kommune; übrige Stichtage: amtliche Fortschreibung), nur "
        "eingeschränkt vergleichbar"
    )
    assert "15.05.2022: Zensus 2022" in note and "30.09.2022: Melderegister der Kommune" in note
    only = {p: src["2021-12-31"] for p in src}
    monkeypatch.setattr(citations, "drawn", lambda iid, df: [only[df["period"].iloc[0]]])
    assert blocks.count_kind_note(["bev_insgesamt"], unit, list(src)) == ""


def test_school_types_in_one_sentence_and_a_listing_with_the_old_stand(monkeypatch, tmp_path):
    """Real data of the Ilm-Kreis (Schuljahr 2023/24 from the current exports): not
    'Im Schuljahr 2023/24 hatten …' once per school type, but one sentence and a listing."""
    publish.configure(out_dir=tmp_path)
    shown: list[str] = []
    monkeypatch.setattr(blocks.publish, "text", shown.append)
    unit = blocks.unit_of("16070")
    assert blocks.breakdown_sentences("schueler_ausl_anteil", unit, "school_type")
    (s,) = shown
    assert s.count("Im Schuljahr ") == 1 and s.count("Im Schuljahr 2023/24") == 1
    assert "Weitere Schulformen: " in s and s.count("keine deutsche Staatsangehörigkeit") == 1


def test_a_kreis_is_named_with_its_designation() -> None:
    # "Für Steinfurt liegen keine Daten" would mean the town; the Kreis is "Kreis Steinfurt"
    assert blocks.unit_of("05566").name == "Kreis Steinfurt"
    assert blocks.unit_of("16070").name == "Ilm-Kreis"
    assert blocks.unit_of("10041").name == "Regionalverband Saarbrücken"
    assert blocks.unit_of("05515000").name == "Münster"  # a kreisfreie Stadt keeps its name
    assert blocks.unit_of("05566084").name == "Steinfurt"  # the town


def test_no_ring_for_a_land_says_why() -> None:
    from ibislib import peers
    from ibislib.errors import IbisError

    with pytest.raises(IbisError, match="Für das Saarland .*nicht aus Ländern"):
        peers.ring(blocks.unit_of("10"))


def test_compute_cache_clear_keeps_the_regions_asked_for(monkeypatch) -> None:
    """A long batch fills the per-region cache; clearing it must not drop regions of the
    same call (Bernau bei Berlin failed with KeyError '12060020' after 29 reports)."""
    from ibislib.indicators import compute, engine

    compute(["ausl_anteil"], ["05566028"])
    monkeypatch.setattr(engine, "MAX_CACHED_REGIONS", 1)
    df = compute(["ausl_anteil"], ["05566028", "05566"])
    assert {"05566028", "05566"} <= set(df["region"])

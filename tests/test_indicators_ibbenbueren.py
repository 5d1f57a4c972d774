"""The published figures of the Ibbenbüren concept (2022, chapter 3.1), computed by the engine
from the shipped municipal delivery."""

from __future__ import annotations

import pandas as pd
import pytest

from ibislib import indicators as ind
from ibislib import paths, text
from ibislib.sources import read

IBB = "05566028"


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    raw = paths.raw_dir()
    frames = [
        read(raw / "ibbenbueren" / "lieferung_2022.csv"),
        read(raw / "referenzwerte" / "referenzwerte.csv"),
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def result(store) -> pd.DataFrame:
    return ind.compute(regions=[IBB], store=store)


def one(result: pd.DataFrame, indicator_id: str, period: str | None = None, **dims) -> pd.Series:
    df = result[result["indicator_id"] == indicator_id]
    for dim in ("sex", "nationality", "age_group", "school_type", "district", "category"):
        df = df[df[dim] == dims.get(dim, "insgesamt")]
    if period:
        df = df[df["period"] == period]
    assert len(df) == 1, df
    return df.iloc[0]


def test_ausl_anteil_9_9_percent(result):
    row = one(result, "ausl_anteil", "2022-09-30")
    assert round(row["value"], 1) == 9.9
    assert (row["numerator"], row["denominator"]) == (5263, 53363)
    assert row["note"] == "Ausländer*innen: ohne deutsche Staatsangehörigkeit"  # footnote carried


def test_beschaeftigungsquote_31_percent_with_nearest_date_note(result):
    row = one(result, "beschaeftigungsquote_ausl", "2021-12-31")
    assert round(row["value"]) == 31
    assert row["numerator"] == 1230 and row["denominator"] == 795 + 3138
    assert row["denominator_period"] == "2022-09-30"
    assert "Nenner zum 30.09.2022 statt zum 31.12.2021" in row["note"]


def test_beschaeftigungsquote_lower_age_parameter(store):
    df = ind.compute(["beschaeftigungsquote_ausl"], [IBB], store=store, params={"lower_age": 15})
    # the delivery has no age group starting at 15: the engine must not guess
    assert df["value"].isna().all()
    assert "nicht alle Teile" in df["note"].iloc[0] or "Nenner fehlt" in df["note"].iloc[0]


def test_sgb2_ausl_anteil_40_percent(result):
    row = one(result, "sgb2_ausl_anteil", "2022-09-30")
    assert round(row["value"]) == 40
    assert (row["numerator"], row["denominator"]) == (1139, 2828)


def test_binationale_ehen_47_percent(result):
    row = one(result, "binationale_ehen_anteil", "2021")
    assert round(row["value"]) == 47
    assert (row["numerator"], row["denominator"]) == (22, 47)


def test_einbuergerungsquote_below_0_7_percent_with_note(result):
    row = one(result, "einbuergerungsquote", "2021")
    assert row["value"] < 0.7
    assert row["numerator"] == 34
    # rule: foreigners on 31.12.2020; the delivery has 30.09.2022 (district counts of
    # 31.12.2021 are not a total), so the nearest total is used and the note says so
    assert row["denominator"] == 5263
    assert "statt zum 31.12.2020" in row["note"]
    assert round(row["value"], 2) == round(34 / 5263 * 100, 2)


def test_ausl_anteil_erwerbsalter_75_percent(result):
    row = one(result, "ausl_anteil_erwerbsalter", "2022-09-30")
    assert round(row["value"]) == 75
    assert row["numerator"] == 795 + 3138


def test_unter18_from_complement_is_marked(result):
    row = one(result, "ausl_anteil_unter18", "2022-09-30")
    # 12-18 is not published: total minus 18+ (795+3138+251+53), 20 % in the concept
    assert row["numerator"] == 5263 - (795 + 3138 + 251 + 53)
    assert round(row["value"]) == 19  # the concept rounds 19,5 % to "20 %"
    assert "minus 18 Jahre und älter" in row["note"]


def test_districts_counts_and_missing_share(result):
    counts = result[
        (result["indicator_id"] == "ausl_anzahl_stadtteil") & (result["district"] != "insgesamt")
    ]
    assert dict(zip(counts["district"], counts["numerator"], strict=True)) == {
        "Innenstadt": 2443,
        "Alstedde/Schafberg": 775,
        "Laggenbeck": 510,
        "Püsselbüren": 508,
    }
    shares = result[
        (result["indicator_id"] == "ausl_anteil_stadtteil") & (result["district"] != "insgesamt")
    ]
    assert shares["value"].isna().all()  # no population by district in the delivery
    assert shares["note"].str.contains("Nenner fehlt").all()


def test_school_shares_fall_back_to_published_values(result):
    row = one(result, "schueler_ausl_anteil", "2021/22", school_type="Hauptschule")
    assert row["value"] == pytest.approx(34.4)
    assert "veröffentlichter Anteil" in row["note"]
    zwg = one(result, "schueler_zwg_anteil", "2021/22", school_type="Gymnasium")
    assert zwg["value"] == pytest.approx(26.6)


def test_integration_courses(result):
    b1 = one(result, "ik_zertifikat_anteil", "2019", category="niveau=B1")
    assert (b1["numerator"], b1["denominator"]) == (78, 78 + 56 + 15 + 41)
    assert one(result, "ik_teilnehmende", "2019")["value"] == 165


def test_lesehilfe_sentences(store):
    assert text.lesehilfe("ausl_anteil", IBB, store=store) == (
        "Zum 30.09.2022 lebten in Ibbenbüren insgesamt 53.363 Menschen; 9,9\u202f% davon "
        "(5.263 Personen) hatten keine deutsche Staatsangehörigkeit."
    )
    s = text.lesehilfe("sgb2_ausl_anteil", "Ibbenbüren", store=store)
    assert "2.828 Personen" in s and "1.139 Ausländer*innen (40\u202f%)" in s


def test_comparison_with_published_federal_value(store):
    assert text.comparison("einbuergerungsquote", IBB, store=store) == (
        "Die Einbürgerungsquote liegt mit 0,65\u202f% unter dem Bundeswert von 0,98\u202f% (2020)."
    )
    comp = ind.compare("einbuergerungsquote", IBB, store=store)
    fed = comp[comp["region"] == "DG"].iloc[0]
    assert fed["kind"] == "veröffentlicht" and "Integrationsmonitoring" in fed["source"]


def test_no_comparison_for_counts_and_missing_units(store):
    assert text.comparison("ausl_anzahl", IBB, store=store) is None
    assert text.lesehilfe("ausl_anteil", "05770024", store=store) is None
    assert (
        text.no_data("ik_teilnehmende", "05770024")
        == "Für Minden liegen keine Daten zu Integrationskursen vor."
    )

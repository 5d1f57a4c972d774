"""Loaders against real exports they were NOT written with (tests/fixtures/other_exports/).

Each file is a real public export (or a row subset with header and footer kept byte for byte);
provenance in tests/fixtures/other_exports/README.md. The expected numbers were read off the
files by eye, not produced by the loaders.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import ibislib
from ibislib import tidy
from ibislib.errors import FormatError
from ibislib.sources import sniff_format

HERE = Path(__file__).parent / "fixtures" / "other_exports"


def load(name: str):
    path = HERE / name
    df = ibislib.read(path)
    tidy.validate(df, str(path))
    return df


def one(df, **sel):
    """The single row matching the selection (dimensions not named must be 'insgesamt')."""
    mask = True
    for dim in tidy.DIMENSIONS:
        sel.setdefault(dim, tidy.TOTAL)
    for col, want in sel.items():
        mask = mask & (df[col] == want)
    rows = df[mask]
    assert len(rows) == 1, f"{len(rows)} rows for {sel}"
    return rows.iloc[0]


# ---------------------------------------------------------------- every fixture loads and validates

FORMATS = {
    "11111-01-01-4_00__SUBSET.csv": "genesis_table",
    "12613-01-01-4_00__SUBSET.csv": "genesis_table",
    "12613-01-01-5-B_00__SUBSET.csv": "genesis_table",
    "12711-01-03-4_00__SUBSET.csv": "genesis_table",
    "13312-01-04-4_00__SUBSET.csv": "genesis_table",
    "14111-01-02-4_00__SUBSET.csv": "genesis_table",
    "22221-01-01-4_00__SUBSET.csv": "genesis_table",
    "21111-02-06-4_00__SUBSET.csv": "genesis_table",
    "12211-0001_flat__SUBSET.csv": "genesis_flat",
    "13111-01-03-4_flat__SUBSET.csv": "genesis_flat",
    "12711-0008__SUBSET_data.json": "genesis_json",
    "ba_arbeitsuchende_ausländer_nachaltersgruppe_2016.csv": "ba_csv",
}
#: Files that are not one of our formats (must fail with a clear message) or not observations.
OTHER = {
    "12711-0008__SUBSET_structure.json",  # read together with its _data.json
    "GV100AD_301123__SUBSET_SH-Flensburg-Kiel-Dithmarschen.txt",  # regions, not observations
    "ba_tableau_beschäftigte_ausländer_nachaltersgruppe_2014.csv",  # outside every format
}


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_fixture_sniffed_loaded_validated(name):
    assert sniff_format(HERE / name) == FORMATS[name]
    df = load(name)
    assert len(df) > 0
    # a symbol never becomes a number
    assert (df["value"].isna() == (df["flag"].isin({"-", ".", "x", "/", "..."}))).all()


def test_every_fixture_is_listed_and_documented():
    files = {p.name for p in HERE.iterdir() if p.name != "README.md"}
    assert files == set(FORMATS) | OTHER
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    for name in files:
        assert name in readme, f"{name} has no provenance in README.md"


# ---------------------------------------------------------------- classic GENESIS "Tabelle" CSV


def test_flaeche_qkm_decimal_comma_and_dash():
    df = load("11111-01-01-4_00__SUBSET.csv")
    row = one(df, region="05566", period="2015-12-31")
    assert row["measure"] == "flaeche_km2" and row["unit"] == "km2"
    assert row["value"] == pytest.approx(1795.76)
    assert one(df, region="DG", period="2015-12-31")["value"] == pytest.approx(357385.71)
    assert one(df, region="16070", period="1995-12-31")["value"] == pytest.approx(843.32)
    gone = one(df, region="03159", period="2015-12-31")  # old Landkreis Göttingen: '-'
    assert math.isnan(gone["value"]) and gone["flag"] == "-"


def test_gestorbene_by_sex_two_years():
    df = load("12613-01-01-4_00__SUBSET.csv")
    assert one(df, region="05566", period="2015", sex="männlich")["value"] == 2263
    assert one(df, region="05770", period="2015")["value"] == 3651
    assert one(df, region="16070", period="1995", sex="weiblich")["value"] == 807
    assert "Tabelle 12613-01-01-4" in df["source"].iloc[0]


def test_gemeinden_b_table_eight_digit_keys_no_indent():
    df = load("12613-01-01-5-B_00__SUBSET.csv")
    assert one(df, region="01051001", period="2015")["value"] == 64
    assert one(df, region="01051001", period="2015")["region_name"] == "Albersdorf"
    assert one(df, region="01001000", period="2015", sex="weiblich")["value"] == 556
    assert one(df, region="16077001", period="2008")["value"] == 464
    zero = one(df, region="16077009", period="2008")  # Göllnitz: a real 0, not a symbol
    assert zero["value"] == 0 and zero["flag"] == ""
    assert one(df, region="01051002", period="2015")["flag"] == "-"


def test_wanderungen_year_line_age_in_stub_two_contents():
    df = load("12711-01-03-4_00__SUBSET.csv")
    assert set(df["period"]) == {"2015"}
    assert (
        one(df, region="01001", period="2015", measure="zuzuege_ueber_die_gemeindegrenzen")["value"]
        == 8670
    )
    assert (
        one(
            df,
            region="01001",
            period="2015",
            measure="fortzuege_ueber_die_gemeindegrenzen",
            sex="weiblich",
        )["value"]
        == 3433
    )
    assert (
        one(
            df,
            region="DG",
            period="2015",
            measure="zuzuege_ueber_die_gemeindegrenzen",
            age_group="0-18",
        )["value"]
        == 1063000
    )
    assert (
        one(
            df,
            region="031",
            period="2015",
            measure="zuzuege_ueber_die_gemeindegrenzen",
            age_group="65+",
        )["value"]
        == 5780
    )


def test_erwerbstaetige_in_thousands_become_counts():
    df = load("13312-01-04-4_00__SUBSET.csv")
    assert set(df["unit"]) == {"Anzahl"}
    assert one(df, region="05566", period="2014")["value"] == pytest.approx(214100)
    assert one(df, region="16070", period="2000")["value"] == pytest.approx(47400)
    bau = one(df, region="05770", period="2014", category="merkmal=Baugewerbe (F)")
    assert bau["value"] == pytest.approx(8200)
    assert one(df, region="05334002", period="2014")["flag"] == "."


def test_bundestagswahl_counts_and_percent_in_one_table():
    df = load("14111-01-02-4_00__SUBSET.csv")
    turnout = one(df, region="05566", period="2013-09-22", measure="wahlbeteiligung")
    assert turnout["unit"] == "Prozent" and turnout["value"] == pytest.approx(75.3)
    cdu = one(
        df,
        region="05566",
        period="2013-09-22",
        measure="gueltige_zweitstimmen",
        category="parteien=CDU/CSU",
    )
    assert cdu["value"] == 114287
    assert one(df, region="16077", period="1994-10-16", measure="wahlberechtigte")["value"] == 97253


def test_asylbewerberleistungen_mixed_header_row():
    df = load("22221-01-01-4_00__SUBSET.csv")
    assert one(df, region="05566", period="2015-12-31")["value"] == 7521
    assert one(df, region="05566", period="2015-12-31", sex="weiblich")["value"] == 2372
    assert one(df, region="05770", period="2015-12-31", age_group="25-50")["value"] == 2175
    assert one(df, region="16070", period="2010-12-31")["value"] == 125
    secret = one(df, region="06434", period="2015-12-31", category="merkmal=Grundleistungen")
    assert math.isnan(secret["value"]) and secret["flag"] == "."
    assert one(df, region="03402", period="2015-12-31", age_group="65+")["flag"] == "-"


def test_absolventen_year_stays_a_year_not_a_school_year():
    # "- Schuljahr -" in the title, but leavers are counted at the END of the school year:
    # "2015" must not become "2015/16" (only "Stichtag: Schuljahresbeginn" tables do that)
    df = load("21111-02-06-4_00__SUBSET.csv")
    assert set(df["period"]) == {"2015", "2014"}
    assert one(df, region="05566", period="2015")["value"] == 6074
    abi = one(
        df,
        region="05770",
        period="2015",
        sex="weiblich",
        category="schulabschluss=mit allgemeiner Hochschulreife",
    )
    assert abi["value"] == 891
    ohne = one(
        df, region="16070", period="2014", category="schulabschluss=ohne Hauptschulabschluss"
    )
    assert ohne["value"] == 52
    fhr = one(df, region="05119", period="2015", category="schulabschluss=mit Fachhochschulreife")
    assert math.isnan(fhr["value"]) and fhr["flag"] == "."


# ---------------------------------------------------------------- GENESIS ffcsv, older German header


def test_flat_german_header_regionaldatenbank():
    df = load("13111-01-03-4_flat__SUBSET.csv")
    assert set(df["period"]) == {"2023-06-30"}
    assert set(df["measure"]) == {"svb_arbeitsort"}
    row = one(df, region="05566", period="2023-06-30", nationality="ausländisch")
    assert row["value"] == 19223 and row["region_name"] == "Steinfurt, Kreis"
    assert one(df, region="DG", period="2023-06-30")["value"] == 34709056
    assert one(df, region="055", period="2023-06-30")["value"] == 991632
    assert df["source"].iloc[0] == "Regionaldatenbank Deutschland, Tabelle 13111-01-03-4"


def test_flat_german_header_wide_contents_thousands_and_symbols():
    df = load("12211-0001_flat__SUBSET.csv")
    # Mikrozensus is a GENESIS-Online table, not the Zensus database
    assert df["source"].iloc[0].startswith("Statistisches Bundesamt (Destatis)")
    assert df["measure"].nunique() == 5
    pop = one(
        df,
        region="DG",
        period="2023",
        measure="bevoelkerung_in_hauptwohnsitzhaushalten",
        sex="männlich",
    )
    assert pop["value"] == 41427 * 1000 and pop["unit"] == "Anzahl"
    slash = one(
        df,
        region="DG",
        period="2023",
        measure="erwerbslose_aus_hauptwohnsitzhaushalten",
        sex="männlich",
        age_group="75+",
    )
    assert math.isnan(slash["value"]) and slash["flag"] == "/"
    assert (
        one(
            df,
            region="DG",
            period="2023",
            measure="erwerbstaetige_aus_hauptwohnsitzhaushalten",
            age_group="0-15",
        )["flag"]
        == "x"
    )


def test_flat_german_header_bad_value_column_named(tmp_path):
    src = (HERE / "13111-01-03-4_flat__SUBSET.csv").read_text(encoding="utf-8")
    bad = tmp_path / "13111-01-03-4_flat.csv"
    bad.write_text(src.replace("__Anzahl\n", "\n", 1), encoding="utf-8")
    with pytest.raises(FormatError) as exc:
        ibislib.read(bad)
    assert "CODE__Bezeichnung__Einheit" in str(exc.value) and "Zeile 1" in str(exc.value)


# ---------------------------------------------------------------- GENESIS-Online JSON


def test_json_foreign_country_variable_is_a_breakdown_not_a_region():
    # 12711-0008 types 'Herkunfts-/Zielländer' (ST163 …) as REGION_CLASSIFYING next to DINSG
    df = load("12711-0008__SUBSET_data.json")
    assert set(df["region"]) == {"DG"} and set(df["nationality"]) == {"deutsch"}
    tr = one(df, period="2000", nationality="deutsch", category="herkunfts_ziellaender=Türkei")
    assert tr["value"] == 1385 and tr["measure"] == "zuzuege_aus_dem_ausland"
    assert (
        one(df, period="2001", nationality="deutsch", category="herkunfts_ziellaender=Ukraine")[
            "value"
        ]
        == 3347
    )
    assert one(df, period="2001", nationality="deutsch")["value"] == 193958  # %TOTAL%
    assert df["source"].iloc[0].endswith("Tabelle 12711-0008")


# ---------------------------------------------------------------- BA Statistik


def test_ba_arbeitsuchende_other_indicator_and_keine_angabe():
    df = load("ba_arbeitsuchende_ausländer_nachaltersgruppe_2016.csv")
    assert set(df["measure"]) == {"arbeitsuchende"} and set(df["period"]) == {"2016"}
    young = one(
        df, region="DG", period="2016", nationality="ausländisch", age_group="0-25", unit="Anzahl"
    )
    assert young["value"] == 151850  # '151.850': '.' is the thousands separator
    share = one(
        df, region="DG", period="2016", nationality="ausländisch", age_group="55+", unit="Prozent"
    )
    assert share["value"] == 11
    na = df[df["category"].str.contains("Keine Angabe") & (df["unit"] == "Anzahl")]
    assert na["value"].tolist() == [377.0]


def test_ba_dashboard_crosstab_is_refused_with_its_first_line():
    # a dashboard 'crosstab' download: nine blank lines, ',' separated, no region, no period
    name = "ba_tableau_beschäftigte_ausländer_nachaltersgruppe_2014.csv"
    with pytest.raises(FormatError) as exc:
        ibislib.read(HERE / name)
    msg = str(exc.value)
    assert name in msg and "Zeile 10" in msg and "MetrikSelector_Sozio" in msg
    with pytest.raises(FormatError, match="erste Zeile beginnt nicht mit 'Region'"):
        ibislib.read(HERE / name, format="ba_csv")


# ---------------------------------------------------------------- Gemeindeverzeichnis GV100AD


def test_gv100ad_aemter_and_kirchspielslandgemeinden():
    name = "GV100AD_301123__SUBSET_SH-Flensburg-Kiel-Dithmarschen.txt"
    assert sniff_format(HERE / name) == "gv100ad"
    df = ibislib.read(HERE / name).set_index("ags")
    assert df.loc["010515169", "art"] == "Kirchspielslandgemeinde"
    assert df.loc["010515163", "art"] == "Amt" and df.loc["010515163", "sitz"] == "Burg (Dith.)"
    assert df.loc["01051001", "bevoelkerung"] == 3774
    assert df.loc["01051001", "flaeche_km2"] == pytest.approx(17.12)
    assert df.loc["01002000", "bevoelkerung"] == 247717
    kleve = df.loc["01051060"]  # several postcodes ('*****' after the PLZ)
    assert kleve["plz"] == "25779" and kleve["name"] == "Kleve"
    assert df.loc["01051011", "name"] == "Brunsbüttel" and df.loc["01051011", "art"] == "Stadt"

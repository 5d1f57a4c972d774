"""Classic GENESIS table CSV loader: the 15 real regionalstatistik.de exports and broken variants."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import ibislib
from ibislib.errors import FormatError
from ibislib.sources import genesis_table, sniff_format
from ibislib.tidy import TOTAL

RAW = Path(__file__).parents[1] / "data" / "raw" / "regionalstatistik"
FILES = sorted(p.name for p in RAW.glob("*.csv"))


@pytest.fixture(scope="module")
def load():
    cache: dict[str, pd.DataFrame] = {}

    def _load(name: str) -> pd.DataFrame:
        if name not in cache:
            cache[name] = ibislib.read(RAW / name)
        return cache[name]

    return _load


def one(df: pd.DataFrame, **sel: str) -> pd.Series:
    """The single row matching `sel` (dimensions not given must be 'insgesamt')."""
    for dim in ("sex", "nationality", "age_group", "school_type", "category"):
        sel.setdefault(dim, TOTAL)
    mask = pd.Series(True, index=df.index)
    for col, val in sel.items():
        mask &= df[col] == val
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows for {sel}"
    return hit.iloc[0]


def test_all_fifteen_files_present():
    # 11 exports of 2017/2018 and 4 current ones (Schüler 2023/24, Absolvierende 2023, Arbeitslose 2025)
    assert len(FILES) == 15


@pytest.mark.parametrize("name", FILES)
def test_every_file_loads_validates_and_is_clean(name, load):
    assert sniff_format(RAW / name) == "genesis_table"
    df = load(name)  # ibislib.read validates
    assert len(df) > 1000
    table = name.split("_")[0].removesuffix(".csv")
    assert (df["table"] == table).all()
    assert (
        df["source"]
        .iloc[0]
        .startswith(
            "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, Tabelle "
            + table
            + " (Stand "
        )
    )
    assert not df["region_name"].str.startswith(" ").any()
    assert (df.loc[df["region"] == "DG", "region_name"] == "Deutschland").all()
    # a symbol never becomes a number, and every missing value has its symbol
    flagged = df["flag"].isin(["-", ".", "x", "/", "..."])
    assert df.loc[flagged, "value"].isna().all()
    assert (df.loc[df["value"].isna(), "flag"] != "").all()
    assert df["period"].str.fullmatch(r"\d{4}(-\d{2}-\d{2}|/\d{2})?").all()
    assert not df["source"].str.contains("lizen", case=False).any()


def test_svb_wohnort_gemeinden_ibbenbueren(load):
    df = load("13111-02-02-5_00.csv")
    ib = df[df["region"] == "05566028"]
    assert set(ib["region_name"]) == {"Ibbenbüren"}
    assert set(ib["period"]) == {"2015-06-30"}  # from the period line above the header
    assert set(ib["measure"]) == {"svb_wohnort"}
    assert one(ib, region="05566028")["value"] == 19893
    assert one(ib, region="05566028", nationality="ausländisch")["value"] == 979
    assert one(ib, region="05566028", nationality="ausländisch", sex="weiblich")["value"] == 325
    assert len(ib) == 6
    # leading zeros kept, Kreis level present
    assert one(df, region="01001")["region_name"] == "Flensburg, Kreisfreie Stadt"
    # "-" in the file (Arkebek has no foreign employees at its place of residence) is NaN + flag
    ark = one(df, region="01051002", nationality="ausländisch")
    assert math.isnan(ark["value"]) and ark["flag"] == "-"


def test_svb_arbeitsort_symbols_are_nan_with_flag(load):
    df = load("13111-01-03-5_00.csv")
    assert set(df["measure"]) == {"svb_arbeitsort"}
    ark = df[df["region"] == "01051002"]
    assert one(ark, region="01051002")["value"] == 13
    secret = one(ark, region="01051002", sex="männlich")
    assert math.isnan(secret["value"]) and secret["flag"] == "."
    assert (ark["value"] != 0).all()
    assert (df.loc[df["flag"] == ".", "value"].isna()).all()
    assert (df["flag"] == ".").sum() > 1000


def test_population_wide_layout_all_dates(load):
    df = load("12411-01-01-5_00.csv")
    ib = df[(df["region"] == "05566028") & (df["sex"] == TOTAL)].set_index("period")["value"]
    assert ib["2015-12-31"] == 50935
    assert ib["2008-12-31"] == 51581
    assert len(ib) == 8
    assert set(df["measure"]) == {"bevoelkerung"}
    # every Gemeinde of the four target areas
    for ags in ("05566028", "05770024", "10041519"):
        assert one(df, region=ags, period="2015-12-31")["value"] > 0
    assert df["region"].str.startswith("16070").sum() > 0


def test_regionalstatistik_verband_codes_become_canonical_keys(load):
    """regionalstatistik's own Verband codes become official keys; a Gemeinde's ARS is then
    written as its AGS (ibislib.ingest.normalise: one region-key rule for every loader)."""
    df = load("12411-01-01-5_00.csv")
    # '03151401002' (Samtgemeinde 401, Gemeinde 002) -> ARS 031515401002 -> AGS 03151002, Barwedel
    assert one(df, region="03151002", period="2015-12-31")["region_name"] == "Barwedel"
    assert one(df, region="03151002", period="2015-12-31")["value"] == 1000
    assert (
        one(df, region="031515401", period="2015-12-31")["region_name"]
        == "Boldecker Land, Samtgemeinde"
    )
    # Rheinland-Pfalz: '0713101001' -> 071315001001 (Adenau), verbandsfrei '0713100070' -> 07131070
    assert one(df, region="07131070", period="2015-12-31")["region_name"].startswith("Remagen")
    assert one(df, region="071315001", period="2015-12-31")["region_name"].startswith("Adenau")
    # Denkte changed its Samtgemeinde in 2015: two regions (their ARS), no duplicate key
    denkte = df[df["region_name"] == "Denkte"]
    assert set(denkte["region"]) == {"031585401008", "031585407008"}
    # Stolzenau left its Samtgemeinde: once in it (ARS), once verbandsfrei (AGS)
    stolzenau = df[df["region_name"] == "Stolzenau"]
    assert set(stolzenau["region"]) == {"032565410032", "03256032"}


def test_population_kreise_latin1(load):
    df = load("12411-01-01-4.csv")
    assert one(df, region="16070", period="2015-12-31")["value"] == 109620
    assert one(df, region="16070", period="2015-12-31", sex="männlich")["value"] == 55077
    assert one(df, region="16", period="2015-12-31")["region_name"] == "Thüringen"
    assert one(df, region="16070", period="2015-12-31")["region_name"] == "Ilm-Kreis"


def test_population_by_nationality_and_age_long_layout(load):
    df = load("12411-03-03-4_00.csv")
    ilm = df[(df["region"] == "16070") & (df["period"] == "2015-12-31")]
    assert one(ilm, age_group="18-20", nationality="ausländisch")["value"] == 166
    assert one(ilm, age_group="18-20", nationality="ausländisch", sex="männlich")["value"] == 111
    assert one(ilm, age_group="0-3", nationality="deutsch")["value"] == 2560
    assert one(ilm, age_group="90+")["value"] > 0
    assert one(ilm)["value"] == 109620  # the "Insgesamt" age row
    assert set(ilm["age_group"]) >= {"0-3", "20-25", "85-90", "90+", TOTAL}


def test_population_age_groups_subset(load):
    df = load("12411-02-03-5_00__SUBSET_05566_05770_10041_16070.csv")
    ib = df[df["region"] == "05566028"]
    assert one(ib, age_group="0-3")["value"] == 1371
    assert one(ib, age_group="75+")["value"] == 5290
    assert one(ib, age_group="65-75", sex="männlich")["value"] == 2314
    assert one(ib)["value"] == 50935
    assert one(ib, sex="weiblich")["value"] == 25759
    assert ib["age_group"].nunique() == 18
    assert set(df["period"]) == {"2015-12-31"}


def test_naturalisations_by_continent(load):
    df = load("12511-01-01-4.csv")
    assert set(df["measure"]) == {"einbuergerungen"}
    ilm = df[(df["region"] == "16070") & (df["period"] == "2011")]
    assert one(ilm)["value"] == 57
    assert one(ilm, category="kontinent=Europa")["value"] == 31
    aus = one(ilm, category="kontinent=Australien und Ozeanien")
    assert math.isnan(aus["value"]) and aus["flag"] == "-"
    assert set(df["period"]) == {str(y) for y in range(2011, 2017)}


def test_marriages_by_nationality_of_spouses(load):
    df = load("12611-01-01-4_00.csv")
    assert set(df["measure"]) == {"eheschliessungen"}
    ilm = df[(df["region"] == "16070") & (df["period"] == "2015")]
    assert one(ilm)["value"] == 466
    assert one(ilm, category="ehefrau=ausländisch|ehemann=deutsch")["value"] == 16
    assert one(ilm, category="ehefrau=deutsch|ehemann=ausländisch")["value"] == 10
    assert one(ilm, category="ehefrau=ausländisch|ehemann=ausländisch")["value"] == 2
    assert one(ilm, category="ehemann=ausländisch")["value"] == 12
    assert one(ilm, category="ehefrau=deutsch")["value"] == 448
    assert len(ilm) == 9


def test_unemployed_with_foreigners_and_groups(load):
    df = load("13211-01-03-5_00.csv")
    assert set(df["measure"]) == {"arbeitslose"}
    ib = df[df["region"] == "05566028"]
    assert set(ib["period"]) == {"2016"}  # "Jahr: 2016" line
    assert one(ib)["value"] == 1088
    assert one(ib, nationality="ausländisch")["value"] == 253
    assert one(ib, category="personengruppe=langzeitarbeitslos")["value"] == 327
    assert one(ib, category="personengruppe=schwerbehindert")["value"] == 91
    assert one(ib, age_group="15-25")["value"] == 142
    assert one(ib, age_group="55-65")["value"] == 192
    # a real 0 stays 0 (no symbol)
    ark = one(df, region="01051002", nationality="ausländisch")
    assert ark["value"] == 0 and ark["flag"] == ""


def test_schools_by_school_type(load):
    df = load("21111-01-03-4.csv")
    ilm = df[df["region"] == "16070"]
    assert set(ilm["period"]) == {"2015/16"}  # "2015" with "Stichtag: Schuljahresbeginn"
    assert one(ilm, measure="schulen", school_type="Gymnasien")["value"] == 4
    assert one(ilm, measure="schueler", school_type="Gymnasien")["value"] == 2127
    assert one(ilm, measure="schueler", school_type="Gymnasien", sex="weiblich")["value"] == 1132
    assert (
        one(ilm, measure="schueler", school_type="Gymnasien", nationality="ausländisch")["value"]
        == 24
    )
    assert (
        one(
            ilm,
            measure="schueler",
            school_type="Gymnasien",
            category="klassenstufe=7. Klassenstufe",
        )["value"]
        == 224
    )
    assert one(ilm, measure="schueler")["value"] == 8924  # school type "Insgesamt"
    blocked = one(ilm, measure="schulen")
    assert math.isnan(blocked["value"]) and blocked["flag"] == "x"
    assert one(ilm, measure="schulen", school_type="Hauptschulen")["value"] == 0


def test_metadata_footer_and_title():
    meta = genesis_table.metadata(RAW / "12411-01-01-4.csv")
    assert meta.table == "12411-01-01-4"
    assert meta.stand == "14.12.2017"
    assert meta.copyright == "Statistische Ämter des Bundes und der Länder"
    assert meta.encoding in {"cp1252", "latin-1"}
    assert meta.content == "Bevölkerungsstand"
    assert any("Zensus 2011" in f for f in meta.footnotes)
    # footnotes starting with dates ("01.01.2009") stay in the footer, never become data
    assert any("01.01.2009" in f for f in meta.footnotes)


# --------------------------------------------------------------------------------------------
# sniffing


def test_sniff_claims_only_genesis_tables(tmp_path):
    head = (RAW / "13111-02-02-5_00.csv").read_text(encoding="utf-8")[:4000]
    assert genesis_table.sniff(RAW / "x.csv", head)
    # same structure without the "GENESIS-Tabelle:" line (e.g. a Landesdatenbank export)
    assert genesis_table.sniff(RAW / "x.csv", head.split("\n", 1)[1])
    ffcsv = "statistics_code;statistics_label;time_code;time_label;time\n12411;Bevölkerung;JAHR;Jahr;2024\n"
    assert not genesis_table.sniff(tmp_path / "f.csv", ffcsv)
    ba = '"Region";"Deutschland";"Regionsschlüssel:";"d"\n"Merkmal";"2024"\n'
    assert not genesis_table.sniff(tmp_path / "b.csv", ba)
    assert not genesis_table.sniff(tmp_path / "s.csv", "id,submitdate,q1\n1,2024-01-01,3\n")


# --------------------------------------------------------------------------------------------
# quirks and malformed input (small files written for the test)

TITLE = "GENESIS-Tabelle: 99999-01-01-4\nTesttabelle;;;\nregionale Tiefe: Kreise;;;\nBevölkerungsstand (Anzahl);;;\n"
HEADER = ";;31.12.2015;31.12.2015\n;;Insgesamt;Ausländer(innen)\n"
FOOTER = '__________\n"© Statistische Ämter des Bundes und der Länder, Deutschland, 2017."\nStand: 10.10.2017 / 11:01:03\n'


def write(tmp_path: Path, body: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(body.encode(encoding))
    return p


def test_value_quirks(tmp_path):
    body = (
        TITLE
        + HEADER
        + "DG;Deutschland;(1234);12p\n"
        + "01;  Schleswig-Holstein;1.234,0;...\n"  # a count: decimals must be ,0 (rule 'count')
        + "01001;      Flensburg;/;0\n"
        + FOOTER
    )
    df = ibislib.read(write(tmp_path, body))
    dg = one(df, region="DG", period="2015-12-31")
    assert dg["value"] == 1234 and dg["flag"] == "()"
    assert one(df, region="DG", period="2015-12-31", nationality="ausländisch")["flag"] == "p"
    assert one(df, region="01", period="2015-12-31")["value"] == 1234.0
    later = one(df, region="01", period="2015-12-31", nationality="ausländisch")
    assert math.isnan(later["value"]) and later["flag"] == "..."
    assert one(df, region="01001", period="2015-12-31")["flag"] == "/"
    assert one(df, region="01001", period="2015-12-31")["region_name"] == "Flensburg"
    assert one(df, region="01001", period="2015-12-31", nationality="ausländisch")["value"] == 0
    assert df["source"].iloc[0] == (
        "Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland, "
        "Tabelle 99999-01-01-4 (Stand 10.10.2017)"
    )


def test_unknown_content_and_variable_become_slug_and_category(tmp_path):
    body = (
        "GENESIS-Tabelle: 99999-01-01-4\nTesttabelle;;;\n2016;;;\n"
        ";;Lebendgeborene;Lebendgeborene\n;;Familienstand der Mutter;Familienstand der Mutter\n"
        ";;Insgesamt;verheiratet\n;;Anzahl;Anzahl\nDG;Deutschland;792131;512000\n"
    )
    df = ibislib.read(write(tmp_path, body))
    assert set(df["measure"]) == {"lebendgeborene"}
    assert set(df["category"]) == {TOTAL, "familienstand_der_mutter=verheiratet"}
    assert set(df["period"]) == {"2016"}


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (HEADER + "DG;Deutschland;1;2\n", 1, "Titelblock"),
        (TITLE + HEADER + FOOTER, 6, "keine Datenzeilen"),
        (
            TITLE + HEADER + "DG;Deutschland;1;2\n__________\n01;Schleswig-Holstein;1;2\n",
            9,
            "Fußzeile",
        ),
        (TITLE.replace(";", ",") + HEADER.replace(";", ",") + "DG,Deutschland,1,2\n", 1, "';'"),
        (TITLE + HEADER + "DG;Deutschland;1;2\n01;Schleswig-Holstein;1\n", 8, "3 statt 4 Felder"),
        (TITLE + HEADER + "DG;Deutschland;1;?\n", 7, "Unbekanntes Zeichen '?'"),
        (TITLE + HEADER + "DG;Deutschland;n/a;2\n", 7, "'n/a'"),
        (TITLE + HEADER + "DG;Deutschland;12a3;2\n", 7, "Zahl nicht lesbar"),
        (TITLE + HEADER + "DG;Deutschland;;2\n", 7, "Leeres Feld"),
        (TITLE + HEADER + "DG;Deutschland;1;2\n1001;  Flensburg;1;2\n", 8, "führende Null"),
        (TITLE + HEADER + "DG;Deutschland;1;2\n1051001;  Albersdorf;1;2\n", 8, "führende Null"),
        (
            TITLE + HEADER + "DG;Deutschland;1;2\nXY1;  Irgendwo;1;2\n",
            8,
            "Ungültiger Regionalschlüssel",
        ),
        (TITLE + HEADER + "01;Schleswig-Holstein;1;2\n01;  Schleswig-Holstein;1;2\n", 8, "doppelt"),
        (TITLE + ";;Insgesamt;Ausländer(innen)\nDG;Deutschland;1;2\n", 5, "Kein Zeitraum"),
        (
            TITLE.replace("(Anzahl)", "(Mill. EUR)") + HEADER + "DG;Deutschland;1;2\n",
            4,
            "Mill. EUR",
        ),
        (TITLE + ";;2015;2015\n;;EUR;EUR\nDG;Deutschland;1;2\n", 5, "Einheit 'EUR'"),
    ],
    ids=[
        "no-title",
        "header-only",
        "footer-then-data",
        "comma-separated",
        "field-count",
        "unknown-symbol",
        "n/a",
        "bad-number",
        "empty-cell",
        "lost-zero-kreis",
        "lost-zero-gemeinde",
        "bad-code",
        "duplicate-region",
        "no-period",
        "unsupported-unit-title",
        "unsupported-unit-header",
    ],
)
def test_malformed_input_raises_format_error_with_line(tmp_path, body, line, words):
    path = write(tmp_path, body)
    with pytest.raises(FormatError) as exc:
        genesis_table.read(path)
    err = exc.value
    assert err.path == str(path)
    assert err.line == line, err.message
    assert words.lower() in err.message.lower(), err.message


def test_empty_file_is_refused(tmp_path):
    with pytest.raises(FormatError):
        ibislib.read(write(tmp_path, ""))


# Other layouts of the same format (GENESIS-Online and API "data/table" content): periods in
# rows without a region column, Länder by name, and a "Stichtag" variable row above the dates.
NATIONAL = (
    "Tabelle: 12411-0001\nBevölkerung: Deutschland, Stichtag;\nFortschreibung des Bevölkerungsstandes;\n"
    "Deutschland;\n;Bevölkerungsstand\n;Anzahl\n31.12.1950;50958125\n31.12.2023;83456045\n__________\n"
)
LAENDER = (
    "GENESIS-Tabelle: 12411-0010\nBevölkerung: Bundesländer, Stichtag;;\nBevölkerungsstand (Anzahl);;\n"
    ";31.12.2022;31.12.2023\nBaden-Württemberg;11280257;11230000\nThüringen;2126846;2114870\n"
    "Deutschland;84358845;84669326\n__________\n"
)
STICHTAG_ROW = (
    "Tabelle: 12411-01-01-4\nBevölkerung nach Geschlecht - Stichtag 31.12. - regionale;;;;\n"
    "Tiefe: Kreise und krfr. Städte;;;;\nBevölkerungsstand (Anzahl);;;;\n;;Stichtag;Stichtag;Stichtag\n"
    ";;31.12.2024;31.12.2024;31.12.2024\n;;Insgesamt;männlich;weiblich\n"
    "16070;      Ilm-Kreis;104000;52000;52000\n__________\nStand: 01.01.2025 / 12:00:00\n"
)


def test_national_table_without_region_column(tmp_path):
    path = write(tmp_path, NATIONAL)
    assert sniff_format(path) == "genesis_table"
    df = ibislib.read(path)
    assert list(df["region"]) == ["DG", "DG"]
    assert list(df["period"]) == ["1950-12-31", "2023-12-31"]
    assert set(df["measure"]) == {"bevoelkerung"}
    assert df["value"].iloc[1] == 83456045
    assert (
        df["source"].iloc[0]
        == "Statistisches Bundesamt (Destatis), GENESIS-Online, Tabelle 12411-0001"
    )


def test_laender_by_name(tmp_path):
    df = ibislib.read(write(tmp_path, LAENDER))
    assert one(df, region="16", period="2023-12-31")["value"] == 2114870
    assert one(df, region="08", period="2022-12-31")["region_name"] == "Baden-Württemberg"
    assert one(df, region="DG", period="2023-12-31")["value"] == 84669326


def test_stichtag_variable_row(tmp_path):
    df = ibislib.read(write(tmp_path, STICHTAG_ROW))
    assert one(df, region="16070", period="2024-12-31", sex="weiblich")["value"] == 52000
    assert df["source"].iloc[0].endswith("Tabelle 12411-01-01-4 (Stand 01.01.2025)")


def test_unknown_region_name_is_refused(tmp_path):
    body = LAENDER.replace("Thüringen;", "Atlantis;")
    with pytest.raises(FormatError, match="Atlantis") as exc:
        genesis_table.read(write(tmp_path, body))
    assert exc.value.line == 6


def test_mixed_encoding_is_refused(tmp_path):
    latin = (TITLE + HEADER).encode("latin-1")
    utf8 = (
        "DG;Deutschland;1;2\n01;  Schleswig-Holstein;1;2\n01001;  Flensburg;1;2\n" + FOOTER
    ).encode("utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(latin + utf8)
    with pytest.raises(FormatError, match="Zeichenkodierung") as exc:
        genesis_table.read(path)
    assert exc.value.line == 11  # the "© Statistische Ämter" footer line


def test_trailing_semicolon_on_every_line(tmp_path):
    body = (
        "".join(ln + ";\n" for ln in (TITLE + HEADER + "DG;Deutschland;5;2\n").splitlines())
        + FOOTER
    )
    df = ibislib.read(write(tmp_path, body))
    assert len(df) == 2
    assert one(df, region="DG", period="2015-12-31")["value"] == 5


def test_zensus_break_footnote_becomes_the_row_note() -> None:
    """Figures spanning 2011 must be able to say that the series breaks there."""
    df = ibislib.read(RAW / "12411-01-01-5_00.csv")
    assert set(df["note"]) == {"ab dem Berichtsjahr 2011: nach dem Zensus 2011"}
    assert set(ibislib.read(RAW / "13111-02-02-5_00.csv")["note"]) == {""}

"""GENESIS flat CSV (ffcsv) loader, checked against the shipped real exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibislib.errors import FormatError
from ibislib.ingest import normalise as norm
from ibislib.sources import genesis_flat, read, sniff_format

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "genesis_flat"
ZENSUS = RAW / "1000A-0000_1773175153999_de_flat.csv"
BEV_KREISE = RAW / "12411-01-01-4_1773175772751_de_flat.csv"
SVB_LAENDER = RAW / "13111-0005_1773174923332_de_flat.csv"
SVB_KREISE = RAW / "13111-01-03-4_1773175029986_de_flat.csv"


@pytest.fixture(scope="module")
def zensus() -> pd.DataFrame:
    return read(ZENSUS)


def one(df: pd.DataFrame, **sel: str) -> pd.Series:
    mask = np.ones(len(df), dtype=bool)
    for k, v in sel.items():
        mask &= df[k] == v
    hit = df[mask]
    assert len(hit) == 1, f"{len(hit)} rows for {sel}"
    return hit.iloc[0]


@pytest.mark.parametrize("path", sorted(RAW.glob("*.csv")), ids=lambda p: p.name[:13])
def test_sniffed_and_valid(path: Path) -> None:
    assert sniff_format(path) == "genesis_flat"
    df = read(path)  # read() validates: schema, unique keys, parts <= totals
    assert len(df) > 0
    assert set(df["table"]) == {path.name.split("_")[0]}


def test_zensus_ars_becomes_ags(zensus: pd.DataFrame) -> None:
    row = one(zensus, region="05566028")
    assert row["value"] == 50618
    assert row["period"] == "2022-05-15"
    assert row["region_name"] == "Ibbenbüren, Stadt"
    assert row["measure"] == "bevoelkerung"
    assert (
        row["source"]
        == "Statistische Ämter des Bundes und der Länder, Zensus 2022, Tabelle 1000A-0000"
    )
    # kreisfreie Stadt: ARS 055660000000-style keys keep their Gemeinde digits
    assert one(zensus, region="02000000")["region_name"].startswith("Hamburg")


def test_zensus_prs001_and_prs018_do_not_collide(zensus: pd.DataFrame) -> None:
    # PRS001 is the Germany total, PRS018 the persons of each Gemeinde: both are population
    assert zensus["region"].is_unique
    assert (zensus["region"].str.len() == 8).sum() == len(zensus) - 1
    total = one(zensus, region="DG")["value"]
    gemeinden = zensus.loc[zensus["region"] != "DG", "value"].sum()
    # the Gemeinden add up to the Germany total except for gemeindefreie areas (< 0.02 %)
    assert 0 < total - gemeinden < total * 2e-4
    for ags in ("05770024", "10041519"):
        assert one(zensus, region=ags)["value"] > 30000


def test_kreis_by_sex_total_is_sum() -> None:
    df = read(BEV_KREISE)
    for kreis in ("05566", "05770", "10041", "16070"):
        sub = df[(df["region"] == kreis) & (df["period"] == "2024-12-31")].set_index("sex")["value"]
        assert sub["insgesamt"] == sub["männlich"] + sub["weiblich"]
    assert one(df, region="05566", sex="insgesamt")["region_name"].startswith("Steinfurt")
    # dissolved Kreise carry '-' (nothing), which must not become 0
    dash = df[df["flag"] == "-"]
    assert len(dash) > 0 and dash["value"].isna().all()
    assert df["source"].iloc[0] == "Regionaldatenbank Deutschland, Tabelle 12411-01-01-4"


def test_quarterly_stichtage_for_laender() -> None:
    df = read(SVB_LAENDER)
    assert df["period"].nunique() == 8
    assert {"2023-09-30", "2024-06-30", "2025-06-30"} <= set(df["period"])
    assert set(df["region"]) == {f"{i:02d}" for i in range(1, 17)}
    assert one(df, region="05", period="2024-09-30", sex="weiblich")["value"] == 3398182
    assert set(df["measure"]) == {"svb_arbeitsort"}
    assert df["source"].iloc[0].startswith("Statistisches Bundesamt (Destatis), GENESIS-Online")


def test_symbols_stay_missing_and_three_variables() -> None:
    df = read(SVB_KREISE)
    kreise = df[df["region"].str.len() == 5]
    # 30.06.2025 Kreis values were not yet published: '-' or '.' everywhere, never 0
    assert kreise["value"].isna().mean() > 0.95
    assert set(kreise.loc[kreise["value"].isna(), "flag"]) <= {"-", "."}
    dg = df[df["region"] == "DG"].set_index(["nationality", "sex"])["value"]
    assert dg[("ausländisch", "insgesamt")] == 5837916
    assert dg[("ausländisch", "männlich")] == 3561574
    assert (
        dg[("insgesamt", "insgesamt")]
        == dg[("insgesamt", "männlich")] + dg[("insgesamt", "weiblich")]
    )
    # Regierungsbezirke keep their 3-digit keys, Berlin districts their 8-digit keys
    assert {2, 3, 5, 8} <= set(df["region"].str.len())


def _write(tmp_path: Path, body: list[str], header: str | None = None) -> Path:
    header = header or (
        "statistics_code;statistics_label;time_code;time_label;time;"
        "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
        "2_variable_code;2_variable_label;2_variable_attribute_code;2_variable_attribute_label;"
        "value;value_q;value_unit;value_variable_code;value_variable_label"
    )
    p = tmp_path / "12411-0001_test_flat.csv"
    p.write_text("\ufeff" + "\n".join([header, *body]) + "\n", encoding="utf-8")
    return p


def test_decimal_comma_quality_and_category(tmp_path: Path) -> None:
    rows = [
        "12411;Bev;JAHR;Jahr;2023;DLAND;Bundesländer;05;Nordrhein-Westfalen;"
        "ALTX20;Altersgruppen;ALT018B25;18 bis unter 25 Jahre;1234,5;p;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bev;JAHR;Jahr;2023;DLAND;Bundesländer;05;Nordrhein-Westfalen;"
        "ALTX20;Altersgruppen;;Insgesamt;2000;e;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bev;JAHR;Jahr;2023;DLAND;Bundesländer;05;Nordrhein-Westfalen;"
        "FAMST;Familienstand;FAMLED;ledig;/;;Anzahl;BEVSTD;Bevölkerungsstand",
    ]
    df = genesis_flat.read(_write(tmp_path, rows))
    assert df.loc[0, "value"] == 1234.5 and df.loc[0, "flag"] == "p"
    assert df.loc[0, "age_group"] == "18-25" and df.loc[1, "age_group"] == "insgesamt"
    assert df.loc[1, "flag"] == ""
    assert np.isnan(df.loc[2, "value"]) and df.loc[2, "flag"] == "/"
    assert df.loc[2, "category"] == "familienstand=ledig"
    assert df.loc[0, "period"] == "2023"


def test_unknown_symbol_names_line(tmp_path: Path) -> None:
    rows = [
        "12411;Bev;JAHR;Jahr;2023;DLAND;Bundesländer;05;NRW;GES;Geschlecht;GESM;männlich;10;;Anzahl;BEVSTD;B",
        "12411;Bev;JAHR;Jahr;2023;DLAND;Bundesländer;05;NRW;GES;Geschlecht;GESW;weiblich;k.A.;;Anzahl;BEVSTD;B",
    ]
    with pytest.raises(FormatError) as err:
        genesis_flat.read(_write(tmp_path, rows))
    assert err.value.line == 3 and "k.A." in err.value.message


def test_lost_leading_zero(tmp_path: Path) -> None:
    rows = [
        "12411;Bev;JAHR;Jahr;2023;GEMEIN;Gemeinden;5566028;Ibbenbüren;GES;Geschlecht;;Insgesamt;5;;Anzahl;BEVSTD;B"
    ]
    with pytest.raises(FormatError) as err:
        genesis_flat.read(_write(tmp_path, rows))
    assert err.value.line == 2 and "führende Null" in err.value.message


def test_helpers() -> None:
    assert (
        norm.measure_or_slug("ERW032", "Sozialversicherungspfl. Beschäftigte (Arbeitsort)")
        == "svb_arbeitsort"
    )
    assert norm.measure_or_slug("XYZ", "Sozialvers.pfl. Beschäftigte am Wohnort") == "svb_wohnort"
    assert norm.measure_or_slug("PRS001", "Personen") == "bevoelkerung"
    assert norm.measure_or_slug("FOO1", "Wohngeldhaushalte") == "wohngeldhaushalte"
    ars = pd.Series(["055660028028", "DG", "05566", "057700000000", "055665000"])
    assert norm.region_keys(ars, Path("x"), None).tolist() == [
        "05566028",
        "DG",
        "05566",
        "05770000",
        "055665000",
    ]


@pytest.mark.parametrize(
    "code, label, measure",
    [
        ("ERW065", "Sozialvers.pflichtig Beschäftigte am Arbeitsort", "svb_arbeitsort"),
        ("ERW999", "Sozialvers.pfl. Beschäftigte am Wohnort", "svb_wohnort"),
        ("BEVSTD", "Bevölkerungsstand", "bevoelkerung"),
        ("PRS018", "Personen", "bevoelkerung"),
        ("PRS044", "Personen mit Einwanderungsgeschichte", "bevoelkerung_einwanderungsgeschichte"),
        (
            "ERW004",
            "Arbeitslosenquote aller zivilen Erwerbspersonen",
            "arbeitslosenquote_aller_zivilen_erwerbspersonen",
        ),
        ("BEV008", "Einbürgerungen von Ausländern", "einbuergerungen"),
        ("BEV099", "Bevölkerungsdichte", "bevoelkerungsdichte"),
    ],
)
def test_measure_mapping_is_conservative(code: str, label: str, measure: str) -> None:
    assert norm.measure_or_slug(code, label) == measure


def test_table_without_regional_variable_is_germany(tmp_path: Path) -> None:
    header = (
        "statistics_code;statistics_label;time_code;time_label;time;"
        "1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;"
        "value;value_unit;value_variable_code;value_variable_label"
    )
    rows = [
        "12411;Bev;JAHR;Jahr;2023;NAT;Nationalität;NATA;Ausländer;12108988;Anzahl;BEVSTD;Bevölkerungsstand",
        "12411;Bev;JAHR;Jahr;2023;NAT;Nationalität;;Insgesamt;83456045;Anzahl;BEVSTD;Bevölkerungsstand",
    ]
    df = read(_write(tmp_path, rows, header=header))
    assert set(df["region"]) == {"DG"} and set(df["region_name"]) == {"Deutschland"}
    assert df.set_index("nationality").loc["ausländisch", "value"] == 12108988
    assert df["source"].iloc[0].startswith("Statistisches Bundesamt (Destatis)")

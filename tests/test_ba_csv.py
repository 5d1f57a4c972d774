"""BA (Bundesagentur für Arbeit) CSV exports, checked against the shipped real files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibislib.errors import FormatError
from ibislib.sources import ba_csv, read, sniff_format

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "ba_statistik"
BY_SEX = RAW / "uebergreifendeDaten" / "arbeitslose_ausländer_nachgeschlecht.csv"
BY_AGE = RAW / "2024" / "arbeitslose_ausländer_nachaltersgruppe.csv"
BY_QUALI = RAW / "2024" / "beschäftigte_ausländer_nachberufsabschluss.csv"
LAENDER = RAW / "statistik_migration_20250605111436.csv"


def one(df: pd.DataFrame, **sel: str) -> pd.Series:
    hit = df
    for k, v in sel.items():
        hit = hit[hit[k] == v]
    assert len(hit) == 1, f"{len(hit)} rows for {sel}"
    return hit.iloc[0]


@pytest.mark.parametrize("path", [BY_SEX, BY_AGE, BY_QUALI, LAENDER], ids=lambda p: p.stem[:24])
def test_sniffed_and_cited(path: Path) -> None:
    assert sniff_format(path) == "ba_csv"
    df = read(path)
    assert df["source"].str.startswith("Statistik der Bundesagentur für Arbeit, ").all()
    # the raw numbers are the BA's own; "eigene Berechnungen" belongs under our derived figures
    assert not df["source"].str.contains("eigene Berechnungen").any()


def test_unemployed_foreigners_by_sex() -> None:
    df = read(BY_SEX)
    assert set(df["region"]) == {"DG"} and set(df["nationality"]) == {"ausländisch"}
    assert set(df["measure"]) == {"arbeitslose"}
    assert one(df, period="2024", sex="insgesamt")["value"] == 1040908
    assert one(df, period="2015", sex="weiblich")["value"] == 271816
    wide = df.pivot_table(index="period", columns="sex", values="value")
    assert list(wide.index) == [str(y) for y in range(2015, 2025)]  # JD: the year
    # annual averages are rounded one by one: Frauen + Männer fall short of the total by 0–5
    gap = wide["insgesamt"] - (wide["männlich"] + wide["weiblich"])
    assert gap.between(0, 5).all() and (gap == 0).any()


def test_age_groups_and_shares() -> None:
    df = read(BY_AGE)
    counts = df[df["unit"] == "Anzahl"]
    assert one(counts, age_group="25-55")["value"] == 784119
    assert one(counts, age_group="0-25")["value"] == 94093
    assert one(counts, age_group="55+")["value"] == 162537
    assert one(counts, category="merkmal=Keine Angabe")["value"] == 158
    shares = df[df["unit"] == "Prozent"]
    assert one(shares, age_group="25-55")["value"] == 75
    assert set(df["period"]) == {"2024"}


def test_employees_on_30_june_by_qualification() -> None:
    df = read(BY_QUALI)
    assert set(df["period"]) == {"2024-06-30"}
    assert set(df["measure"]) == {"svb_arbeitsort"}  # the hint says Arbeitsort
    counts = df[df["unit"] == "Anzahl"]
    assert one(counts, category="berufsabschluss=Akademischer Berufsabschluss")["value"] == 1087940
    assert one(counts, category="berufsabschluss=Keine Angabe")["value"] == 1722490


def test_headerless_laender_table() -> None:
    df = read(LAENDER)
    assert len(df) == 16 and set(df["region"]) == {f"{i:02d}" for i in range(1, 17)}
    nrw = one(df, region="05")
    assert nrw["value"] == pytest.approx(29.2)
    assert nrw["measure"] == "beschaeftigungsquote" and nrw["unit"] == "Prozent"
    assert one(df, region="16")["region_name"] == "Thüringen"
    # the file names neither period nor group: the loader says so instead of guessing
    assert "nicht in der Datei" in nrw["note"]


def _export(tmp_path: Path, rows: list[str], indicator: str = "Arbeitslose") -> Path:
    head = [
        '"Region";"Nordrhein-Westfalen";"Regionsschlüssel:";"05"',
        '"Berichtsjahr";"2023"',
        f'"Indikator";"{indicator}"',
        '"StaatsangehörigkeitEs werden Grafiken …";"Ukraine"',
        '""',
        '"Hinweise:";"Jahresdurchschnitte."',
        '""',
    ]
    foot = [
        '""',
        '"Exportdatum: ";"21.05.2025";"16:4:30"',
        '"© Statistik der Bundesagentur für Arbeit"',
    ]
    p = tmp_path / "export.csv"
    p.write_text("\ufeff" + "\r\n".join(head + rows + foot) + "\r\n", encoding="utf-8")
    return p


def test_land_and_single_citizenship(tmp_path: Path) -> None:
    p = _export(
        tmp_path, ['"Merkmal ";"JD Arbeitslose "', '"Insgesamt";"1.234"', '"unter 25 Jahre";"*"']
    )
    df = read(p)
    assert set(df["region"]) == {"05"} and set(df["nationality"]) == {"ausländisch"}
    assert set(df["category"]) == {"staatsangehoerigkeit=Ukraine"}
    assert one(df, age_group="insgesamt")["value"] == 1234
    young = one(df, age_group="0-25")
    assert pd.isna(young["value"]) and young["flag"] == "*"


def test_text_in_number_field_names_line(tmp_path: Path) -> None:
    p = _export(
        tmp_path,
        ['"Merkmal ";"JD Arbeitslose "', '"Insgesamt";"1.234"', '"unter 25 Jahre";"rund 90"'],
    )
    with pytest.raises(FormatError) as err:
        ba_csv.read(p)
    assert err.value.line == 10 and "rund 90" in err.value.message


def test_no_data_block(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="Kein Datenblock"):
        ba_csv.read(_export(tmp_path, []))

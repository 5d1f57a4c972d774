"""Current real exports (issue 10, point 3): a GENESIS zip as delivered, classification
variants in flat exports, and Schutzsuchende values for the Kreise.

Expected numbers are read straight off the shipped raw files with zipfile/csv, never from the
loaders or the engine.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ibislib import indicators as ind
from ibislib import paths
from ibislib.errors import FormatError, ValidationError
from ibislib.sources import read, sniff_format, totals

FLAT = "genesis_flat"
ZIP = f"{FLAT}/12531-0043__schutzsuchende_kreise_2024-12-31_ffcsv.zip"
ZENSUS = f"{FLAT}/2000S-2003__einwanderungsgeschichte_erwerbsstatus_2022.csv"
TOP_LEVEL = {"SCHUTZST-AK-1", "SCHUTZST-OF", "SCHUTZST-X"}  # anerkannt, offen, ohne (abgelehnt)


def zip_path() -> Path:
    return paths.raw_dir() / ZIP


def member_rows() -> list[dict[str, str]]:
    """The data lines of the zip's only member, parsed by the csv module."""
    with zipfile.ZipFile(zip_path()) as zf:
        (name,) = zf.namelist()
        text = zf.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.fixture(scope="module")
def raw_rows() -> list[dict[str, str]]:
    return member_rows()


@pytest.fixture(scope="module")
def schutz() -> pd.DataFrame:
    return read(zip_path())


# ------------------------------------------------------------------------------ the zip


def test_zip_is_sniffed_and_read_with_every_line(schutz, raw_rows):
    assert sniff_format(zip_path()) == "genesis_zip"
    assert len(raw_rows) == 116_738
    cells = schutz[~schutz["note"].str.startswith("Summe der Einzelwerte")]
    assert len(cells) == len(raw_rows)
    assert set(cells["table"]) == {"12531-0043"}
    assert set(cells["period"]) == {"2024-12-31"}


def test_zip_spot_value_matches_the_file(schutz, raw_rows):
    want = next(
        r
        for r in raw_rows
        if r["1_variable_attribute_code"] == "05566"
        and r["2_variable_attribute_code"] == "SCHUTZST-X"
        and r["3_variable_attribute_code"] == "GESM"
        and r["4_variable_attribute_label"] == "Serbien"
    )
    got = schutz[
        (schutz["region"] == "05566")
        & (schutz["sex"] == "männlich")
        & (
            schutz["category"]
            == "schutzstatuskategorie=Ohne Schutzsstatus|staatsangehoerigkeit=Serbien"
        )
    ]
    assert len(got) == 1
    assert got["value"].iloc[0] == float(want["value"])
    assert got["region_name"].iloc[0] == want["1_variable_attribute_label"]


def test_sums_over_nationality_never_over_the_hierarchical_status(schutz, raw_rows):
    sums = schutz[schutz["note"].str.startswith("Summe der Einzelwerte")]
    # no sum over the Schutzstatus (it holds "Anerkannt" and its parts "Befristet …")
    assert sums["category"].str.startswith("schutzstatuskategorie=").all()
    assert "gerundet" in sums["note"].iloc[0]  # every cell of the file is a multiple of 5
    cell = sums[
        (sums["region"] == "05566")
        & (sums["sex"] == "insgesamt")
        & (sums["category"] == "schutzstatuskategorie=Offener Schutzstatus")
    ]
    want = sum(
        float(r["value"])
        for r in raw_rows
        if r["1_variable_attribute_code"] == "05566"
        and r["2_variable_attribute_code"] == "SCHUTZST-OF"
    )
    assert cell["value"].tolist() == [want]


def test_schutzsuchende_anzahl_kreis_steinfurt_equals_the_file(schutz, raw_rows):
    want = sum(
        float(r["value"])
        for r in raw_rows
        if r["1_variable_attribute_code"] == "05566" and r["2_variable_attribute_code"] in TOP_LEVEL
    )
    res = ind.compute(["schutzsuchende_anzahl"], ["05566"], store=schutz)
    row = res[(res["period"] == "2024-12-31") & (res["sex"] == "insgesamt")]
    assert row["value"].tolist() == [want]
    assert want == 19_145  # anerkannt 15.820 + offen 2.425 + ohne Schutzstatus 900
    by_sex = res[(res["period"] == "2024-12-31") & (res["sex"] != "insgesamt")]
    assert by_sex["value"].sum() == want


# ------------------------------------------------------------------------------ bad zips


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _small_member(value: str | None = None) -> bytes:
    """Header and the first three lines of the real member (first value replaced if asked)."""
    with zipfile.ZipFile(zip_path()) as zf:
        (name,) = zf.namelist()
        with zf.open(name) as fh:
            lines = [fh.readline() for _ in range(4)]
    if value is not None:
        f = lines[1].split(b";")
        f[21] = value.encode()
        lines[1] = b";".join(f)
    return b"".join(lines)


def test_xlsx_is_refused_clearly(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Schutzsuchende"
    path = tmp_path / "12531-0043.xlsx"
    wb.save(path)
    with pytest.raises(FormatError) as e:
        read(path)
    assert "ist eine Excel-Arbeitsmappe (XLSX)" in e.value.message
    assert "12531-0043.xlsx" in e.value.message


def test_zip_with_an_xlsx_member_names_the_member(tmp_path):
    path = _zip(tmp_path / "download.zip", {"12531-0043.xlsx": b"PK\x03\x04 not a table"})
    with pytest.raises(FormatError) as e:
        read(path)
    msg = e.value.message
    assert "download.zip › 12531-0043.xlsx" in msg and "Unerwartete Datei" in msg


def test_two_members_with_conflicting_numbers_are_refused(tmp_path):
    path = _zip(
        tmp_path / "zwei.zip",
        {"12531-0043_1_flat.csv": _small_member(), "12531-0043_2_flat.csv": _small_member("15")},
    )
    with pytest.raises(ValidationError) as e:
        read(path)
    msg = e.value.message
    assert "12531-0043_1_flat.csv" in msg and "12531-0043_2_flat.csv" in msg
    assert "verschiedene Werte" in msg and "zwei.zip" in msg


def test_two_members_with_the_same_numbers_are_one_table(tmp_path):
    path = _zip(
        tmp_path / "doppelt.zip",
        {"12531-0043_1_flat.csv": _small_member(), "12531-0043_2_flat.csv": _small_member()},
    )
    once = read(_zip(tmp_path / "einmal.zip", {"12531-0043_1_flat.csv": _small_member()}))
    assert len(read(path)) == len(once) > 0


def test_corrupt_and_truncated_zips_get_a_german_error(tmp_path):
    data = zip_path().read_bytes()
    cut = tmp_path / "abgeschnitten.zip"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FormatError) as e:
        read(cut)
    assert "ZIP-Archiv ist beschädigt" in e.value.message and "abgeschnitten.zip" in e.value.message
    # one flipped byte inside the compressed member: CRC or inflate error, naming the member
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0xFF
    bad = tmp_path / "kaputt.zip"
    bad.write_bytes(bytes(flipped))
    with pytest.raises(FormatError) as e:
        read(bad)
    assert "kaputt.zip › 12531-0043_175879554_flat.csv" in e.value.message
    assert "beschädigt" in e.value.message


def test_zip_bomb_is_not_unpacked(tmp_path):
    path = _zip(tmp_path / "bombe.zip", {"12531-0043_flat.csv": b"0" * (20 * 2**20)})
    with pytest.raises(FormatError) as e:
        read(path)
    assert "bombe.zip › 12531-0043_flat.csv" in e.value.message
    assert "nicht entpackt" in e.value.message


# ------------------------------------------------------------------------------ variants


def test_classification_variants_are_kept_apart():
    df = read(paths.raw_dir() / ZENSUS)
    lines = (paths.raw_dir() / ZENSUS).read_text(encoding="utf-8-sig").splitlines()
    assert len(df) == len(lines) - 1 == 72
    # line 12 (compact WDGAT2) and line 40 (detailed WDGAT1) carry the same label and number
    f12, f40 = lines[11].split(";"), lines[39].split(";")
    assert f12[5:9] == f40[5:9] and f12[9] == "WDGAT2" and f40[9] == "WDGAT1"
    assert f12[10] == f40[10] and f12[12] == f40[12] == "Ohne Einwanderungsgeschichte"
    for code, line in (("wdgat2", f12), ("wdgat1", f40)):
        cat = (
            f"einwanderungsgeschichte_ausfuehrlich_{code}=Ohne Einwanderungsgeschichte"
            "|erwerbsstatus=Erwerbspersonen"
        )
        assert df.loc[df["category"] == cat, "value"].tolist() == [float(line[17])]


def test_a_true_duplicate_still_fails(tmp_path):
    lines = (paths.raw_dir() / ZENSUS).read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / ZENSUS.split("/")[1]
    path.write_text("\n".join([*lines, lines[39]]) + "\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        read(path)
    assert "wiederholt Zeile 40" in e.value.message
    assert e.value.line == len(lines) + 1


# ------------------------------------------------------------------------------ totals rule


def test_no_sums_are_added_where_a_table_has_its_own_totals():
    df = read(paths.raw_dir() / ZENSUS)
    assert not df["note"].str.contains("Summe der Einzelwerte").any()
    assert len(totals.complete(df)) == len(df)


def test_a_nationality_total_of_its_own_stops_the_sums(tmp_path):
    """Three real cells plus a row with the Staatsangehörigkeit at 'Insgesamt': no sum added."""
    head, *cells = _small_member().decode("utf-8-sig").splitlines()
    f = cells[0].split(";")
    f[19], f[20], f[21] = "", "Insgesamt", "999"
    path = _zip(
        tmp_path / "mit_summe.zip",
        {"12531-0043_flat.csv": "\n".join([head, *cells, ";".join(f)]).encode()},
    )
    df = read(path)
    sums = df[df["note"].str.contains("Summe")]
    # only over Geschlecht (no total of its own); the Staatsangehörigkeit is never summed away
    assert len(df) == 4 + len(sums) and (sums["sex"] == "insgesamt").all()
    assert set(sums["category"]) <= set(df.loc[df["note"] == "", "category"])
    without = read(_zip(tmp_path / "ohne.zip", {"12531-0043_flat.csv": _small_member()}))
    assert without["note"].str.contains("Summe").any()


# ------------------------------------------------------------------------------ report context


def test_context_takes_kreis_values_nearest_the_delivery_and_names_them():
    from ibislib.report import blocks, context

    unit = blocks.unit_of("05566028")
    ids = ["bev_insgesamt", "svb_ausl_anteil_arbeitsort", "schutzsuchende_anzahl"]
    found, sources = context.rows(ids, unit)
    cells = {f["id"]: f["cells"] for f in found}
    assert cells["bev_insgesamt"]["05566028"][:2] == (53_363.0, "2022-09-30")  # the delivery
    assert cells["bev_insgesamt"]["05566"][1] == "2024-12-31"
    # the unit's own SvB value is from 2015: the Kreis value is the one nearest the 2022
    # delivery (30.06.2023), not the Kreis value of 2015
    assert cells["svb_ausl_anteil_arbeitsort"]["05566028"][1] == "2015-06-30"
    assert cells["svb_ausl_anteil_arbeitsort"]["05566"][1] == "2023-06-30"
    assert cells["schutzsuchende_anzahl"]["05566"][:2] == (19_145.0, "2024-12-31")
    assert "05566028" not in cells["schutzsuchende_anzahl"]  # Kreisebene only
    regions = blocks.comparison_regions(unit)
    names = {a: blocks.region_label(a, c[2], unit) for f in found for a, c in f["cells"].items()}
    lead = context._lead(found, unit, regions, names)
    assert "Stand der Werte für Ibbenbüren: 30.06.2015, 30.09.2022" in lead
    assert "Kreis Steinfurt: 30.06.2023, 31.12.2024" in lead
    assert "eingeschränkt vergleichbar" in lead  # 2015 next to 2022


def test_nearest_prefers_the_later_of_two_equally_near_stichtage():
    from ibislib.report.context import nearest

    df = pd.DataFrame({"period": ["2023-06-30", "2024-06-30", "2015-06-30"], "value": [1, 2, 3]})
    assert nearest(df, "2023-12-30")["value"] == 2  # 183 days either side: the later
    assert nearest(df, "2016-01-01")["value"] == 3
    assert nearest(df, None)["value"] == 2


def test_a_gemeinde_gets_the_kreis_value_of_a_kreis_only_statistic(monkeypatch):
    from ibislib.report import blocks, context

    said: list[str] = []
    monkeypatch.setattr(context.publish, "text", said.append)
    ok = context.parent_sentence("schutzsuchende_anzahl", blocks.unit_of("05566028"), why="Grund")
    assert ok and len(said) == 1
    assert said[0] == (
        "Für Ibbenbüren selbst liegen keine Werte vor: Grund; "
        "zum 31.12.2024 lebten im Kreis Steinfurt 19.145 Schutzsuchende."
    )
    # a Kreis has its own value: nothing is said for it here
    assert not context.parent_sentence("schutzsuchende_anzahl", blocks.unit_of("05566"), why="x")
    assert len(said) == 1

"""`ibis indicators` exports for people: the German CSV (';', decimal comma, rounded, BOM) and
the XLSX (real number formats and dates, frozen header, widths, metadata sheet), both read back
by LibreOffice when it is installed; the machine CSV behind --maschinenlesbar."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess

import pandas as pd
import pytest
from typer.testing import CliRunner

from ibislib import paths
from ibislib.cli import app
from ibislib.indicators import OUT_COLUMNS, export
from ibislib.sources import read

IDS = "ausl_anteil,bev_insgesamt,einbuergerungsquote"


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    raw = paths.raw_dir()
    return pd.concat(
        [
            read(raw / "ibbenbueren" / "lieferung_2022.csv"),
            read(raw / "referenzwerte" / "referenzwerte.csv"),
        ],
        ignore_index=True,
    )


@pytest.fixture(autouse=True)
def use_store(monkeypatch, store):
    monkeypatch.setattr(export, "load_store", lambda: store)


def _people_rows(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the umlauts"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8")), delimiter=";"))


def test_people_csv_is_german_and_rounded(tmp_path):
    out = tmp_path / "ibb.csv"
    assert export.run_cli("05566028", "2022-09-30", IDS, "csv", False, out) == 0
    rows = _people_rows(out.read_bytes())
    assert list(rows[0])[:5] == ["Indikator", "Indikator-ID", "AGS", "Gebiet", "Zeitraum"]
    assert {"Wert", "Einheit", "Zähler", "Nenner", "Hinweis"} <= set(rows[0])
    by_id = {r["Indikator-ID"]: r for r in rows}
    share = by_id["ausl_anteil"]
    assert share["Indikator"] == "Ausländeranteil" and share["Zeitraum"] == "30.09.2022"
    assert share["Wert"] == "9,9" and share["Einheit"] == "%"  # 9.8626… rounded to 1 decimal
    assert share["Zähler"] == "5263" and share["Nenner"] == "53363"
    assert by_id["bev_insgesamt"]["Wert"] == "53363"


def test_people_csv_to_stdout_has_bom():
    result = CliRunner().invoke(app, ["indicators", "-m", "05566028", "--ids", "ausl_anteil"])
    assert result.exit_code == 0, result.output
    rows = _people_rows(result.stdout_bytes)
    assert rows and all(r["Indikator-ID"] == "ausl_anteil" for r in rows)


def test_machine_csv_keeps_full_precision_and_english_ids():
    result = CliRunner().invoke(
        app, ["indicators", "-m", "05566028", "--ids", "ausl_anteil", "--maschinenlesbar"]
    )
    assert result.exit_code == 0, result.output
    assert not result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.StringIO(result.stdout), dtype={"region": str, "period": str})
    assert list(df.columns) == OUT_COLUMNS
    row = df[df["period"] == "2022-09-30"].iloc[0]
    assert row["value"] == pytest.approx(5263 / 53363 * 100, rel=1e-12)


def test_text_from_data_cannot_become_a_formula(tmp_path):
    df = export.indicator_table("05566028", None, "ausl_anteil")
    df["region_name"] = '=HYPERLINK("http://x","klick")'  # e.g. a name from a delivery
    rows = _people_rows(("\ufeff" + export.to_csv_people(df)).encode("utf-8"))
    assert rows[0]["Gebiet"].startswith("'=")
    assert export.to_csv_machine(df).splitlines()[1].count("'=") == 1
    xlsx = tmp_path / "x.xlsx"
    export.write_xlsx(df, xlsx)
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Indikatoren"]
    col = [c.value for c in ws[1]].index("Gebiet") + 1
    assert ws.cell(row=2, column=col).value.startswith("'=")
    assert ws.cell(row=2, column=col).data_type == "s"


def test_xlsx_has_real_numbers_dates_frozen_header_and_metadata(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "ibb.xlsx"
    assert export.run_cli("05566028", None, IDS, "xlsx", False, out) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["Indikatoren", "Metadaten"]
    ws = wb["Indikatoren"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["Indikator-ID", "Indikator", "AGS", "Gebiet", "Zeitraum"]
    assert ws.freeze_panes == "A2" and wb["Metadaten"].freeze_panes == "A2"
    rows = {
        (r[0].value, str(r[4].value)[:10]): dict(zip(head, r, strict=True))
        for r in ws.iter_rows(min_row=2)
    }
    cell = rows[("ausl_anteil", "2022-09-30")]
    assert cell["Wert"].data_type == "n" and cell["Wert"].value == pytest.approx(5263 / 53363)
    assert cell["Wert"].number_format == "0.0 %"
    assert cell["Zähler"].number_format == "#,##0" and cell["Zähler"].value == 5263
    assert isinstance(cell["Zeitraum"].value, dt.datetime)
    assert cell["Zeitraum"].value.date() == dt.date(2022, 9, 30)
    assert cell["Zeitraum"].number_format == "DD.MM.YYYY"
    quote = rows[("einbuergerungsquote", "2021")]
    assert quote["Wert"].number_format == "0.00 %"  # the indicator's two decimals
    assert quote["Zeitraum"].value == "2021"  # a year is not a date
    bev = rows[("bev_insgesamt", "2022-09-30")]
    assert bev["Wert"].number_format == "#,##0" and bev["Wert"].value == 53363
    assert ws.column_dimensions["B"].width > 15  # fitted to 'Bevölkerung insgesamt'
    meta = pd.read_excel(out, sheet_name="Metadaten")
    assert {"Definition", "Quelle", "Einheit"} <= set(meta.columns)
    assert set(meta["Indikator-ID"]) == set(IDS.split(","))


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui "
            "libreoffice-calc-nogui"
        )
    return exe


def _convert(exe: str, src, fmt: str, outdir, infilter: str | None = None) -> None:
    args = [exe, "--headless", "--norestore"]
    if infilter:
        args.append(f"--infilter={infilter}")
    args += ["--convert-to", fmt, "--outdir", str(outdir), str(src)]
    res = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=240,
        env={"HOME": str(outdir), "PATH": "/usr/bin:/bin"},
    )
    if "Error: source file could not be loaded" in res.stderr or res.returncode:
        if "no export filter" in (res.stderr + res.stdout).lower():
            pytest.skip("LibreOffice Calc is not installed (no spreadsheet export filter)")
        raise AssertionError(res.stderr or res.stdout)


@pytest.mark.slow
def test_libreoffice_reads_csv_numbers_and_xlsx_back(tmp_path):
    """LibreOffice, with German import settings (';', UTF-8, locale de-DE), reads the people's
    CSV cells as numbers; it opens the XLSX and reads its values back."""
    from openpyxl import load_workbook

    exe = _soffice()
    src = tmp_path / "ibb.csv"
    export.run_cli("05566028", "2022-09-30", IDS, "csv", False, src)
    out = tmp_path / "lo"
    out.mkdir()
    # CSV filter options: separator 59 (;), text delimiter 34 ("), charset 76 (UTF-8),
    # first line 1, no column formats, language 1031 (de-DE)
    _convert(exe, src, "xlsx:Calc MS Excel 2007 XML", out, "CSV:59,34,76,1,,1031")
    ws = load_workbook(out / "ibb.xlsx").active
    head = [c.value for c in ws[1]]
    assert head[:2] == ["Indikator", "Indikator-ID"]
    rows = {
        r[1].value: dict(zip(head, (c.value for c in r), strict=True))
        for r in ws.iter_rows(min_row=2)
    }
    assert rows["ausl_anteil"]["Wert"] == pytest.approx(9.9)  # a number, decimal comma read
    assert rows["bev_insgesamt"]["Wert"] == 53363
    assert rows["ausl_anteil"]["Gebiet"] == "Ibbenbüren"  # UTF-8 survives

    xlsx = tmp_path / "ibb.xlsx"
    export.run_cli("05566028", "2022-09-30", IDS, "xlsx", False, xlsx)
    back = tmp_path / "back"
    back.mkdir()
    _convert(exe, xlsx, "csv:Text - txt - csv (StarCalc):59,34,76,1", back)
    text = (back / "ibb.csv").read_text(encoding="utf-8")
    assert "Ausländeranteil" in text and "Ibbenbüren" in text

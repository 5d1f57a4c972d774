"""`ibis indicators`: CSV to stdout, Markdown with German numbers, Excel written atomically."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from ibislib import paths
from ibislib.cli import app
from ibislib.errors import IbisError, RegionError
from ibislib.indicators import OUT_COLUMNS, export
from ibislib.sources import read


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


def test_csv_to_stdout_by_name():
    # the tidy CSV for programs (the default CSV is for people: tests/test_export.py)
    result = CliRunner().invoke(
        app,
        [
            "indicators",
            "--municipality",
            "Ibbenbüren",
            "--ids",
            "ausl_anteil,sgb2_ausl_anteil",
            "--maschinenlesbar",
        ],
    )
    assert result.exit_code == 0, result.output
    df = pd.read_csv(io.StringIO(result.stdout), dtype={"region": str, "period": str})
    assert list(df.columns) == OUT_COLUMNS
    row = df[df["indicator_id"] == "ausl_anteil"].iloc[0]
    assert row["region"] == "05566028" and round(row["value"], 1) == 9.9


def test_period_filter_and_markdown(capsys):
    code = export.run_cli("05566028", "2022-09-30", "ausl_anteil,bev_insgesamt", "md", False, None)
    assert code == 0
    md = capsys.readouterr().out
    assert md.startswith("| Indikator | Gebiet | Zeitraum |")
    assert "| Ausländeranteil | Ibbenbüren | 30.09.2022 | 9,9\u202f% | 5.263 | 53.363 |" in md
    assert "2021" not in md


def test_xlsx_needs_out_and_is_written(tmp_path):
    with pytest.raises(IbisError, match="--out"):
        export.run_cli("05566028", None, None, "xlsx", False, None)
    out = tmp_path / "ibb.xlsx"
    assert export.run_cli("05566028", None, "einbuergerungsquote", "xlsx", False, out) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"Indikatoren", "Metadaten"}
    # a real Excel percentage (format 0.00 %): the share, not percent points
    assert sheets["Indikatoren"]["Wert"].iloc[0] == pytest.approx(34 / 5263)
    assert not list(tmp_path.glob(".ibb.xlsx*"))  # no temporary file left behind


def test_all_units_and_errors(capsys):
    assert export.run_cli(None, None, "ausl_anteil", "csv", True, None, machine=True) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype={"region": str})
    assert set(df["region"]) == {"05566028"}  # every unit in this store
    with pytest.raises(IbisError, match="--municipality"):
        export.run_cli(None, None, None, "csv", False, None)
    with pytest.raises(RegionError):
        export.run_cli("Ibbenbürn", None, None, "csv", False, None)
    with pytest.raises(IbisError, match="Unbekanntes Format"):
        export.run_cli("05566028", None, None, "pdf", False, None)


def test_cli_prints_error_without_traceback(monkeypatch, capsys):
    from ibislib.cli import main

    monkeypatch.setattr(
        "sys.argv", ["ibis", "indicators", "--municipality", "05566028", "--ids", "gibtsnicht"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("Fehler: Unbekannte Indikator-ID 'gibtsnicht'")
    assert "Traceback" not in err

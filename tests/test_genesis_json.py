"""GENESIS-Online JSON (data + structure pair), checked against the shipped real files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibislib.errors import FormatError
from ibislib.sources import genesis_json, read, sniff_format

RAW = Path(__file__).resolve().parents[1] / "data" / "raw" / "genesis_json"
BEV = RAW / "12411-0002_historisch_data.json"
EINB = RAW / "12511-0006_data.json"


@pytest.fixture(scope="module")
def einb() -> pd.DataFrame:
    return read(EINB)


def test_sniff_only_the_data_file() -> None:
    assert sniff_format(BEV) == "genesis_json"
    assert sniff_format(EINB) == "genesis_json"
    head = (RAW / "12511-0006_structure.json").read_text(encoding="utf-8")[:8000]
    assert not genesis_json.sniff(RAW / "12511-0006_structure.json", head)


def test_population_by_nationality() -> None:
    df = read(BEV)
    assert set(df["region"]) == {"DG"} and set(df["measure"]) == {"bevoelkerung"}
    assert df["period"].nunique() == 54
    day = df[df["period"] == "2023-12-31"].set_index("nationality")["value"]
    assert day["ausländisch"] == 12108988
    assert day["insgesamt"] == day["deutsch"] + day["ausländisch"]
    # every 31.12. adds up, not just one
    wide = df.pivot_table(index="period", columns="nationality", values="value")
    assert (wide["deutsch"] + wide["ausländisch"] == wide["insgesamt"]).all()
    assert (
        df["source"].iloc[0]
        == "Statistisches Bundesamt (Destatis), GENESIS-Online, Tabelle 12411-0002"
    )
    assert "Früheres Bundesgebiet" in df["note"].iloc[0]
    assert (df["flag"] == "").all()  # status 'e' = endgültig, no mark


def test_naturalisations_2023(einb: pd.DataFrame) -> None:
    total = einb[(einb["period"] == "2023") & (einb["sex"] == "insgesamt")]
    # Ländergruppierungen '%TOTAL%' = insgesamt: no key for it in category
    total = total[~total["category"].str.contains("laendergruppierungen=")]
    # the cube has no total over Einbürgerungsart and Rechtsgrundlage; its cells add up to 200 090
    # (Destatis reports 200 095 for 2023; cells are rounded to multiples of 5 from 2018 on)
    assert total["value"].sum() == 200090
    by_kind = total.groupby(total["category"].str.split("|").str[0])["value"].sum()
    assert by_kind["einbuergerungsart=Einbürgerungen m.fortbestehender bish.Staatsangeh."] == 161945
    row = total[
        total["category"].str.endswith("rechtsgrundlagen=§10 Abs.1 StAG, Aufenthalt in Deutschland")
    ]
    assert sorted(row["value"]) == [25155, 60745]


def test_dash_cells_are_missing_not_zero(einb: pd.DataFrame) -> None:
    dash = einb[einb["flag"] == "-"]
    assert len(dash) > 100000
    assert dash["value"].isna().all()
    assert einb.loc[einb["flag"] == "", "value"].notna().all()


def test_categories_use_structure_labels(einb: pd.DataFrame) -> None:
    cats = set(einb["category"])
    assert any("laendergruppierungen=Westafrika" in c for c in cats)
    assert all("%TOTAL%" not in c for c in cats)
    assert einb["category"].str.contains(r"=", regex=False).all()
    assert set(einb["sex"]) == {"männlich", "weiblich", "insgesamt"}
    assert set(einb["period"]) == {str(y) for y in range(2000, 2024)}


def test_structure_name_reads_the_pair(tmp_path: Path) -> None:
    for f in ("12411-0002_historisch_data.json", "12411-0002_historisch_structure.json"):
        shutil.copy(RAW / f, tmp_path / f)
    df = genesis_json.read(tmp_path / "12411-0002_historisch_structure.json")
    assert len(df) == 162
    (tmp_path / "12411-0002_historisch_structure.json").unlink()
    with pytest.raises(FormatError, match="12411-0002_historisch_structure.json"):
        read(tmp_path / "12411-0002_historisch_data.json")


def _tiny(tmp_path: Path, **change: object) -> Path:
    data = {
        "data": [
            {
                "id": ["statistic", "DLAND", "content", "GES", "JAHR"],
                "size": [1, 2, 1, 3, 1],
                "dimension": {
                    "statistic": {"category": {"index": {"12411": 0}}},
                    "DLAND": {"category": {"index": {"05": 0, "10": 1}}},
                    "content": {"category": {"index": {"BEVSTD$QMU": 0}}},
                    "GES": {"category": {"index": {"GESM": 0, "GESW": 1, "%TOTAL%": 2}}},
                    "JAHR": {"category": {"index": {"2023": 0}}},
                },
                "value": [10.0, 11.0, 21.0, 0.0, 0.0, 0.0],
                "status": ["p", "p", "p", ".", ".", "."],
            }
        ]
    }
    data["data"][0].update(change)
    structure = {
        "table": {"code": "12411-0099", "label": {"de": "Test"}},
        "variables": {
            "GES": {"label": {"de": "Geschlecht"}, "variableType": "SUBJECT_CLASSIFYING"}
        },
        "variableValues": {
            "05": {"label": {"de": "Nordrhein-Westfalen"}},
            "10": {"label": {"de": "Saarland"}},
        },
        "contents": {
            "BEVSTD": {
                "label": {"de": "Bevölkerungsstand"},
                "functions": {"QMU": {"label": {"de": "Anzahl"}}},
            }
        },
    }
    (tmp_path / "t_data.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "t_structure.json").write_text(json.dumps(structure), encoding="utf-8")
    return tmp_path / "t_data.json"


def test_tiny_cube_land_regions_and_secret_cells(tmp_path: Path) -> None:
    df = read(_tiny(tmp_path))
    nrw = df[df["region"] == "05"].set_index("sex")
    assert nrw.loc["insgesamt", "value"] == 21 and nrw.loc["männlich", "flag"] == "p"
    assert nrw.loc["insgesamt", "region_name"] == "Nordrhein-Westfalen"
    saar = df[df["region"] == "10"]
    assert saar["value"].isna().all() and set(saar["flag"]) == {"."}


def test_value_size_mismatch(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="5 Werte"):
        read(_tiny(tmp_path, value=[1.0, 2.0, 3.0, 4.0, 5.0]))


def test_unknown_status(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="'k'"):
        read(_tiny(tmp_path, status=["p", "p", "p", ".", ".", "k"]))


def test_broken_json_names_line(tmp_path: Path) -> None:
    p = _tiny(tmp_path)
    p.write_text('{"data": [\n{"id": ["a",\n', encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read(p)
    assert err.value.line == 3 and np.isfinite(err.value.line)

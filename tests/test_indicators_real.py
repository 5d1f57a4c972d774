"""Indicators from the real official files, for every unit in them.

Expected values are computed in the tests from the numbers read straight off the raw CSV lines,
never from the engine or the loaders.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from ibislib import indicators as ind
from ibislib import paths
from ibislib.sources import read

RS = "regionalstatistik"
FILES = {
    "svb_wo": (f"{RS}/13111-02-02-5_00.csv", "utf-8"),
    "svb_ao": (f"{RS}/13111-01-03-5_00.csv", "utf-8"),
    "alo": (f"{RS}/13211-01-03-5_00.csv", "utf-8"),
    "bev_gem": (f"{RS}/12411-01-01-5_00.csv", "utf-8"),
    "bev_kreis": (f"{RS}/12411-03-03-4_00.csv", "utf-8"),
    "einb": (f"{RS}/12511-01-01-4.csv", "latin-1"),
    "ehe": (f"{RS}/12611-01-01-4_00.csv", "utf-8"),
    "schule": (f"{RS}/21111-01-03-4.csv", "latin-1"),
}
CODE = re.compile(r"^(DG|\d{2}|\d{5}|\d{8})$")


def raw_rows(key: str, code_col: int = 0) -> list[list[str]]:
    """Data lines of a raw GENESIS table whose code column is an AGS (fields stripped)."""
    rel, enc = FILES[key]
    lines = (paths.raw_dir() / rel).read_text(encoding=enc).splitlines()
    rows = []
    for line in lines:
        if line.startswith("__________"):
            break
        f = [x.strip() for x in line.split(";")]
        if len(f) > code_col + 2 and CODE.match(f[code_col]):
            rows.append(f)
    return rows


def unit(code: str, index) -> str:
    """The key the loader gives a raw code: Niedersachsen Samtgemeinde rows ('03151401')
    become 9-digit ARS ('031515401')."""
    if code in index:
        return code
    ars = code[:5] + "5" + code[5:]
    assert len(code) == 8 and ars in index, code
    return ars


def num(x: str) -> float:
    """A raw cell as number: '-' is exactly zero, other symbols are missing."""
    if x == "-":
        return 0.0
    return float(x) if re.fullmatch(r"\d+", x) else math.nan


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    raw = paths.raw_dir()
    return pd.concat([read(raw / rel) for rel, _ in FILES.values()], ignore_index=True)


@pytest.fixture(scope="module")
def result(store) -> pd.DataFrame:
    return ind.compute(store=store)


def totals(result: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    df = result[result["indicator_id"] == indicator_id]
    for dim in ("sex", "nationality", "age_group", "school_type", "district", "category"):
        df = df[df[dim] == "insgesamt"]
    return df


def test_svb_ausl_anteil_every_gemeinde(result):
    got = totals(result, "svb_ausl_anteil").set_index("region")
    rows = raw_rows("svb_wo")
    checked = 0
    for f in rows:
        total, ausl = num(f[2]), num(f[5])
        value = got.loc[unit(f[0], got.index), "value"]  # every unit of the file is there
        if math.isnan(total) or math.isnan(ausl) or total == 0:
            assert math.isnan(value), f
        else:
            assert value == pytest.approx(ausl / total * 100), f
            checked += 1
    assert checked > 7000  # units with numbers (about 1.300 have '.' for foreigners)
    assert len(rows) > 10000
    ibb = next(f for f in rows if f[0] == "05566028")
    assert got.loc["05566028", "value"] == pytest.approx(num(ibb[5]) / num(ibb[2]) * 100)
    assert got.loc["05566028", "period"] == "2015-06-30"


def test_svb_symbols_are_not_zero(result):
    rows = raw_rows("svb_wo")
    dotted = next(f for f in rows if f[6] == "." and num(f[3]) > 0)  # a hidden count of men
    df = result[(result["indicator_id"] == "svb_ausl_anteil") & (result["region"] == dotted[0])]
    men = df[df["sex"] == "männlich"].iloc[0]
    assert math.isnan(men["value"]) and men["flag"] == "."
    assert "Zähler nicht ausgewiesen" in men["note"]


def test_svb_ausl_anteil_by_sex_and_place_of_work(result):
    f = next(r for r in raw_rows("svb_wo") if r[0] == "05566028")
    df = result[(result["indicator_id"] == "svb_ausl_anteil") & (result["region"] == "05566028")]
    women = df[df["sex"] == "weiblich"].iloc[0]
    assert women["value"] == pytest.approx(num(f[7]) / num(f[4]) * 100)
    g = next(r for r in raw_rows("svb_ao") if r[0] == "05566028")
    work = totals(result, "svb_ausl_anteil_arbeitsort").set_index("region").loc["05566028"]
    assert work["value"] == pytest.approx(num(g[5]) / num(g[2]) * 100)
    assert work["value"] != pytest.approx(num(f[5]) / num(f[2]) * 100)  # residence ≠ work


def test_arbeitslose_ausl_anteil_2016_every_unit(result):
    got = totals(result, "arbeitslose_ausl_anteil").set_index("region")
    got = got[got["period"] == "2016"]
    checked = 0
    for f in raw_rows("alo"):
        total, ausl = num(f[2]), num(f[3])
        if math.isnan(total) or math.isnan(ausl):
            continue
        code = unit(f[0], got.index)
        value = got.loc[code, "value"]
        if total == 0:
            assert math.isnan(value) and "Nenner ist 0" in got.loc[code, "note"]
        else:
            assert value == pytest.approx(ausl / total * 100), f
            checked += 1
    assert checked > 8000
    assert round(got.loc["05566028", "value"], 1) == 23.3  # 253 of 1.088


def test_bev_entwicklung_2008_2015(result):
    rows = {f[0]: f for f in raw_rows("bev_gem")}
    df = totals(result, "bev_entwicklung")
    ibb = df[df["region"] == "05566028"].set_index("period")
    assert list(ibb.index) == [f"{y}-12-31" for y in range(2009, 2016)]
    f = rows["05566028"]  # columns: 2015 (total, m, w), 2014 (…), …, 2008
    totals_by_year = {2015 - i: num(f[2 + 3 * i]) for i in range(8)}
    for year in range(2009, 2016):
        expected = (totals_by_year[year] / totals_by_year[year - 1] - 1) * 100
        assert ibb.loc[f"{year}-12-31", "value"] == pytest.approx(expected)
    # every Gemeinde with two numeric years gets a change
    minden = df[(df["region"] == "05770024") & (df["period"] == "2015-12-31")].iloc[0]
    m = rows["05770024"]
    assert minden["value"] == pytest.approx((num(m[2]) / num(m[5]) - 1) * 100)
    assert df["region"].nunique() > 10000


def kreis_foreigners() -> dict[str, tuple[float, float]]:
    """Kreis code -> (population, foreigners) on 31.12.2015, age 'Insgesamt'."""
    return {
        f[1]: (num(f[4]), num(f[10]))
        for f in raw_rows("bev_kreis", code_col=1)
        if f[0] == "31.12.2015" and f[3] == "Insgesamt"
    }


def test_ausl_anteil_every_kreis(result):
    raw = kreis_foreigners()
    got = totals(result, "ausl_anteil")
    got = got[got["period"] == "2015-12-31"].set_index("region")
    for code, (pop, foreigners) in raw.items():
        if pop > 0 and not math.isnan(foreigners):
            assert got.loc[code, "value"] == pytest.approx(foreigners / pop * 100), code
        elif code in got.index:
            assert math.isnan(got.loc[code, "value"]), code
    pop, foreigners = raw["16070"]
    assert round(got.loc["16070", "value"], 1) == round(foreigners / pop * 100, 1) == 4.4
    assert len(raw) > 400


def test_einbuergerungsquote_kreise_denominator_previous_year(result):
    raw = kreis_foreigners()
    einb = {(f[0], f[1]): num(f[3]) for f in raw_rows("einb", code_col=1)}
    got = totals(result, "einbuergerungsquote").set_index(["region", "period"])
    checked = 0
    for (year, code), n in einb.items():
        if year != "2016" or code not in raw or math.isnan(n) or not raw[code][1] > 0:
            continue
        row = got.loc[(code, "2016")]
        assert row["value"] == pytest.approx(n / raw[code][1] * 100), code
        assert row["denominator_period"] == "2015-12-31" and "statt" not in row["note"]
        checked += 1
    assert checked > 400
    ilm = got.loc[("16070", "2016")]
    assert ilm["numerator"] == 50 and round(ilm["value"], 2) == round(50 / raw["16070"][1] * 100, 2)
    # 2015: wanted 31.12.2014, nearest available 31.12.2015 (note); 2012: nothing within 2 years
    assert "Nenner zum 31.12.2015 statt zum 31.12.2014" in got.loc[("16070", "2015"), "note"]
    assert math.isnan(got.loc[("16070", "2012"), "value"])
    assert "Nenner fehlt" in got.loc[("16070", "2012"), "note"]


def test_einbuergerungen_by_continent(result):
    df = result[
        (result["indicator_id"] == "einbuergerungen_anzahl") & (result["region"] == "16070")
    ]
    f = next(r for r in raw_rows("einb", code_col=1) if r[0] == "2016" and r[1] == "16070")
    europe = df[(df["period"] == "2016") & (df["category"] == "kontinent=Europa")].iloc[0]
    assert europe["value"] == num(f[8])


def test_binationale_ehen_amtlich_every_kreis(result):
    got = totals(result, "binationale_ehen_anteil_amtlich").set_index(["region", "period"])
    checked = 0
    for f in raw_rows("ehe", code_col=1):
        total, de_aus, aus_de = num(f[3]), num(f[8]), num(f[10])
        if math.isnan(total) or math.isnan(de_aus) or math.isnan(aus_de) or total == 0:
            continue
        assert got.loc[(f[1], f[0]), "value"] == pytest.approx((de_aus + aus_de) / total * 100)
        checked += 1
    assert checked > 3000


def test_schueler_ausl_anteil_and_repraesentationsindex(result):
    rows = {(f[0], f[2]): f for f in raw_rows("schule")}
    df = result[result["region"] == "16070"]
    gym = df[
        (df["indicator_id"] == "schueler_ausl_anteil") & (df["school_type"] == "Gymnasien")
    ].iloc[0]
    g, total = rows[("16070", "Gymnasien")], rows[("16070", "Insgesamt")]
    share_gym = num(g[6]) / num(g[4]) * 100
    share_all = num(total[6]) / num(total[4]) * 100
    assert gym["value"] == pytest.approx(share_gym)
    idx = df[
        (df["indicator_id"] == "repraesentationsindex") & (df["school_type"] == "Gymnasien")
    ].iloc[0]
    assert idx["value"] == pytest.approx(share_gym / share_all)
    empty = df[
        (df["indicator_id"] == "schueler_ausl_anteil") & (df["school_type"] == "Hauptschulen")
    ].iloc[0]
    assert math.isnan(empty["value"]) and "Nenner ist 0" in empty["note"]  # no Hauptschulen


def test_vectorised_equals_per_unit_loop(store, result):
    units = ["05566028", "05770024", "16070", "05566", "05", "DG"]
    loop = pd.concat([ind.compute(regions=[u], store=store) for u in units], ignore_index=True)
    loop = loop[loop["value"].notna()]
    whole = result[result["region"].isin(units) & result["value"].notna()]
    key = [
        "indicator_id",
        "region",
        "period",
        "sex",
        "nationality",
        "age_group",
        "school_type",
        "district",
        "category",
    ]
    a = whole.set_index(key)["value"].sort_index()
    b = loop.set_index(key)["value"].sort_index()
    pd.testing.assert_series_equal(a, b)


def test_compare_kreis_land_bund(store):
    comp = ind.compare("svb_ausl_anteil", "Ibbenbüren", store=store)
    assert list(comp["level"]) == ["Gemeinde", "Kreis", "Land", "Deutschland"]
    f = {r[0]: r for r in raw_rows("svb_wo")}
    for code in ("05566028", "05566", "05", "DG"):
        value = comp.set_index("region").loc[code, "value"]
        assert value == pytest.approx(num(f[code][5]) / num(f[code][2]) * 100)
    ilm = ind.compare("ausl_anteil", "Ilm-Kreis", store=store)
    assert list(ilm["region"]) == ["16070", "16", "DG"]  # a Kreis is a unit of its own

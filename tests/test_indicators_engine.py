"""Engine rules on small tidy frames: symbols, missing inputs, sums, dates, suppression, change.

These are the only synthetic numbers in the indicator tests: each frame is built to exercise
one rule (real values are checked in test_indicators_real.py and _ibbenbueren.py).
"""

from __future__ import annotations

import importlib
import math

import pandas as pd
import pytest

from ibislib import indicators as ind
from ibislib.errors import IbisError
from ibislib.tidy import finish, validate


def frame(rows: list[dict]) -> pd.DataFrame:
    base = {
        "region_name": "Testgemeinde",
        "unit": "Anzahl",
        "source": "synthetisch (Test)",
        "table": "test",
    }
    df = finish(pd.DataFrame([{**base, **r} for r in rows]))
    return validate(df)


def pop(region, period, value, flag="", **dims):
    return {
        "region": region,
        "period": period,
        "measure": "bevoelkerung",
        "value": value,
        "flag": flag,
        **dims,
    }


def get(df, indicator_id, region="05566028", **dims):
    d = df[(df["indicator_id"] == indicator_id) & (df["region"] == region)]
    for dim in ("sex", "nationality", "age_group", "school_type", "district", "category"):
        d = d[d[dim] == dims.get(dim, "insgesamt")]
    return d


def test_symbol_gives_nan_with_flag_and_dash_is_zero():
    store = frame(
        [
            pop("05566028", "2015-12-31", 1000),
            pop("05566028", "2015-12-31", math.nan, ".", nationality="ausländisch"),
            pop("05566029", "2015-12-31", 200),
            pop("05566029", "2015-12-31", math.nan, "-", nationality="ausländisch"),
        ]
    )
    df = ind.compute(["ausl_anteil"], store=store)
    hidden = get(df, "ausl_anteil").iloc[0]
    assert math.isnan(hidden["value"]) and hidden["flag"] == "."
    assert "Zähler nicht ausgewiesen (Zeichen '.')" in hidden["note"]
    zero = get(df, "ausl_anteil", "05566029").iloc[0]  # '-' = nothing there, exactly zero
    assert zero["value"] == 0 and zero["flag"] == "-"


def test_missing_denominator_and_unknown_unit_never_zero():
    store = frame([pop("05566028", "2015-12-31", 50, nationality="ausländisch")])
    df = ind.compute(["ausl_anteil", "sgb2_ausl_anteil"], regions=["05566028"], store=store)
    row = get(df, "ausl_anteil").iloc[0]
    assert math.isnan(row["value"]) and row["numerator"] == 50
    assert row["note"].startswith("Nenner fehlt: Bevölkerung")
    sgb = get(df, "sgb2_ausl_anteil").iloc[0]  # nothing at all for this indicator
    assert math.isnan(sgb["value"]) and "Keine Daten im Datenspeicher" in sgb["note"]


def test_age_sum_needs_every_group():
    store = frame(
        [
            pop("05566028", "2015-12-31", 100, nationality="ausländisch"),
            pop("05566028", "2015-12-31", 30, nationality="ausländisch", age_group="18-30"),
            pop("05566028", "2015-12-31", 40, nationality="ausländisch", age_group="30-50"),
            pop("05566029", "2015-12-31", 100, nationality="ausländisch"),
            pop("05566029", "2015-12-31", 30, nationality="ausländisch", age_group="18-30"),
            pop("05566029", "2015-12-31", 40, nationality="ausländisch", age_group="30-50"),
            pop("05566029", "2015-12-31", 20, nationality="ausländisch", age_group="50-65"),
        ]
    )
    df = ind.compute(["ausl_anteil_erwerbsalter"], store=store)
    assert get(df, "ausl_anteil_erwerbsalter", "05566029").iloc[0]["value"] == pytest.approx(90)
    partial = get(df, "ausl_anteil_erwerbsalter", "05566028").iloc[0]
    assert math.isnan(partial["value"]) and "nicht alle Teile" in partial["note"]


def test_previous_year_end_rule_and_gap():
    store = frame(
        [
            {"region": "05566", "period": "2016", "measure": "einbuergerungen", "value": 30},
            {"region": "05566", "period": "2019", "measure": "einbuergerungen", "value": 40},
            {"region": "05566", "period": "2021", "measure": "einbuergerungen", "value": 50},
            pop("05566", "2015-12-31", 3000, nationality="ausländisch"),
            pop("05566", "2016-12-31", 4000, nationality="ausländisch"),
        ]
    )
    df = ind.compute(["einbuergerungsquote"], store=store).set_index("period")
    assert df.loc["2016", "value"] == pytest.approx(1.0)  # over 31.12.2015, not 31.12.2016
    assert df.loc["2016", "note"] == ""
    assert df.loc["2019", "denominator_period"] == "2016-12-31"  # wanted 31.12.2018
    assert "Nenner zum 31.12.2016 statt zum 31.12.2018" in df.loc["2019", "note"]
    assert math.isnan(df.loc["2021", "value"])  # nearest Stichtag is 4 years away: no value
    assert "Nenner fehlt" in df.loc["2021", "note"]
    with pytest.raises(IbisError, match="Unbekannte Indikator-ID 'einbuergerungsqoute'"):
        ind.compute(["einbuergerungsqoute"], store=store)


def test_breakdown_sum_over_categories_and_change():
    rows = []
    for year, (total, de_aus, aus_de) in {"2014": (100, 5, 3), "2015": (120, 6, 6)}.items():
        for cat, v in {
            "ehefrau=insgesamt|ehemann=insgesamt": total,
            "ehefrau=ausländisch|ehemann=deutsch": de_aus,
            "ehefrau=deutsch|ehemann=ausländisch": aus_de,
        }.items():
            rows.append(
                {
                    "region": "16070",
                    "period": year,
                    "measure": "eheschliessungen",
                    "category": cat,
                    "value": v,
                }
            )
    store = frame(rows)
    df = ind.compute(["binationale_ehen_anteil_amtlich"], store=store)
    assert list(df["value"]) == pytest.approx([8.0, 10.0])
    ch = ind.change(df).set_index("period")
    assert ch.loc["2015", "previous_period"] == "2014"
    assert ch.loc["2015", "change"] == pytest.approx(2.0)  # Prozentpunkte
    assert math.isnan(ch.loc["2015", "change_pct"])


def test_regions_by_name_series_latest_and_parents():
    store = frame(
        [
            pop("05566028", "2014-12-31", 1000, region_name="Ibbenbüren"),
            pop("05566028", "2015-12-31", 1100, region_name="Ibbenbüren"),
            pop("05566", "2015-12-31", 10000, region_name="Steinfurt, Kreis"),
        ]
    )
    s = ind.series("bev_insgesamt", "Ibbenbüren", store=store)
    assert list(s["period"]) == ["2014-12-31", "2015-12-31"]
    last = ind.latest("bev_entwicklung", "05566028", store=store)
    assert last["value"] == pytest.approx(10.0) and last["denominator_period"] == "2014-12-31"
    assert ind.latest("sgb2_ausl_anteil", "05566028", store=store) is None
    assert ind.parents("05566028") == ["05566", "05", "DG"]
    assert ind.level_of("05566") == "Kreis"


def test_suppression_primary_and_secondary():
    rows = [pop("05566028", "2015-12-31", 100, nationality="ausländisch")]
    for group, v in {"0-18": 3, "18-65": 60, "65+": 37}.items():
        rows.append(pop("05566028", "2015-12-31", v, nationality="ausländisch", age_group=group))
    df = ind.compute(["ausl_altersstruktur"], store=frame(rows))
    out = ind.suppress(df, threshold=5).set_index("age_group")
    assert out.loc["0-18", "flag"] == "*" and math.isnan(out.loc["0-18", "value"])
    assert math.isnan(out.loc["0-18", "numerator"])
    # secondary: otherwise 100 − 60 − 37 reveals the 3
    assert out.loc["65+", "flag"] == "*" and "gesperrt" in out.loc["65+", "note"]
    assert out.loc["18-65", "value"] == pytest.approx(60) and out.loc["insgesamt", "flag"] == ""
    assert ind.suppress(df, threshold=3).loc[:, "flag"].eq("").all()  # threshold is a parameter


def test_suppression_of_tidy_frames():
    store = frame(
        [
            pop("05566028", "2015-12-31", 20),
            pop("05566028", "2015-12-31", 2, sex="männlich"),
            pop("05566028", "2015-12-31", 18, sex="weiblich"),
        ]
    )
    out = ind.suppress(store).set_index("sex")
    assert out.loc["männlich", "flag"] == "*" and out.loc["weiblich", "flag"] == "*"
    assert out.loc["insgesamt", "value"] == 20


def test_period_filter_by_year():
    store = frame(
        [
            pop("05566028", "2021-12-31", 900),
            pop("05566028", "2022-09-30", 1000),
            {"region": "05566028", "period": "2022", "measure": "einbuergerungen", "value": 3},
        ]
    )
    df = ind.compute(["bev_insgesamt", "einbuergerungen_anzahl"], periods="2022", store=store)
    assert sorted(df["period"]) == ["2022", "2022-09-30"]
    assert list(ind.compute(["bev_insgesamt"], periods=["2021-12-31"], store=store)["value"]) == [
        900
    ]


def test_result_does_not_depend_on_the_regions_computed_with_it():
    """Issue 17: the complement note of ausl_anteil_unter18 came and went with the region set.
    Table 'a' has 0-18 (a direct sum); table 'b' only 18+ groups (total minus 18+)."""
    store = frame(
        [
            pop("05566028", "2015-12-31", 100, nationality="ausländisch", table="a"),
            pop(
                "05566028", "2015-12-31", 20, nationality="ausländisch", age_group="0-18", table="a"
            ),
            pop(
                "05566028", "2015-12-31", 80, nationality="ausländisch", age_group="18+", table="a"
            ),
            pop("05566029", "2015-12-31", 100, nationality="ausländisch", table="b"),
            pop(
                "05566029", "2015-12-31", 70, nationality="ausländisch", age_group="18+", table="b"
            ),
        ]
    )
    ids = ["ausl_anteil_unter18"]
    alone = get(ind.compute(ids, regions=["05566028"], store=store), ids[0]).iloc[0]
    both = ind.compute(ids, regions=["05566028", "05566029"], store=store)
    together = get(both, ids[0]).iloc[0]
    assert alone["value"] == together["value"] == pytest.approx(20)
    assert alone["note"] == together["note"] and "minus 18" not in together["note"]
    other = get(both, ids[0], "05566029").iloc[0]
    assert other["value"] == pytest.approx(30) and "minus 18 Jahre" in other["note"]


def test_catalogue_computed_once_per_region_and_store(monkeypatch):
    """Issue 17: repeated compute() calls for the same regions slice one evaluation of the
    catalogue; a new store (rebuilt) starts afresh; results equal the uncached path."""
    from ibislib.indicators import engine

    store = frame(
        [
            pop("05566028", "2015-12-31", 1000),
            pop("05566028", "2015-12-31", 100, nationality="ausländisch"),
            pop("05566029", "2015-12-31", 500),
        ]
    )
    calls = []
    real = engine.evaluate
    monkeypatch.setattr(engine, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    first = ind.compute(["ausl_anteil"], regions=["05566028"], store=store)
    n = len(calls)
    assert n >= len(engine.catalog())  # the whole catalogue, once
    again = ind.compute(["ausl_anzahl", "ausl_anteil"], regions=["05566028"], store=store)
    assert len(calls) == n  # sliced, nothing evaluated
    assert get(again, "ausl_anteil").iloc[0]["value"] == pytest.approx(10)
    assert first["value"].tolist() == get(again, "ausl_anteil")["value"].tolist()
    # uncached path (parameters) gives the same row
    plain = ind.compute(["ausl_anteil"], regions=["05566028"], store=store, params={"x": 1})
    assert get(plain, "ausl_anteil").iloc[0]["value"] == pytest.approx(10)
    rebuilt = store.copy()
    ind.compute(["ausl_anteil"], regions=["05566028"], store=rebuilt)
    assert len(calls) > n  # another store object: computed afresh


def test_answers_kept_per_question_safe_to_change_and_tied_to_the_catalogue(tmp_path, monkeypatch):
    """Issue 17: the same compute() question is answered from the kept answer (equal to the
    uncached path); a caller changing its answer changes nothing kept; an edited catalogue
    (a new catalogue object) computes afresh."""
    cat_mod = importlib.import_module("ibislib.indicators.catalog")
    from ibislib.indicators import engine

    store = frame(
        [
            pop("05566028", "2015-12-31", 1000),
            pop("05566028", "2015-12-31", 100, nationality="ausländisch"),
            pop("05566028", "2016-12-31", 1000),
            pop("05566028", "2016-12-31", 200, nationality="ausländisch"),
            pop("05566029", "2015-12-31", 500),
        ]
    )
    ids, regions = ["ausl_anteil", "ausl_anzahl"], ["05566029", "05566028", "05566030"]
    slices = []
    real = engine._slice
    monkeypatch.setattr(engine, "_slice", lambda *a, **k: slices.append(1) or real(*a, **k))
    first = ind.compute(ids, regions=regions, store=store)
    again = ind.compute(ids, regions=regions, store=store)
    assert len(slices) == 1  # the second answer was kept
    pd.testing.assert_frame_equal(first, again)
    uncached = ind.compute(ids, regions=regions, store=store, params={"x": 1})
    pd.testing.assert_frame_equal(first, uncached)
    # a slice of the whole: one period, one region, one indicator
    one = ind.compute(["ausl_anteil"], regions=["05566028"], periods="2016", store=store)
    whole = first[(first["indicator_id"] == "ausl_anteil") & (first["region"] == "05566028")]
    whole = whole[whole["period"] == "2016-12-31"].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, whole)
    assert get(one, "ausl_anteil").iloc[0]["value"] == pytest.approx(20)

    first["value"] = 0.0  # the caller's copy
    first.loc[0, "note"] = "geändert"
    third = ind.compute(ids, regions=regions, store=store)
    pd.testing.assert_frame_equal(third, again)
    assert get(third, "ausl_anteil").iloc[0]["value"] == pytest.approx(10)

    path = tmp_path / "catalog.yml"
    text = cat_mod.CATALOG_PATH.read_text(encoding="utf-8")
    entry = "  - id: ausl_anteil\n    title: Ausländeranteil\n"
    assert entry in text
    path.write_text(text.replace(entry, entry + "    scale: 1000\n", 1), encoding="utf-8")
    monkeypatch.setattr(cat_mod, "CATALOG_PATH", path)
    n = len(slices)
    edited = ind.compute(ids, regions=regions, store=store)
    assert len(slices) == n + 1  # computed afresh for the new catalogue
    assert get(edited, "ausl_anteil").iloc[0]["value"] == pytest.approx(100)


def test_references_split_once_per_store_and_equal_to_a_filter():
    """Issue 17: reference values are split by indicator once per store object; each answer
    equals filtering the whole table, and a caller's change to it reaches nothing kept."""
    from ibislib.indicators.reference import references

    store = frame(
        [
            {
                "region": "05566028",
                "period": "2020",
                "measure": "einbuergerungsquote",
                "unit": "Prozent",
                "value": 1.5,
                "flag": "",
            }
        ]
    )
    whole = references(store=store)
    assert "05566028" in set(whole["region"])
    for iid in [*whole["indicator_id"].unique(), "ausl_anteil_unbekannt"]:
        one = references(iid, store=store)
        expect = whole[whole["indicator_id"] == iid].reset_index(drop=True)
        pd.testing.assert_frame_equal(one, expect)
    one = references("einbuergerungsquote", store=store)
    one["value"] = -1.0
    assert (references("einbuergerungsquote", store=store)["value"] >= 0).all()
    other = store.copy()
    other["value"] = 2.5
    again = references("einbuergerungsquote", store=other)
    assert 2.5 in set(again.loc[again["region"] == "05566028", "value"])


def test_comparison_kept_per_store_and_safe_to_change(monkeypatch):
    """Issue 17: the same compare() question is answered once per prepared store; the kept
    table reaches no caller's change, and another store (rebuilt) is asked afresh."""
    from ibislib.indicators import query

    rows = []
    for ags, n, a in (("05566028", 1000, 100), ("05566", 10000, 800), ("05", 100000, 15000)):
        rows += [pop(ags, "2015-12-31", n), pop(ags, "2015-12-31", a, nationality="ausländisch")]
    store = frame(rows)
    made = []
    real = query._compare
    monkeypatch.setattr(query, "_compare", lambda *a: made.append(1) or real(*a))
    first = ind.compare("ausl_anteil", "05566028", store=store)
    assert first.set_index("region")["value"].round(1).to_dict() == {
        "05566028": 10.0,
        "05566": 8.0,
        "05": 15.0,
    }
    first["value"] = 0.0
    again = ind.compare("ausl_anteil", "05566028", store=store)
    assert len(made) == 1 and again["value"].round(1).tolist() == [10.0, 8.0, 15.0]
    ind.compare("ausl_anteil", "05566028", period="2015-12-31", store=store)
    assert len(made) == 2  # another question
    ind.compare("ausl_anteil", "05566028", store=store.copy())
    assert len(made) == 3  # another store

"""One period order (issue 12): what the report calls the newest period (report/blocks.py) is
what ``query.latest`` calls latest, and the batch overview sorts the same way. Periods come as
years, Stichtage (stored 2021-12-31, written 31.12.2021) and school years (2021/22)."""

from __future__ import annotations

import pandas as pd

from ibislib.indicators import query
from ibislib.report import blocks
from ibislib.tidy import COLUMNS, DIMENSIONS, TOTAL

MIXED = ["30.06.2024", "2021/22", "2015", "31.12.2021"]


def test_periods_sort_by_the_date_they_stand_for():
    # a string sort calls "31.12.2021" the newest
    assert sorted(MIXED, key=blocks._period_key) == ["2015", "2021/22", "31.12.2021", "30.06.2024"]
    assert blocks.latest_period(pd.DataFrame({"period": MIXED})) == "30.06.2024"
    # a school year (15.10.) comes before the end of its first calendar year, a year after
    # every Stichtag inside it; unknown text sorts last instead of in the middle
    assert sorted(["2022", "2022-06-30", "2022/23", "2021-12-31"], key=query.period_key) == [
        "2021-12-31",
        "2022-06-30",
        "2022/23",
        "2022",
    ]
    assert sorted(["kein Datum", "2015"], key=query.period_key) == ["2015", "kein Datum"]


def _store(periods: list[str]) -> pd.DataFrame:
    rows = []
    for i, p in enumerate(periods):
        row = dict.fromkeys(COLUMNS, "")
        row |= dict.fromkeys(DIMENSIONS, TOTAL)
        row |= {
            "region": "05566028",
            "region_name": "Ibbenbüren",
            "period": p,
            "measure": "bevoelkerung",
            "value": 50000.0 + i,
            "unit": "Anzahl",
            "source": "Test",
            "table": "test",
        }
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def test_report_latest_is_query_latest():
    """'2021' (31.12.2021) is newer than '2021-06-30', though a string sort says otherwise."""
    store = _store(["2015", "2021", "2021-06-30", "2020/21"])
    row = query.latest("bev_insgesamt", "05566028", store=store)
    assert row is not None and row["period"] == "2021"
    series = query.series("bev_insgesamt", "05566028", store=store)
    assert blocks.latest_period(series) == row["period"]
    assert list(series["period"]) == sorted(series["period"], key=blocks._period_key)

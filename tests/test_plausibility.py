"""The plausibility rules and the number rule per format, one by one (the campaign in
tests/hostile/ drives them through real files; these pin each rule's boundary)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from ibislib import plausibility, store
from ibislib.errors import ValidationError
from ibislib.sources import numbers
from ibislib.tidy import finish, validate


@pytest.mark.parametrize(
    ("text", "rule", "value"),
    [
        ("53363", "german", 53363.0),
        ("53.363", "german", 53363.0),
        ("1.139,5", "german", 1139.5),
        ("-12", "german", -12.0),
        ("34,4", "ffcsv", 34.4),
        ("53363", "ffcsv", 53363.0),
        ("1,234.5", "german", None),
        ("784,119.5", "german", None),
        ("4433.74", "german", None),
        ("1.2345", "german", None),
        ("158.789", "ffcsv", None),
        ("inf", "german", None),
        ("NaN", "ffcsv", None),
        ("1e5", "german", None),
        ("", "german", None),
    ],
)
def test_one_number_rule_per_format(text: str, rule: str, value: float | None) -> None:
    assert numbers.parse(text, rule) == value


def test_refusals_say_what_the_cell_looks_like() -> None:
    assert "englischen Format" in numbers.why_not("1,234.5", "german")[0]
    assert "mehrdeutig" in numbers.why_not("158.789", "ffcsv")[0]
    assert "endliche" in numbers.why_not("-inf", "ffcsv")[0]
    assert numbers.json_number(True) is None and numbers.json_number("1.234") is None
    assert numbers.json_number(float("inf")) is None and numbers.json_number(12) == 12.0
    assert numbers.excerpt("a\x1b[2Jb" + "x" * 100, 20) == "a [2Jbxxxxxxxxxxxxx…"


def _table(rows: list[dict], **attrs: float) -> pd.DataFrame:
    base = {"region_name": "X", "unit": "Anzahl", "source": "Test", "measure": "bevoelkerung"}
    df = finish(pd.DataFrame([{**base, **r} for r in rows]))
    df.attrs.update(attrs)
    return df


def test_counts_are_whole_numbers() -> None:
    with pytest.raises(ValidationError, match="Regel 'count'.*05566028"):
        validate(_table([{"region": "05566028", "period": "2020", "value": 10.5}]))


def test_shares_between_0_and_100_except_changes() -> None:
    pct = {"region": "05566028", "period": "2020", "unit": "Prozent"}
    with pytest.raises(ValidationError, match="Regel 'share'"):
        validate(_table([{**pct, "measure": "ausl_anteil", "value": 175.0}]))
    validate(_table([{**pct, "measure": "bev_veraenderung", "value": -3.2}]))


@pytest.mark.parametrize(
    ("period", "ok"),
    [
        ("2015-02-28", True),
        ("2015-02-31", False),
        ("2024-02-29", True),
        ("2023-02-29", False),
        ("2099", False),
        ("1850", False),
        ("2015/16", True),
        ("2015/17", False),
    ],
)
def test_dates_are_real_and_not_in_the_future(period: str, ok: bool) -> None:
    assert (plausibility._date_problem(period, date(2026, 1, 1)) is None) is ok


def test_districts_may_not_exceed_their_total() -> None:
    rows = [
        {"region": "05566028", "period": "2020", "value": 1000.0},
        {"region": "05566028", "period": "2020", "district": "A", "value": 800.0},
        {"region": "05566028", "period": "2020", "district": "B", "value": 700.0},
    ]
    with pytest.raises(ValidationError, match="'district'.*1.500 > insgesamt 1.000"):
        validate(_table(rows))


def test_gemeinden_vs_kreis_error_and_warning() -> None:
    def rows(kreis: float) -> list[dict]:
        return [
            {"region": "05566", "period": "2020", "value": kreis},
            {"region": "05566004", "period": "2020", "value": 600.0},
            {"region": "05566008", "period": "2020", "value": 400.0},
        ]

    assert validate(_table(rows(1000.0))).attrs["warnings"] == []
    warned = validate(_table(rows(998.0))).attrs["warnings"]
    assert len(warned) == 1 and "hierarchy" in warned[0] and "05566" in warned[0]
    with pytest.raises(ValidationError, match="hierarchy.*Kreis 05566"):
        validate(_table(rows(100.0)))  # the Kreis divided by ten


def test_conflicts_name_both_files() -> None:
    a = _table([{"region": "05566", "period": "2020", "value": 1.0}])
    b = _table([{"region": "05566", "period": "2020", "value": 2.0}])
    same = _table([{"region": "05566", "period": "2020", "value": 1.0}])
    found = plausibility.conflicts({"a.csv": a, "b.csv": b, "c.csv": same})
    assert [c["files"] for c in found] == [["a.csv", "b.csv"]]
    assert "05566" in found[0]["example"] and "'b.csv'" in found[0]["example"]


def test_store_records_warnings_of_the_real_files(tmp_path) -> None:
    raw = tmp_path / "raw"
    for rel in (
        "regionalstatistik/13211-01-03-5_00.csv",
        "ba_statistik/uebergreifendeDaten/arbeitslose_ausländer_nachgeschlecht.csv",
    ):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes((store.paths.raw_dir() / rel).read_bytes())
    res = store.build(raw=raw, processed=tmp_path / "processed")
    assert res.errors == {}
    lines = store.warnings(tmp_path / "processed")
    # arbeitslose at Gemeinde level add up to a little more than their Kreis (rounded averages)
    assert any("13211" in w and "Regel 'hierarchy'" in w for w in lines)
    # the BA and the Regionalstatistik give foreigners 2016 differently: both files named
    agree = [w for w in lines if "Regel 'agree'" in w]
    assert agree and "arbeitslose_ausländer_nachgeschlecht.csv" in agree[0]
    assert "13211-01-03-5_00.csv" in agree[0]

"""The tidy schema and its validation rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibislib import tidy
from ibislib.errors import ValidationError


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"region_name": "Ibbenbüren", "unit": "Anzahl", "source": "Test", "table": "t"}
    return tidy.finish(pd.DataFrame([{**base, **r} for r in rows]))


def _ok_rows() -> list[dict]:
    return [
        {"region": "05566028", "period": "2022-09-30", "measure": "bevoelkerung", "value": 53363.0},
        {
            "region": "05566028",
            "period": "2022-09-30",
            "measure": "bevoelkerung",
            "nationality": "ausländisch",
            "value": 5263.0,
        },
    ]


def test_valid_frame_passes_and_fills_dimensions() -> None:
    df = tidy.validate(_frame(_ok_rows()))
    assert list(df.columns) == tidy.COLUMNS
    assert (df["sex"] == tidy.TOTAL).all()
    assert df["value"].dtype == float


@pytest.mark.parametrize(
    "change, words",
    [
        ({"region": "5566028"}, "region"),
        ({"period": "30.09.2022"}, "period"),
        ({"nationality": "Ausländer"}, "nationality"),
        ({"unit": "Stück"}, "unit"),
        ({"flag": "?", "value": np.nan}, "flag"),
    ],
)
def test_schema_violations_name_the_column(change: dict, words: str) -> None:
    rows = _ok_rows()
    rows[1].update(change)
    with pytest.raises(ValidationError) as exc:
        tidy.validate(_frame(rows), "x.csv")
    assert words in exc.value.message and "x.csv" in exc.value.message


def test_duplicate_keys_rejected() -> None:
    rows = _ok_rows() + [_ok_rows()[0]]
    with pytest.raises(ValidationError, match="doppeltem Schlüssel"):
        tidy.validate(_frame(rows))


def test_negative_count_rejected() -> None:
    rows = _ok_rows()
    rows[0]["value"] = -1.0
    with pytest.raises(ValidationError, match="Negative Anzahl"):
        tidy.validate(_frame(rows))


def test_part_larger_than_total_rejected() -> None:
    rows = _ok_rows()
    rows[1]["value"] = 60000.0
    with pytest.raises(ValidationError, match="Teil größer als Summe"):
        tidy.validate(_frame(rows))


def test_sum_of_parts_larger_than_total_rejected() -> None:
    rows = [
        {"region": "05", "period": "2015", "measure": "arbeitslose", "value": 10.0},
        {
            "region": "05",
            "period": "2015",
            "measure": "arbeitslose",
            "sex": "männlich",
            "value": 6.0,
        },
        {
            "region": "05",
            "period": "2015",
            "measure": "arbeitslose",
            "sex": "weiblich",
            "value": 6.0,
        },
    ]
    with pytest.raises(ValidationError, match="sex"):
        tidy.validate(_frame(rows))


def test_missing_value_needs_a_symbol() -> None:
    rows = _ok_rows()
    rows[1]["value"] = np.nan
    with pytest.raises(ValidationError, match="ohne Zeichen"):
        tidy.validate(_frame(rows))
    rows[1]["flag"] = "."
    assert tidy.validate(_frame(rows))["value"].isna().sum() == 1


@pytest.mark.parametrize(
    "label, group",
    [
        ("unter 3 Jahre", "0-3"),
        ("15 bis unter 20 Jahre", "15-20"),
        ("75 Jahre und mehr", "75+"),
        ("55 Jahre und älter", "55+"),
        ("Insgesamt", "insgesamt"),
        ("Hauptschulen", None),
    ],
)
def test_age_group_labels(label: str, group: str | None) -> None:
    assert tidy.age_group(label) == group


def test_age_bounds() -> None:
    assert tidy.age_bounds("18-65") == (18, 65)
    assert tidy.age_bounds("80+") == (80, np.inf)

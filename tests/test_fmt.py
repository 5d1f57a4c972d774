"""German number, percent and date formats without the OS locale."""

from __future__ import annotations

import locale

from ibislib import fmt

NNBSP = "\u202f"


def test_numbers():
    assert fmt.number(53363) == "53.363"
    assert fmt.number(5263.0) == "5.263"
    assert fmt.number(1234567.891, 2) == "1.234.567,89"
    assert fmt.number(-0.04, 1) == "0,0"  # no "-0,0"
    assert fmt.number(-1234.5, 1) == "-1.234,5"
    assert fmt.number(None) == "–" and fmt.number(float("nan")) == "–"


def test_percent():
    assert fmt.percent(9.862639) == f"9,9{NNBSP}%"
    assert fmt.percent(0.646, 2) == f"0,65{NNBSP}%"
    assert fmt.percent(0.646, None) == f"0,65{NNBSP}%"  # small shares keep two decimals
    assert fmt.percent(0.0312, None) == f"0,031{NNBSP}%"
    assert fmt.percent(31.27, 0) == f"31{NNBSP}%"
    assert fmt.percent(0.4027, scale=100, decimals=0) == f"40{NNBSP}%"
    assert fmt.percent(float("nan")) == "–"


def test_quantity_by_unit():
    assert fmt.quantity(53363, "Anzahl") == "53.363"
    assert fmt.quantity(0.98, "Prozent", 2) == f"0,98{NNBSP}%"
    assert fmt.quantity(1.2345, "Index", 2) == "1,23"
    assert fmt.quantity(float("nan"), "Index") == "–"


def test_dates_and_periods():
    assert fmt.date("2022-09-30") == "30.09.2022"
    assert fmt.period("2021") == "2021"
    assert fmt.period("2021/22") == "2021/22"


def test_independent_of_os_locale():
    old = locale.setlocale(locale.LC_ALL)
    try:
        for name in ("C", "en_US.UTF-8"):
            try:
                locale.setlocale(locale.LC_ALL, name)
            except locale.Error:
                continue
            assert fmt.number(53363) == "53.363"
            assert fmt.percent(9.86) == f"9,9{NNBSP}%"
    finally:
        locale.setlocale(locale.LC_ALL, old)

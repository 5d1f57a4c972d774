"""German number and date formats, independent of the OS locale."""

from ibislib import fmt


def test_numbers_and_percent() -> None:
    assert fmt.number(53363) == "53.363"
    assert fmt.number(1234567.891, 2) == "1.234.567,89"
    assert fmt.percent(9.862) == "9,9\u202f%"
    assert fmt.percent(0.65, 2) == "0,65\u202f%"
    assert fmt.number(float("nan")) == "–"


def test_dates() -> None:
    assert fmt.date("2022-09-30") == "30.09.2022"
    assert fmt.period("2021/22") == "2021/22"
    assert fmt.period("2021") == "2021"

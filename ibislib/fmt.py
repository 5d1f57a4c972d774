"""German number and date formatting without the OS locale: 53.363; 9,9 %; 30.09.2022."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def number(x: float | int | None, decimals: int = 0, na: str = "–") -> str:
    """53363 -> '53.363'; 9.87 (decimals=1) -> '9,9'. NaN -> '–'."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return na
    s = f"{float(x):,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(x: float | None, decimals: int = 1, na: str = "–", scale: float = 1.0) -> str:
    """9.86 -> '9,9 %' (x already in percent; use scale=100 for shares 0..1)."""
    if x is None or pd.isna(x):
        return na
    return f"{number(float(x) * scale, decimals)}\u202f%"


def date(d: str | dt.date | pd.Timestamp) -> str:
    """'2022-09-30' -> '30.09.2022'; '2021' stays '2021'; '2021/22' stays."""
    if isinstance(d, (dt.date, pd.Timestamp)):
        return d.strftime("%d.%m.%Y")
    s = str(d)
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        return f"{s[8:10]}.{s[5:7]}.{s[0:4]}"
    return s


def period(p: str) -> str:
    """A period as readers expect it: Stichtag '30.09.2022', year '2021', school year '2021/22'."""
    return date(p)

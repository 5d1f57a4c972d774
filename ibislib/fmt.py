"""German number and date formatting without the OS locale: 53.363; 9,9 %; 30.09.2022."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd


def number(x: float | int | None, decimals: int = 0, na: str = "–") -> str:
    """53363 -> '53.363'; 9.87 (decimals=1) -> '9,9'. NaN -> '–'. No '-0' after rounding."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x):
        return na
    v = float(x)
    if round(v, decimals) == 0:
        v = 0.0  # avoid "-0,0"
    s = f"{v:,.{decimals}f}"
    return s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def auto_decimals(x: float) -> int:
    """Decimals that keep small shares readable: 0,65 % (2), 9,9 % (1), 31 % stays 1."""
    a = abs(float(x))
    if a == 0 or a >= 1:
        return 1
    return 2 if a >= 0.1 else 3


def percent(x: float | None, decimals: int | None = 1, na: str = "–", scale: float = 1.0) -> str:
    """9.86 -> '9,9 %' (x already in percent; use scale=100 for shares 0..1).

    ``decimals=None`` chooses them by size: 0.654 -> '0,65 %', 0.0312 -> '0,031 %'.
    The space before % is a narrow no-break space (U+202F), as in German typesetting.
    """
    if x is None or pd.isna(x):
        return na
    v = float(x) * scale
    d = auto_decimals(v) if decimals is None else decimals
    return f"{number(v, d)}\u202f%"


def quantity(x: float | None, unit: str, decimals: int | None = None, na: str = "–") -> str:
    """A value in its unit: ('Prozent', 9.86, 1) -> '9,9 %'; ('Anzahl', 5263) -> '5.263';
    ('Index', 1.234, 2) -> '1,23'."""
    if unit == "Prozent":
        return percent(x, decimals, na=na)
    if unit == "Anzahl":
        return number(x, 0 if decimals is None else decimals, na=na)
    text = number(x, 2 if decimals is None else decimals, na=na)
    suffix = {"km2": "\u202fkm²", "Jahre": " Jahre"}.get(unit, "")
    return text + (suffix if text != na else "")


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

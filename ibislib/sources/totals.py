"""Totals over flat classifications for GENESIS exports delivered without them.

A table requested from the API without sums (``data/resultfile``; Schutzsuchende 12531-0043:
Kreis × Schutzstatus × Geschlecht × Staatsangehörigkeit) has only the finest cells. Summing
them is right only over a *flat* classification whose values do not overlap: Geschlecht and
Staatsangehörigkeit (a list of states plus "Ungeklärt", "Ohne Angabe", …). Other
classifications can be hierarchical – the Schutzstatuskategorie lists "Anerkannter
Schutzstatus" next to its parts "Befristet …" and "Unbefristet …" – and are never summed here
(the catalogue names their top-level values instead). :func:`complete` adds, per region, period
and measure, the sums over those flat variables that carry no total of their own, marked in
``note`` as our own computation; when every cell of the file is a multiple of 5 (rounded for
confidentiality) the note says that the sum may differ from the published value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..tidy import COLUMNS, TOTAL

NOTE = "Summe der Einzelwerte der Datei (eigene Berechnung)"
NOTE_ROUNDED = (
    "Summe der Einzelwerte der Datei (eigene Berechnung); die Einzelwerte sind auf Vielfache "
    "von 5 gerundet, die Summe kann vom veröffentlichten Gesamtwert abweichen"
)

#: Columns that stay as they are within one sum.
_BASE = [
    "region",
    "region_name",
    "period",
    "measure",
    "nationality",
    "age_group",
    "school_type",
    "district",
    "unit",
    "source",
    "table",
]


def _parts(categories: pd.Series) -> pd.DataFrame:
    """One column per category key ('' where a row does not carry the key)."""
    codes, uniq = pd.factorize(categories)
    parsed = [
        dict(p.split("=", 1) for p in c.split("|") if "=" in p) if c != TOTAL else {} for c in uniq
    ]
    table = pd.DataFrame(parsed).fillna("") if parsed else pd.DataFrame()
    return table.iloc[codes].reset_index(drop=True)


#: Category keys (slugs of GENESIS variable labels) whose values partition the whole.
FLAT_KEYS = {"staatsangehoerigkeit"}


def _join(parts: pd.DataFrame) -> pd.Series:
    """'k=v|k=v' per row from the remaining key columns (TOTAL when none)."""
    if parts.columns.empty:
        return pd.Series(TOTAL, index=parts.index)
    codes, uniq = pd.factorize(pd.MultiIndex.from_frame(parts))
    joined = [
        "|".join(f"{k}={v}" for k, v in zip(parts.columns, row, strict=True) if v) or TOTAL
        for row in uniq
    ]
    return pd.Series(np.asarray(joined, dtype=object)[codes], index=parts.index)


def _sum(work: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    g = work.groupby(by, sort=False, dropna=False)["value"]
    # a part without a number (symbol) leaves the sum unknown, never a smaller number
    out = g.sum(min_count=1).where(g.count() == g.size()).reset_index()
    return out


def complete(df: pd.DataFrame) -> pd.DataFrame:
    """`df` plus its sums over flat variables without totals (see module docstring)."""
    if df.empty:
        return df
    df = df.reset_index(drop=True)
    parts = _parts(df["category"])
    flat = [k for k in parts.columns if k in FLAT_KEYS and bool((parts[k] != "").all())]
    # a sum over Geschlecht only where both sexes are in the file (a file of women alone has
    # no total to add)
    by_sex = bool(df["sex"].ne(TOTAL).all()) and {"männlich", "weiblich"} <= set(df["sex"])
    if not flat and not by_sex:
        return df
    whole = df["value"].dropna().to_numpy()
    rounded = len(whole) > 0 and bool((np.mod(whole, 5) == 0).all())
    work = df[[*_BASE, "sex", "value"]].assign(
        category=_join(parts.drop(columns=flat)) if flat else df["category"]
    )
    new = []
    if flat:
        work = _sum(work, [*_BASE, "sex", "category"])
        new.append(work)
    if by_sex:
        new.append(_sex_total(work))
    out = pd.concat(new, ignore_index=True)
    out["flag"] = np.where(out["value"].isna(), ".", "")
    out["note"] = NOTE_ROUNDED if rounded else NOTE
    return pd.concat([df, out], ignore_index=True)[COLUMNS]


def _sex_total(work: pd.DataFrame) -> pd.DataFrame:
    """Sums over Geschlecht for the cells that have both a male and a female value."""
    by = [*_BASE, "category"]
    g = work.assign(_m=work["sex"].eq("männlich"), _w=work["sex"].eq("weiblich")).groupby(
        by, sort=False, dropna=False
    )
    full = (g["_m"].any() & g["_w"].any()).to_numpy()
    out = _sum(work, by)
    return out[full].reset_index(drop=True).assign(sex=TOTAL)

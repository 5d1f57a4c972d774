"""Suppression of small counts for publication (primary and secondary, "*" flag)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..tidy import DIMENSIONS, TOTAL

PRIMARY_NOTE = "Fallzahl unter {t}, aus Datenschutzgründen nicht ausgewiesen"
SECONDARY_NOTE = "gesperrt, damit gesperrte Fallzahlen nicht aus der Summe errechnet werden können"


def suppress(
    df: pd.DataFrame,
    threshold: int = 5,
    by: list[str] | None = None,
    max_rounds: int = 10,
) -> pd.DataFrame:
    """Hide counts 1 … threshold−1 (flag '*', value and numerator NaN), with secondary suppression.

    Works on indicator frames (:func:`compute`; the count is ``numerator``, or ``value`` for
    counts) and on tidy observation frames (the count is ``value`` where unit is Anzahl).
    Secondary suppression: along every dimension, the non-total cells of a group (``by`` plus
    the other dimensions) sum to its total; if exactly one cell of such a group is hidden, the
    next smallest cell of that group is hidden too. Repeats until nothing changes. Zeros and
    totals ("insgesamt" in every dimension) are not hidden by the secondary step.
    """
    out = df.copy().reset_index(drop=True)
    is_indicator = "indicator_id" in out
    if is_indicator:
        count = out["numerator"].where(
            out["numerator"].notna(), out["value"].where(out["unit"] == "Anzahl")
        )
        by = by or ["indicator_id", "region", "period"]
    else:
        count = out["value"].where(out["unit"] == "Anzahl")
        by = by or ["region", "period", "measure", "unit"]
    count = count.astype(float)
    primary = ((count > 0) & (count < threshold)).to_numpy()
    hidden = primary.copy()
    dims = [d for d in DIMENSIONS if d in out]
    for _ in range(max_rounds):
        changed = False
        for d in dims:
            keys = [*by, *[x for x in dims if x != d]]
            part = (out[d] != TOTAL).to_numpy()
            if not part.any():
                continue
            sub = out.loc[part, keys].assign(_h=hidden[part], _c=count[part].to_numpy())
            n_hidden = sub.groupby(keys, sort=False, dropna=False)["_h"].transform("sum")
            cand = sub[(n_hidden == 1) & ~sub["_h"] & (sub["_c"] > 0)]
            if cand.empty:
                continue
            pick = cand.groupby(keys, sort=False, dropna=False)["_c"].idxmin().to_numpy()
            hidden[pick] = True
            changed = True
        if not changed:
            break
    secondary = hidden & ~primary
    if hidden.any():
        for col in ("value", "numerator"):
            if col in out:
                out.loc[hidden, col] = np.nan
        out.loc[hidden, "flag"] = "*"
        note = (
            out["note"].fillna("").astype(str) if "note" in out else pd.Series("", index=out.index)
        )
        add = np.where(
            primary, PRIMARY_NOTE.format(t=threshold), np.where(secondary, SECONDARY_NOTE, "")
        )
        out["note"] = [
            a if not b else (f"{a}; {b}" if a else b) for a, b in zip(note, add, strict=True)
        ]
    return out

"""The institution survey: who answered, ratings on 6-point scales (like Abbildung 18),
plans to extend networking, and the target groups of their offers (multiple response)."""

from __future__ import annotations

import pandas as pd

from .. import fmt
from .codebook import Codebook
from .frequencies import MIN_CELL, NO_ANSWER, count_text, counts, multiple_response, suppress


def rating_table(df: pd.DataFrame, book: Codebook, items: list[str]) -> pd.DataFrame:
    """Counts per rating category (scale order) and 'keine Angabe' for several items, with the
    number of institutions; cells under 5 suppressed (primary and secondary, per item:
    the counts of an item add up to n). All cells are text."""
    rows = []
    for it in items:
        tab = counts(df, it)
        mask = suppress(tab)
        row = {"Frage": book.items[it].question()}
        for cat in tab.index:
            row[cat] = count_text(tab.loc[cat].iloc[0], bool(mask.loc[cat].iloc[0]))
        row["n"] = fmt.number(len(df))
        rows.append(row)
    out = pd.DataFrame(rows)
    # 'keine Angabe' after the scale, then n
    cols = [c for c in out.columns if c not in (NO_ANSWER, "n")]
    return out[[*cols, NO_ANSWER, "n"]]


def share_text(df: pd.DataFrame, item: str, categories: list[str]) -> str | None:
    """'40 % (8 von 20)' of those who answered, or None when a count under 5 (the named
    categories, the others or 'keine Angabe') would be shown or could be recovered."""
    s = df[item].dropna()
    k = int(s.astype(object).isin(categories).sum())
    parts = [k, len(s) - k, int(df[item].isna().sum())]
    if not len(s) or any(0 < x < MIN_CELL for x in parts):
        return None
    return f"{fmt.percent(100 * k / len(s), 0)} ({fmt.number(k)} von {fmt.number(len(s))})"


def target_groups(
    offers: pd.DataFrame, book: Codebook, battery: str = "zielgruppen"
) -> pd.DataFrame:
    """Offers per target group (multiple response) in German."""
    items = book.battery(battery)
    labels = {c: book.items[c].question() for c in items}
    mr = multiple_response(offers, items, labels)
    mr.columns = ["Zielgruppe", "Angebote", "Anteil an allen Angeboten (%)"]
    mr.attrs["n"] = len(offers)
    return mr


def specific_offers(
    offers: pd.DataFrame, book: Codebook, items: list[str], yes: str = "ja"
) -> pd.DataFrame:
    rows = []
    n = len(offers)
    for c in items:
        k = int((offers[c].astype(object) == yes).sum())
        rows.append({"Angebot": book.items[c].question(), "Angebote": k, "Anteil (%)": 100 * k / n})
    return pd.DataFrame(rows)

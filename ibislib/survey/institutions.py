"""The institution survey: who answered, ratings on 6-point scales (like Abbildung 18),
plans to extend networking, and the target groups of their offers (multiple response)."""

from __future__ import annotations

import pandas as pd

from .. import fmt
from .codebook import Codebook
from .frequencies import multiple_response


def rating_table(df: pd.DataFrame, book: Codebook, items: list[str]) -> pd.DataFrame:
    """Counts per rating category (scale order) for several items, with n and missing."""
    rows = []
    for it in items:
        s = df[it]
        cnt = s.value_counts().reindex(s.cat.categories, fill_value=0)
        row = {"Frage": book.items[it].question()}
        row.update({c: int(v) for c, v in cnt.items()})
        row["gültige Antworten (n)"] = int(s.notna().sum())
        row["keine Angabe"] = int(s.isna().sum())
        rows.append(row)
    return pd.DataFrame(rows)


def share_text(df: pd.DataFrame, item: str, categories: list[str]) -> str:
    s = df[item].dropna()
    k = int(s.astype(object).isin(categories).sum())
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

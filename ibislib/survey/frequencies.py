"""Frequency tables per item, overall and by group, with item non-response counted and cells
under 5 respondents suppressed (primary and secondary suppression).

``frequencies()`` returns a long table (one row per group × answer category) that keeps the
numbers; ``display_table()`` turns it into a German table for the report in which suppressed
cells show ``•``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt

MIN_CELL = 5
TOTAL = "insgesamt"
NO_ANSWER = "keine Angabe"
SUPPRESSED = "•"
SUPPRESSION_NOTE = (
    "• = aus Datenschutzgründen nicht ausgewiesen (weniger als 5 Befragte oder Sekundärsperrung)."
)


def _categories(s: pd.Series) -> list:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist(), key=str)


def counts(df: pd.DataFrame, item: str, by: str | None = None) -> pd.DataFrame:
    """Counts: rows = answer categories + 'keine Angabe', columns = groups (+ 'insgesamt').
    Respondents without a group value are only in 'insgesamt'."""
    cats = _categories(df[item])
    answer = df[item].astype(object).where(df[item].notna(), NO_ANSWER)
    rows = [*cats, NO_ANSWER]
    if by is None:
        tab = answer.value_counts().reindex(rows, fill_value=0).to_frame(TOTAL)
    else:
        groups = _categories(df[by])
        tab = pd.crosstab(answer, df[by].astype(object)).reindex(
            index=rows, columns=groups, fill_value=0
        )
        tab[TOTAL] = answer.value_counts().reindex(rows, fill_value=0)
    tab.index.name = "Antwort"
    tab.columns.name = None
    return tab.astype(int)


def suppress(
    tab: pd.DataFrame, min_cell: int = MIN_CELL, answer_rows: list | None = None
) -> pd.DataFrame:
    """Boolean mask of cells to hide: 0 < count < min_cell (primary), then – per column and per
    row of group cells – the smallest other non-zero cell wherever exactly one cell is hidden,
    so that no hidden count can be recovered from the totals (secondary). Repeated until stable."""
    rows = answer_rows if answer_rows is not None else list(tab.index)
    sub = tab.loc[rows]
    mask = (sub > 0) & (sub < min_cell)
    groups = [c for c in sub.columns if c != TOTAL]
    changed = True
    while changed:
        changed = False
        # columns: the answer counts add up to the group n
        for c in sub.columns:
            hidden = mask[c]
            if hidden.sum() == 1:
                cand = sub[c][~hidden & (sub[c] > 0)]
                if len(cand):
                    mask.loc[cand.idxmin(), c] = True
                    changed = True
        # rows: group cells add up to 'insgesamt'
        if len(groups) >= 1 and TOTAL in sub.columns:
            for r in sub.index:
                hidden = mask.loc[r, [*groups, TOTAL]]
                if hidden.sum() == 1:
                    vals = sub.loc[r, [*groups, TOTAL]]
                    cand = vals[~hidden & (vals > 0)]
                    if len(cand):
                        mask.loc[r, cand.idxmin()] = True
                        changed = True
    full = pd.DataFrame(False, index=tab.index, columns=tab.columns)
    full.loc[rows] = mask
    return full


def hidden(counts, min_cell: int = MIN_CELL, adds_up: bool = True) -> list[bool]:
    """Which of several counts to hide: primary (0 < k < min_cell) and, when the counts add up
    to a total the reader knows (`adds_up`), secondary suppression as in :func:`suppress`."""
    s = pd.Series([int(k) for k in counts], dtype="int64")
    if not adds_up:
        return ((s > 0) & (s < min_cell)).tolist()
    return suppress(s.to_frame(TOTAL), min_cell)[TOTAL].tolist()


def n_hidden(n: int, size: int, min_cell: int = MIN_CELL) -> bool:
    """Whether the valid answers `n` of a group of `size` persons must not be printed: the
    group sizes are published (sample tables), so an n short of its group by 1–4 would tell how
    many persons skipped the question ('n = 24' next to a group of 25: one person). An n equal
    to the size, or 5 and more below it, is shown."""
    return 0 < int(size) - int(n) < min_cell


def n_text(n: int, size: int | None = None) -> str:
    """The n printed next to a share: '24', or '•' where it would reveal 1–4 skipped answers
    (:func:`n_hidden`; `size` None: always shown)."""
    return SUPPRESSED if size is not None and n_hidden(n, size) else fmt.number(n)


def count_text(k: int, is_hidden: bool) -> str:
    """'1.234', or '•' for a suppressed count."""
    return SUPPRESSED if is_hidden else fmt.number(k)


def frequencies(
    df: pd.DataFrame,
    item: str,
    by: str | None = None,
    min_cell: int = MIN_CELL,
    weights: str | None = None,
) -> pd.DataFrame:
    """Long frequency table: group, category, count, percent (of valid answers), suppressed,
    n_valid, n_missing. Item non-response is its own row ('keine Angabe'), never dropped.
    With `weights` (a column), percents are weighted; counts stay unweighted."""
    tab = counts(df, item, by)
    cats = [r for r in tab.index if r != NO_ANSWER]
    mask = suppress(tab, min_cell)
    out = []
    for g in tab.columns:
        col = tab[g]
        n_valid = int(col[cats].sum())
        n_missing = int(col[NO_ANSWER])
        if weights is not None:
            sel = df if g == TOTAL else df[df[by].astype(object) == g]
            w = sel.groupby(sel[item].astype(object), observed=True)[weights].sum()
            wp = 100 * w.reindex(cats, fill_value=0) / w.sum() if w.sum() else None
        for cat in tab.index:
            k = int(col[cat])
            if cat == NO_ANSWER:
                pct = np.nan
            elif weights is not None and wp is not None:
                pct = float(wp[cat])
            else:
                pct = 100 * k / n_valid if n_valid else np.nan
            out.append(
                {
                    "group": g,
                    "category": cat,
                    "count": k,
                    "percent": pct,
                    "suppressed": bool(mask.loc[cat, g]),
                    "n_valid": n_valid,
                    "n_missing": n_missing,
                }
            )
    res = pd.DataFrame(out)
    res.attrs["item"] = item
    res.attrs["by"] = by
    res.attrs["min_cell"] = min_cell
    return res


def display_table(
    freq: pd.DataFrame, percent_decimals: int = 1, labels: dict[str, str] | None = None
) -> pd.DataFrame:
    """German report table: one row per answer, per group 'Anzahl' and 'Anteil (%)';
    suppressed cells '•'; last row 'Befragte (n)'. All cells are text."""
    groups = list(dict.fromkeys(freq["group"]))
    cats = list(dict.fromkeys(freq["category"]))
    table = pd.DataFrame(index=[*cats, "Befragte insgesamt"])
    table.index.name = "Antwort"
    sizes = {
        g: int(freq.loc[freq["group"] == g, "n_valid"].iloc[0])
        + int(freq.loc[freq["group"] == g, "n_missing"].iloc[0])
        for g in groups
    }
    # a group of 1–4 respondents is not shown by its size either (groups add up: secondary)
    inner = [g for g in groups if g != TOTAL]
    small_group = dict(zip(inner, hidden([sizes[g] for g in inner]), strict=True))
    for g in groups:
        sub = freq[freq["group"] == g].set_index("category")
        name = (labels or {}).get(g, g)
        n_col, p_col = f"{name}: Anzahl", f"{name}: %"
        ns, ps = [], []
        for c in cats:
            r = sub.loc[c]
            if r["suppressed"]:
                ns.append(SUPPRESSED)
                ps.append(SUPPRESSED if c != NO_ANSWER else "")
            else:
                ns.append(fmt.number(r["count"]))
                ps.append("" if c == NO_ANSWER else fmt.number(r["percent"], percent_decimals))
        table[n_col] = [*ns, count_text(sizes[g], small_group.get(g, False))]
        table[p_col] = [*ps, ""]
    return table.reset_index()


def n_by_group(df: pd.DataFrame, item: str, by: str) -> pd.Series:
    """Valid answers per group (the n printed next to each bar)."""
    return df.dropna(subset=[item]).groupby(by, observed=True).size()


def multiple_response(
    df: pd.DataFrame, items: list[str], labels: dict[str, str], yes="genannt"
) -> pd.DataFrame:
    """Multiple-response question: per option the number of cases naming it and the percent
    of cases (sums exceed 100 %). Cases that named nothing still count in the base."""
    n = len(df)
    rows = []
    for c in items:
        k = int((df[c].astype(object) == yes).sum())
        rows.append(
            {"option": labels.get(c, c), "count": k, "percent": 100 * k / n if n else np.nan}
        )
    out = (
        pd.DataFrame(rows)
        .sort_values("count", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    out.attrs["n"] = n
    return out

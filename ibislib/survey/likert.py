"""Diverging stacked bar charts for Likert items (like Abbildung 11 and 13 of the Ibbenbüren
concept): one row per group or per item with its n, fixed category order, agreement to the
right of zero, percentages labelled from 5 % (and only for cells of at least 5 respondents)."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.patches import Patch

from .. import fmt
from ..figures import CM, TEXT_WIDTH, de_formatter, new_figure
from . import frequencies as fq
from .frequencies import MIN_CELL

POSITIVE = ["#0072B2", "#56B4E9", "#A9D4EF"]  # strongest first (Okabe-Ito blues)
NEGATIVE = ["#D55E00", "#E69F00", "#F3CC7A"]
MIDDLE = "#BDBDBD"
LABEL_FROM = 5.0


def shares(df: pd.DataFrame, item: str, by: str | None = None) -> pd.DataFrame:
    """Rows = groups (or the whole sample), columns = categories in scale order: percent of
    valid answers; attrs: n per row and counts."""
    s = df[item]
    cats = list(s.cat.categories)
    if by is None:
        cnt = s.value_counts().reindex(cats, fill_value=0).to_frame().T
        cnt.index = ["insgesamt"]
    else:
        cnt = pd.crosstab(df[by], s).reindex(columns=cats, fill_value=0)
        cnt = cnt[cnt.sum(axis=1) > 0]
    n = cnt.sum(axis=1)
    pct = cnt.div(n, axis=0) * 100
    pct.attrs["n"] = n.to_dict()
    # persons per row, answered or not: an n printed next to them must not reveal 1–4 skips
    size = (
        {"insgesamt": len(df)}
        if by is None
        else df[by].astype(object).value_counts().reindex(cnt.index, fill_value=0).to_dict()
    )
    pct.attrs["size"] = size
    pct.attrs["counts"] = cnt
    return pct


def _n(n: float, size: int | None) -> str:
    if n != n:  # NaN: no n known
        return fmt.number(n)
    return fq.n_text(int(n), size)


def battery_shares(df: pd.DataFrame, items: list[str], labels: dict[str, str]) -> pd.DataFrame:
    """Rows = items of a battery (with their own n), columns = shared categories."""
    rows, ns, sizes, cnts = [], {}, {}, []
    for it in items:
        p = shares(df, it)
        name = labels.get(it, it)
        p.index = [name]
        ns[name] = p.attrs["n"]["insgesamt"]
        sizes[name] = len(df)
        c = p.attrs["counts"].copy()
        c.index = [name]
        rows.append(p)
        cnts.append(c)
    out = pd.concat(rows)
    out.attrs["n"] = ns
    out.attrs["size"] = sizes
    out.attrs["counts"] = pd.concat(cnts)
    return out


def _sides(cats: list[str], agree: list[str]) -> tuple[list[str], list[str], str | None]:
    """(positive, negative, middle) categories, each ordered from the centre outwards."""
    k = len(cats)
    half = k // 2
    first, last = cats[:half], cats[k - half :]
    middle = cats[half] if k % 2 else None
    if agree and any(a in last for a in agree):
        return list(last), list(reversed(first)), middle
    return list(reversed(first)), list(last), middle


def diverging(
    pct: pd.DataFrame,
    agree: list[str] | None = None,
    title: str | None = None,
    min_cell: int = MIN_CELL,
    width: float = TEXT_WIDTH,
):
    """Draw the chart; returns the matplotlib figure."""
    cats = list(pct.columns)
    pos, neg, mid = _sides(cats, agree or cats[:2])
    counts = pct.attrs.get("counts")
    ns = pct.attrs.get("n", {})
    wrapped = {r: textwrap.fill(str(r), 38) for r in pct.index}
    lines = max(w.count("\n") + 1 for w in wrapped.values())
    height = (2.6 + (0.5 + 0.42 * lines) * len(pct)) * CM
    fig, ax = new_figure(width=width, height=height)
    rows = list(pct.index)[::-1]  # first row on top
    # centre -> outside: light -> strong
    colours = dict(zip(pos, POSITIVE[: len(pos)][::-1], strict=False))
    colours.update(zip(neg, NEGATIVE[: len(neg)][::-1], strict=False))
    if mid:
        colours[mid] = MIDDLE
    for y, row in enumerate(rows):
        segments = []
        left = -(pct.loc[row, mid] / 2) if mid else 0.0
        x = left
        for c in pos if not mid else [mid, *pos]:
            segments.append((c, x, pct.loc[row, c]))
            x += pct.loc[row, c]
        x = left
        for c in neg:
            w = pct.loc[row, c]
            segments.append((c, x - w, w))
            x -= w
        for c, start, w in segments:
            ax.barh(
                y, w, left=start, color=colours[c], edgecolor="white", linewidth=0.6, height=0.7
            )
            k = int(counts.loc[row, c]) if counts is not None else min_cell
            if w >= LABEL_FROM and k >= min_cell:
                dark = colours[c] in (POSITIVE[0], NEGATIVE[0])
                ax.text(
                    start + w / 2,
                    y,
                    fmt.number(w, 0),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if dark else "black",
                )
    ax.set_yticks(range(len(rows)))
    sizes = pct.attrs.get("size", {})
    ax.set_yticklabels(
        [f"{wrapped[r]}\n(n = {_n(ns.get(r, float('nan')), sizes.get(r))})" for r in rows]
    )
    ax.axvline(0, color="black", linewidth=0.8)
    lim = 100
    ax.set_xlim(-lim, lim)
    ax.xaxis.set_major_formatter(de_formatter(0, " %"))
    ax.set_xticks([-100, -75, -50, -25, 0, 25, 50, 75, 100])
    ax.set_xticklabels([fmt.number(abs(t), 0) + " %" for t in ax.get_xticks()])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    handles = [Patch(color=colours[c], label=c) for c in cats]
    total_chars = sum(len(c) for c in cats)
    ncol = len(cats) if total_chars <= 60 else (3 if len(cats) % 3 == 0 else 2)
    fig.legend(handles=handles, loc="outside lower center", ncol=ncol, frameon=False)
    if title:
        ax.set_title(title, loc="left")
    return fig

"""Chart functions in the house style (:mod:`ibislib.figures`): each takes a tidy or indicator
frame and returns a matplotlib Figure sized for A4 (16 cm text width, 7,8 cm column), with
German number formats on axes and value labels, ready for :func:`ibislib.publish.figure`.

The unit being reported on is drawn in the first palette colour; comparison regions in grey.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import fmt
from .figures import CM, GREY, PALETTE, TEXT_WIDTH, de_formatter, new_figure

LIGHT = "#BFD7EA"  # light tint of PALETTE[0] for context bars


def _label(v: float, decimals: int, suffix: str) -> str:
    return "" if pd.isna(v) else fmt.number(v, decimals) + suffix


def _tick_decimals(values) -> int:
    """Whole numbers on axes unless the span is small (then one decimal)."""
    vals = np.asarray(values, dtype=float)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return 0
    span = max(vals.max(), 0) - min(vals.min(), 0)
    return 1 if 0 < span < 4 else 0


def _value_axis(
    ax, horizontal: bool, decimals: int, suffix: str, label: str | None, values=()
) -> None:
    axis = ax.xaxis if horizontal else ax.yaxis
    axis.set_major_formatter(de_formatter(_tick_decimals(values) if decimals else 0, suffix))
    if label:
        (ax.set_xlabel if horizontal else ax.set_ylabel)(label)
    ax.grid(axis="x" if horizontal else "y", color="#E5E5E5", linewidth=0.6)
    ax.set_axisbelow(True)


def _headroom(ax, values, horizontal: bool, factor: float = 1.15) -> None:
    vmax = np.nanmax(values) if len(values) else 0
    if not np.isfinite(vmax) or vmax <= 0:
        return
    (ax.set_xlim if horizontal else ax.set_ylim)(0, vmax * factor)


def _height_for(n: int, per_bar: float = 0.75, minimum: float = 4.5, extra: float = 1.6) -> float:
    return max(minimum, n * per_bar + extra) * CM


def bar(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    decimals: int = 0,
    suffix: str = "",
    horizontal: bool = False,
    highlight: str | list[str] | None = None,
    value_label: str | None = None,
    sort: bool = False,
    width: float = TEXT_WIDTH,
    height: float | None = None,
    title: str | None = None,
) -> Figure:
    """Bars of `y` per `x` with German value labels; `highlight` labels get the accent colour."""
    data = df[[x, y]].copy()
    if sort:
        data = data.sort_values(y, ascending=horizontal)
    elif horizontal:
        data = data.iloc[::-1]
    labels = data[x].astype(str).tolist()
    values = data[y].astype(float).to_numpy()
    hl = {highlight} if isinstance(highlight, str) else set(highlight or [])
    colors = [PALETTE[0] if (not hl or lab in hl) else LIGHT for lab in labels]
    if height is None:
        height = _height_for(len(labels), minimum=3.4) if horizontal else 6.5 * CM
    fig, ax = new_figure(width, height)
    if horizontal:
        cont = ax.barh(labels, np.nan_to_num(values), color=colors, height=0.65)
    else:
        cont = ax.bar(labels, np.nan_to_num(values), color=colors, width=0.65)
        if max((len(lab) for lab in labels), default=0) * len(labels) > 90:
            ax.tick_params(axis="x", labelrotation=30)
            for t in ax.get_xticklabels():
                t.set_ha("right")
    ax.bar_label(cont, labels=[_label(v, decimals, suffix) for v in values], padding=2, fontsize=7)
    _value_axis(ax, horizontal, decimals, suffix, value_label, values)
    _headroom(ax, values, horizontal)
    if title:
        ax.set_title(title, loc="left")
    return fig


def grouped_bar(
    df: pd.DataFrame,
    category: str,
    group: str,
    value: str,
    *,
    decimals: int = 0,
    suffix: str = "",
    horizontal: bool = True,
    category_order: list[str] | None = None,
    group_order: list[str] | None = None,
    value_label: str | None = None,
    width: float = TEXT_WIDTH,
    height: float | None = None,
    title: str | None = None,
) -> Figure:
    """Grouped bars: one block per `category` (e.g. Schulform), one bar per `group` (e.g. Nationalität)."""
    # first value per cell; a missing value stays NaN (no bar, no label), never 0
    wide = df.groupby([category, group], sort=False)[value].first().unstack(group)
    wide = wide.reindex(
        index=list(dict.fromkeys(df[category])), columns=list(dict.fromkeys(df[group]))
    )
    if category_order:
        wide = wide.reindex([c for c in category_order if c in wide.index])
    if group_order:
        wide = wide[[g for g in group_order if g in wide.columns]]
    cats, groups = list(wide.index), list(wide.columns)
    n_g = max(len(groups), 1)
    bar_w = 0.8 / n_g
    if height is None:
        height = (
            _height_for(len(cats) * n_g, per_bar=0.42, minimum=5.5, extra=2.2)
            if horizontal
            else 7 * CM
        )
    fig, ax = new_figure(width, height)
    pos = np.arange(len(cats))
    for i, g in enumerate(groups):
        vals = wide[g].astype(float).to_numpy()
        offset = (i - (n_g - 1) / 2) * bar_w
        draw, thickness = (ax.barh, "height") if horizontal else (ax.bar, "width")
        cont = draw(
            pos + offset,
            np.nan_to_num(vals),
            color=PALETTE[i % len(PALETTE)],
            label=str(g),
            **{thickness: bar_w * 0.92},
        )
        ax.bar_label(
            cont, labels=[_label(v, decimals, suffix) for v in vals], padding=2, fontsize=6.5
        )
    if horizontal:
        ax.set_yticks(pos, [str(c) for c in cats])
        ax.invert_yaxis()
    else:
        ax.set_xticks(pos, [str(c) for c in cats])
    _value_axis(ax, horizontal, decimals, suffix, value_label, wide.to_numpy(dtype=float).ravel())
    _headroom(ax, wide.to_numpy(dtype=float).ravel(), horizontal, 1.18)
    ax.legend(frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(n_g, 3))
    if title:
        ax.set_title(title, loc="left", pad=18)
    return fig


def lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    group: str,
    *,
    index_base: str | None = None,
    decimals: int = 0,
    suffix: str = "",
    highlight: str | None = None,
    value_label: str | None = None,
    width: float = TEXT_WIDTH,
    height: float = 6.5 * CM,
    title: str | None = None,
) -> Figure:
    """Time series per `group` (e.g. region names); with `index_base` as index (base period = 100)."""
    data = df[[x, y, group]].dropna(subset=[y]).copy()
    data[x] = data[x].astype(str)
    if index_base is not None:
        base = data[data[x] == str(index_base)].set_index(group)[y]
        data[y] = data[y] / data[group].map(base) * 100
        decimals, suffix = 1, ""
    fig, ax = new_figure(width, height)
    periods = sorted(data[x].unique())
    xpos = {p: i for i, p in enumerate(periods)}
    groups = list(dict.fromkeys(data[group]))
    if highlight in groups:
        groups = [highlight] + [g for g in groups if g != highlight]
    for i, g in enumerate(groups):
        part = data[data[group] == g].sort_values(x)
        is_main = highlight is None or g == highlight
        color = PALETTE[i % len(PALETTE)]
        ax.plot(
            [xpos[p] for p in part[x]],
            part[y],
            marker="o",
            markersize=3 if is_main else 2,
            linewidth=2.0 if is_main else 1.2,
            color=color,
            label=str(g),
            zorder=3 if is_main else 2,
        )
        if len(part):  # label the last value
            last = part.iloc[-1]
            ax.annotate(
                _label(last[y], decimals, suffix),
                (xpos[last[x]], last[y]),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=6.5,
                color=color,
            )
    labels = period_labels(periods)
    step = max(1, int(np.ceil(len(periods) / 12)))  # at most ~12 labels on 16 cm
    ax.set_xticks(range(0, len(periods), step), labels[::step])
    if index_base is not None:
        ax.axhline(100, color=GREY, linewidth=0.7, linestyle="--", zorder=1)
        ax.yaxis.set_major_formatter(de_formatter(_tick_decimals(data[y] - 100)))
        ax.set_ylabel(value_label or f"Index ({period_labels([str(index_base)])[0]} = 100)")
    else:
        ax.yaxis.set_major_formatter(
            de_formatter(_tick_decimals(data[y]) if decimals else 0, suffix)
        )
        if value_label:
            ax.set_ylabel(value_label)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.6)
    ax.set_xlim(-0.3, len(periods) - 1 + 0.6)
    ax.legend(
        frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(groups), 4)
    )
    if title:
        ax.set_title(title, loc="left", pad=18)
    return fig


def period_labels(periods: list[str]) -> list[str]:
    """Axis labels for periods: years only when every period is a 31.12. Stichtag."""
    if periods and all(str(p).endswith("-12-31") for p in periods):
        return [str(p)[:4] for p in periods]
    return [fmt.period(p) for p in periods]


def comparison(
    df: pd.DataFrame,
    region: str = "region_name",
    value: str = "value",
    *,
    unit_name: str | None = None,
    decimals: int = 1,
    suffix: str = " %",
    value_label: str | None = None,
    width: float = TEXT_WIDTH,
    title: str | None = None,
) -> Figure:
    """Horizontal bars: the unit (accent colour) against Kreis, Land and Bund (grey), in given order."""
    data = df[[region, value]].dropna(subset=[value])
    labels = data[region].astype(str).tolist()
    values = data[value].astype(float).to_numpy()
    unit_name = unit_name or (labels[0] if labels else None)
    colors = [PALETTE[0] if lab == unit_name else "#9DA5AD" for lab in labels]
    fig, ax = new_figure(width, _height_for(len(labels), per_bar=0.8, minimum=3.8, extra=1.4))
    cont = ax.barh(labels[::-1], values[::-1], color=colors[::-1], height=0.6)
    ax.bar_label(
        cont, labels=[_label(v, decimals, suffix) for v in values[::-1]], padding=3, fontsize=7
    )
    _value_axis(ax, True, decimals, suffix, value_label, values)
    _headroom(ax, values, True, 1.18)
    if title:
        ax.set_title(title, loc="left")
    return fig


def age_structure(
    df: pd.DataFrame,
    age: str = "age_group",
    value: str = "value",
    *,
    decimals: int = 0,
    suffix: str = "",
    share: bool = False,
    value_label: str | None = None,
    width: float = TEXT_WIDTH,
    title: str | None = None,
) -> Figure:
    """Bars per age group in age order ('0-6' … '80+'); `share=True` shows percent of the total."""
    from .tidy import age_bounds

    data = df[[age, value]].dropna(subset=[value]).copy()
    data["_lo"] = [age_bounds(a)[0] for a in data[age]]
    data = data.sort_values("_lo")
    if share:
        total = data[value].sum()
        data[value] = data[value] / total * 100 if total else np.nan
        decimals, suffix = max(decimals, 1), " %"
    data["label"] = [age_label(a) for a in data[age]]
    return bar(
        data,
        "label",
        value,
        decimals=decimals,
        suffix=suffix,
        value_label=value_label,
        width=width,
        title=title,
    )


def age_label(code: str) -> str:
    """'18-65' -> '18 bis unter 65', '80+' -> '80 und älter' (the tidy age convention)."""
    code = str(code)
    if code.endswith("+"):
        return f"{code[:-1]} und älter"
    if "-" in code:
        lo, hi = code.split("-", 1)
        return f"unter {hi}" if lo == "0" else f"{lo} bis unter {hi}"
    return code


def district_shares(
    df: pd.DataFrame,
    district: str = "district",
    value: str = "value",
    *,
    reference: float | None = None,
    reference_label: str = "Gesamtstadt",
    decimals: int = 1,
    suffix: str = " %",
    value_label: str | None = None,
    width: float = TEXT_WIDTH,
    title: str | None = None,
) -> Figure:
    """Horizontal bars per district, sorted, with a dashed line for the whole-town value."""
    fig = bar(
        df,
        district,
        value,
        decimals=decimals,
        suffix=suffix,
        horizontal=True,
        sort=True,
        value_label=value_label,
        width=width,
        title=title,
    )
    ax = fig.axes[0]
    if reference is not None and np.isfinite(reference):
        ax.axvline(reference, color=PALETTE[5], linestyle="--", linewidth=1)
        ax.annotate(
            f"{reference_label}: {_label(reference, decimals, suffix)}",
            (reference, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, 2),
            textcoords="offset points",
            fontsize=6.5,
            color=PALETTE[5],
            va="bottom",
        )
    return fig


def stacked_share(
    df: pd.DataFrame,
    category: str,
    value: str,
    *,
    order: list[str] | None = None,
    decimals: int = 0,
    width: float = TEXT_WIDTH,
    title: str | None = None,
) -> Figure:
    """One horizontal 100-% bar split into categories (e.g. certificates B1 / A2 / unter A2 / ohne)."""
    data = df[[category, value]].dropna(subset=[value]).set_index(category)[value].astype(float)
    if order:
        data = data.reindex([o for o in order if o in data.index])
    total = data.sum()
    fig, ax = new_figure(width, 3.6 * CM)
    left = 0.0
    for i, (cat, v) in enumerate(data.items()):
        share = v / total * 100 if total else 0
        ax.barh(
            [0],
            [share],
            left=left,
            color=PALETTE[i % len(PALETTE)],
            label=f"{cat} ({fmt.number(v, decimals)})",
            height=0.6,
        )
        if share >= 6:
            ax.text(
                left + share / 2,
                0,
                fmt.percent(share, 0),
                ha="center",
                va="center",
                fontsize=7,
                color="white",
            )
        left += share
    ax.set_xlim(0, 100)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_formatter(de_formatter(0, " %"))
    ax.legend(
        frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=min(len(data), 4)
    )
    if title:
        ax.set_title(title, loc="left")
    return fig

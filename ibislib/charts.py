"""Chart functions in the house style (:mod:`ibislib.figures`): each takes a tidy or indicator
frame and returns a matplotlib Figure sized for A4 (16 cm text width, 7,8 cm column), with
German number formats on axes and value labels, ready for :func:`ibislib.publish.figure`.

Regions have one colour per role in every chart (:data:`ibislib.figures.ROLE_COLORS`): the unit
being reported on in the first palette colour, its Kreis, Land, the Bund and comparable cities each
in their own; time axes are proportional to time and mark series breaks (Zensus 2011, 2022).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from . import fmt
from .figures import (
    CM,
    GREY,
    PALETTE,
    TEXT_WIDTH,
    de_formatter,
    new_figure,
    region_role,
    role_colors,
)

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
    breaks: list[SeriesBreak] | None = None,
    width: float = TEXT_WIDTH,
    height: float = 6.5 * CM,
    title: str | None = None,
) -> Figure:
    """Time series per `group` (e.g. region names); with `index_base` as index (base period = 100).

    The time axis is proportional to time (2015 and 2022 lie seven years apart, not side by
    side). Colours follow the region role (:func:`ibislib.figures.region_role`) when `df` has a
    ``region`` column with AGS; series breaks (`breaks`, by default those the ``note`` column
    names, see :func:`series_breaks`) get a dashed line with their label, and the lines are
    interrupted there."""
    cols = [x, y, group] + [c for c in ("region", "note") if c in df and c not in (x, y, group)]
    data = df[cols].dropna(subset=[y]).copy()
    data[x] = data[x].astype(str)
    if index_base is not None:
        base = data[data[x] == str(index_base)].drop_duplicates(group).set_index(group)[y]
        data[y] = data[y] / data[group].map(base) * 100
        decimals, suffix = 1, ""
    fig, ax = new_figure(width, height)
    periods = sorted(data[x].unique(), key=period_position)
    xpos = {p: period_position(p) for p in periods}
    groups = list(dict.fromkeys(data[group]))
    if highlight in groups:
        groups = [highlight] + [g for g in groups if g != highlight]
    colors = _group_colors(data, group, groups, highlight)
    if breaks is None:
        breaks = series_breaks(data, x)
    cuts = sorted(b.position for b in breaks)
    ends: list[tuple[float, float, float, str]] = []
    for g, color in zip(groups, colors, strict=True):
        part = data[data[group] == g].copy()
        part = part.assign(_pos=part[x].map(xpos)).sort_values("_pos")
        is_main = highlight is None or g == highlight
        # one segment per stretch between breaks: no line across a change of basis
        seg = np.searchsorted(cuts, part["_pos"].to_numpy(), side="right")
        for k, s in enumerate(dict.fromkeys(seg)):
            piece = part[seg == s]
            ax.plot(
                piece["_pos"],
                piece[y],
                marker="o",
                markersize=3 if is_main else 2,
                linewidth=2.0 if is_main else 1.2,
                color=color,
                label=str(g) if k == 0 else "_nolegend_",
                zorder=3 if is_main else 2,
            )
        if len(part):  # label the last value
            last = part.iloc[-1]
            ends.append((float(last["_pos"]), float(last[y]), last[y], color))
    _end_labels(ax, ends, decimals, suffix, height)
    ticks = _time_ticks(periods)
    ax.set_xticks([xpos[p] for p in ticks], period_labels_for(ticks, periods))
    ax.xaxis.set_minor_locator(NullLocator())
    lo, hi = xpos[periods[0]], xpos[periods[-1]]
    span = max(hi - lo, 1.0)
    ax.set_xlim(lo - 0.04 * span, hi + 0.09 * span)
    for b in breaks:
        ax.axvline(b.position, color=GREY, linewidth=0.8, linestyle="--", zorder=1)
        # near the right edge the label goes left of the line (the last values are labelled there)
        right = (b.position - lo) / span > 0.75
        ax.annotate(
            b.label,
            (b.position, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(-2 if right else 2, -2),
            textcoords="offset points",
            ha="right" if right else "left",
            va="top",
            fontsize=6.5,
            color=GREY,
        )
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
    ax.legend(
        frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(groups), 4)
    )
    if title:
        ax.set_title(title, loc="left", pad=18)
    return fig


def _end_labels(ax, ends, decimals: int, suffix: str, height: float) -> None:
    """Label each line's last value; labels that would overlap (lines ending at about the same
    value) are moved apart vertically, each keeping its line's colour."""
    if not ends:
        return
    ax.autoscale_view()
    lo, hi = ax.get_ylim()
    # about 7 pt between label centres, in data units (the axes take ~70 % of the height)
    gap = (hi - lo) * 7 / (height * 72 * 0.7) if hi > lo else 0
    order = sorted(range(len(ends)), key=lambda i: ends[i][1])
    placed: list[float] = []
    for i in order:
        ypos = ends[i][1]
        if placed and ypos - placed[-1] < gap:
            ypos = placed[-1] + gap
        placed.append(ypos)
        xpos, yval, raw, color = ends[i]
        shift = (ypos - yval) / gap * 7 if gap else 0
        ax.annotate(
            _label(raw, decimals, suffix),
            (xpos, yval),
            xytext=(4, shift),
            textcoords="offset points",
            va="center",
            fontsize=6.5,
            color=color,
        )


def _group_colors(data: pd.DataFrame, group: str, groups: list, highlight) -> list[str]:
    """Role colours when the frame names the regions (AGS in ``region``), else the palette
    in order (the highlighted group first)."""
    if "region" not in data:
        return [PALETTE[i % len(PALETTE)] for i in range(len(groups))]
    first = data.drop_duplicates(group).set_index(group)["region"].astype(str)
    unit = first.get(highlight) if highlight is not None else None
    return role_colors([region_role(first.get(g, ""), unit) for g in groups])


def period_position(period: str) -> float:
    """A period on a time axis, in years: '2015-12-31' -> 2015.999, a calendar year '2021' as
    its 31.12. (2022.0), a school year '2021/22' at its October Stichtag (2021.79). Periods a
    reader keeps apart stay apart by their real distance."""
    p = str(period)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", p)
    if m:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        start = dt.date(day.year, 1, 1)
        days = (dt.date(day.year + 1, 1, 1) - start).days
        return day.year + ((day - start).days + 1) / days
    m = re.fullmatch(r"(\d{4})/(\d{2})", p)
    if m:
        return int(m[1]) + 0.79
    m = re.fullmatch(r"(\d{4})-(\d{2})", p)  # a month
    if m:
        return int(m[1]) + int(m[2]) / 12
    m = re.match(r"(\d{4})", p)
    return int(m[1]) + 1.0 if m else float("nan")


def _time_ticks(periods: list[str], most: int = 12) -> list[str]:
    """The periods that get a label: all of them when few; otherwise every n-th year counted
    back from the newest, and never two labels closer than a fourteenth of the axis."""
    if len(periods) <= most:
        chosen = list(periods)
    else:
        last = int(period_position(periods[-1]) - 1e-9)
        span = last - int(period_position(periods[0]) - 1e-9)
        step = max(1, int(np.ceil((span + 1) / most)))
        chosen = [p for p in periods if (last - int(period_position(p) - 1e-9)) % step == 0]
    pos = [period_position(p) for p in periods]
    gap = (max(pos) - min(pos)) / 14 if len(pos) > 1 else 0
    out: list[str] = []
    for p in reversed(chosen):  # the newest period always keeps its label
        if not out or period_position(out[-1]) - period_position(p) >= gap:
            out.append(p)
    return out[::-1]


def period_labels_for(ticks: list[str], periods: list[str]) -> list[str]:
    """Labels of the ticked periods in the style of the whole series (years when all are 31.12.)."""
    labels = dict(zip(periods, period_labels(periods), strict=True))
    return [labels[p] for p in ticks]


@dataclass(frozen=True)
class SeriesBreak:
    """A break in a series: from `position` (a time-axis position, :func:`period_position`)
    on, the values rest on a new basis (e.g. the Zensus 2022)."""

    label: str
    position: float


@lru_cache(maxsize=1)
def _break_table() -> tuple[dict, ...]:
    """The census breaks of ``ibislib/series_breaks.yml`` (label, census day, note text)."""
    import yaml

    raw = resources.files("ibislib").joinpath("series_breaks.yml").read_text(encoding="utf-8")
    return tuple(yaml.safe_load(raw) or [])


def series_breaks(df: pd.DataFrame, x: str = "period", note: str = "note") -> list[SeriesBreak]:
    """The breaks a series spans, from the data's own source notes: a break of
    ``series_breaks.yml`` counts when a note of the series names it ("… Zensus 2022") and
    there are values before and after its census day."""
    if note not in df or df.empty:
        return []
    notes = " ".join(dict.fromkeys(df[note].dropna().astype(str)))
    pos = [period_position(p) for p in df[x].astype(str)]
    out = []
    for b in _break_table():
        if str(b["match"]).lower() not in notes.lower():
            continue
        at = period_position(str(b["census_day"]))
        if min(pos) < at <= max(pos):
            out.append(SeriesBreak(str(b["label"]), at))
    return out


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
    """Horizontal bars: the unit against Kreis, Land and Bund, in given order; each bar in the
    colour of its region role when `df` has a ``region`` column with AGS (else the unit in the
    accent colour, the others grey)."""
    cols = [region, value] + (["region"] if "region" in df and region != "region" else [])
    data = df[cols].dropna(subset=[value])
    labels = data[region].astype(str).tolist()
    values = data[value].astype(float).to_numpy()
    unit_name = unit_name or (labels[0] if labels else None)
    if "region" in data:
        codes = data["region"].astype(str).tolist()
        unit = next((c for lab, c in zip(labels, codes, strict=True) if lab == unit_name), None)
        if unit is None and unit_name is not None:  # labels with a period: 'Münster, 31.12.2024'
            unit = next(
                (c for lab, c in zip(labels, codes, strict=True) if lab.startswith(unit_name)),
                None,
            )
        colors = role_colors([region_role(c, unit) for c in codes])
    else:
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

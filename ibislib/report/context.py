"""The current Kreis/Land/Bund context of a unit: one table, each cell with its own Stichtag.

A city's delivery (Ibbenbüren: 2021/2022) and the newest official tables (Kreise 2023–2025)
rarely share a Stichtag, so :func:`ibislib.indicators.compare` – which keeps comparison values
within the catalogue's gap – finds no Kreis value. This table shows the unit's newest value and,
for each level, the value nearest to it – or, when the unit's value is older than two years
before the report's Stichtag (its newest population figure), nearest to that Stichtag – and
says in every cell which Stichtag it is ("451.712 (31.12.2024)"): never an old number as if current,
never two periods in one column without a label.
"""

from __future__ import annotations

import pandas as pd

from .. import fmt, publish
from ..escape import markdown_text as md
from ..indicators.engine import period_date
from ..text import fuer_region
from .blocks import (
    STALE_YEARS,
    comparison_regions,
    entry,
    latest_period,
    region_label,
    source_of,
    values,
)


def nearest(df: pd.DataFrame, period: str | None) -> pd.Series | None:
    """The row of `df` (one region) nearest to `period` (ties: the later), else the newest."""
    if df.empty:
        return None
    dates = df["period"].astype(str).map(period_date)
    if period is None:
        return df.loc[dates.idxmax()]
    target = period_date(period)
    dist = (dates - target).abs()
    best = dist[dist == dist.min()].index
    return df.loc[dates[best].idxmax()]


def reference(unit) -> str | None:
    """The report's Stichtag: the unit's newest population figure (a city delivery: 30.09.2022)."""
    return latest_period(values("bev_insgesamt", unit.ags))


def _target(own: str | None, report: str | None) -> str | None:
    """Stichtag the comparison levels are taken nearest to: the unit's own when it is current
    (like with like), else the report's Stichtag (an old unit value must not pull old Kreis and
    Land values into a table of current context)."""
    if own is None or report is None:
        return own or report
    gap = abs(period_date(report).year - period_date(own).year)
    return own if gap < STALE_YEARS else report


def rows(ids: list[str], unit) -> tuple[list[dict], list[str]]:
    """Per indicator: {ags: (value, period, name)} for the unit (its newest value) and its
    parents (the value nearest to :func:`_target`); sources."""
    regions = comparison_regions(unit)
    report_ref = reference(unit)
    out, sources = [], []
    for iid in ids:
        e = entry(iid)
        own = values(iid, unit.ags)
        ref = latest_period(own) if not own.empty else None
        found = {}
        used = []
        target = _target(ref, report_ref)
        for ags in regions:
            df = own if ags == unit.ags else values(iid, ags)
            r = nearest(df, ref if ags == unit.ags else target)
            if r is None:
                continue
            found[ags] = (float(r["value"]), str(r["period"]), str(r.get("region_name", "")))
            used.append(df[df["period"] == r["period"]])
        if not found:
            continue
        out.append({"id": iid, "entry": e, "ref": ref, "cells": found})
        sources.append(source_of(iid, pd.concat(used, ignore_index=True)))
    return out, sources


def _cell(value: float, period: str, e) -> str:
    shown = fmt.percent(value, e.decimals) if e.unit == "Prozent" else fmt.number(value, e.decimals)
    return f"{shown} ({fmt.period(period)})"


def current_table(ids: list[str], unit, *, name: str, caption: str) -> bool:
    """'Aktuelle Werte im Umfeld': indicator rows, unit/Kreis/Land/Bund columns, each cell with
    its Stichtag; a sentence before it says which Stichtage the comparison levels have."""
    found, sources = rows(ids, unit)
    if not found:
        return False
    regions = comparison_regions(unit)
    names = {}
    for f in found:
        for ags, (_, _, nm) in f["cells"].items():
            names.setdefault(ags, region_label(ags, nm or ags, unit))
    cols = [names[a] for a in regions if a in names]
    table = []
    for f in found:
        e = f["entry"]
        row = {"Kennzahl": f"{e.title} ({'%' if e.unit == 'Prozent' else e.unit})"}
        for ags in regions:
            if ags in names:
                c = f["cells"].get(ags)
                row[names[ags]] = _cell(c[0], c[1], e) if c else ""  # no value: empty ("–" is zero)
        table.append(row)
    frame = pd.DataFrame(table, columns=["Kennzahl", *cols])
    publish.text(_lead(found, unit, regions, names))
    publish.table(frame, name=name, caption=caption, source=publish.join_sources(sources))
    return True


def _lead(found: list[dict], unit, regions: list[str], names: dict[str, str]) -> str:
    """'Vergleichswerte (jeweils nächstgelegener Stand): Kreis Steinfurt: 31.12.2024, …'."""
    stands: dict[str, list[str]] = {}
    for f in found:
        for ags in regions[1:]:
            c = f["cells"].get(ags)
            if c and fmt.period(c[1]) not in stands.setdefault(ags, []):
                stands[ags].append(fmt.period(c[1]))
    listed = "; ".join(
        f"{md(names[a])}: {', '.join(sorted(ps, key=_order))}" for a, ps in stands.items() if ps
    )
    own = [f["ref"] for f in found if f["ref"]]
    mine = (
        f"Stand der Werte {fuer_region(md(unit.name))}: "
        f"{', '.join(sorted({fmt.period(p) for p in own}, key=_order))}. "
        if own
        else f"{fuer_region(md(unit.name), capital=True)} selbst liegen hierzu keine Werte vor. "
    )
    old = any(
        abs(period_date(c[1]).year - period_date(f["ref"] or c[1]).year) >= STALE_YEARS
        for f in found
        for ags, c in f["cells"].items()
        if ags != unit.ags and f["ref"]
    )
    note = (
        " Liegen Stichtage zwei oder mehr Jahre auseinander, sind die Werte nur eingeschränkt "
        "vergleichbar."
        if old
        else ""
    )
    return (
        f"{mine}Stand der Vergleichswerte (jeweils der nächstgelegene verfügbare, in jeder "
        f"Zelle genannt): {listed}.{note}"
    )


def _order(shown: str) -> str:
    """Sort key of a shown period ('31.12.2024', '2023/24', '2025') by its year."""
    digits = [p for p in shown.replace("/", ".").split(".") if len(p) == 4]
    return (digits[0] if digits else shown) + shown


def parent_sentence(indicator_id: str, unit, *, why: str) -> bool:
    """For a statistic published only for higher levels (Schutzsuchende: Kreise): when the unit
    has no value of its own, the Lesehilfe sentence of the nearest level that has one, with
    `why` (a German clause) and its Stichtag. False when the unit has its own value."""
    from .. import text

    if not values(indicator_id, unit.ags).empty:
        return False
    for ags in comparison_regions(unit)[1:]:
        df = values(indicator_id, ags)
        if df.empty:
            continue
        s = text.lesehilfe(indicator_id, ags, latest_period(df))
        if s:
            lead = fuer_region(md(unit.name), capital=True)
            # one sentence led by the unit: the higher level's Stichtag is context, not the
            # report's own reference date (the quality gate reads sentence openings for that)
            first, _, rest = s.partition(" ")
            if first in {"Zum", "Am", "Im", "Ende", "Mitte"}:
                s = f"{first.lower()} {rest}"
                publish.text(f"{lead} selbst liegen keine Werte vor: {why}; {s}")
            else:
                publish.text(f"{lead} selbst liegen keine Werte vor: {why}. {s}")
            return True
    return False

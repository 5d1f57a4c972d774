"""Questions notebooks ask of the engine: latest value, time series, change, comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..tidy import DIMENSIONS, TOTAL
from .catalog import catalog
from .engine import (
    compute,
    kept,
    level_of,
    load_store,
    parents,
    period_date,
    prepare,
    resolve_region,
)
from .reference import references

COMPARE_COLUMNS = [
    "level",
    "region",
    "region_name",
    "period",
    "value",
    "unit",
    "kind",
    "source",
    "note",
]


def _totals(df: pd.DataFrame, **breakdown: str) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for dim in DIMENSIONS:
        mask &= (df[dim] == breakdown.get(dim, TOTAL)).to_numpy()
    return df[mask]


def _dates(periods: pd.Series) -> pd.Series:
    return periods.map(period_date)


def period_key(period: str) -> tuple:
    """Sort key of a period in the one order ibis uses, the one of :func:`latest` and
    :func:`series`: by the date it stands for (:func:`period_date`: a Stichtag, a year at
    31.12., a school year at 15.10.), then by its text; a period without a date sorts last."""
    d = period_date(str(period))
    return (True, pd.Timestamp.max, str(period)) if pd.isna(d) else (False, d, str(period))


def series(
    indicator_id: str,
    region: str,
    *,
    store: pd.DataFrame | None = None,
    breakdown: bool = False,
) -> pd.DataFrame:
    """All periods of one indicator for one unit (AGS or name), oldest first.

    Only the totals unless ``breakdown=True`` (then every breakdown cell). Rows with NaN value
    stay in (their note says what is missing).
    """
    df = compute([indicator_id], [region], store=store)
    if not breakdown:
        df = _totals(df)
    df = df.assign(_d=_dates(df["period"])).sort_values(["_d", *DIMENSIONS], kind="stable")
    return df.drop(columns="_d").reset_index(drop=True)


def latest(
    indicator_id: str,
    region: str,
    *,
    store: pd.DataFrame | None = None,
    **breakdown: str,
) -> pd.Series | None:
    """The row of the most recent period with a value (totals unless breakdown given), or None."""
    df = compute([indicator_id], [region], store=store)
    df = _totals(df, **breakdown)
    df = df[df["value"].notna()]
    if df.empty:
        return None
    return df.assign(_d=_dates(df["period"])).sort_values("_d").iloc[-1].drop("_d")


def change(df: pd.DataFrame) -> pd.DataFrame:
    """Add the change against the previous period of the same indicator, unit and cell.

    New columns: previous_period, previous_value, change (absolute; for Prozent in
    Prozentpunkten), change_pct (relative change in %, only for counts and indices).
    """
    keys = ["indicator_id", "region", *DIMENSIONS]
    out = df.assign(_d=_dates(df["period"])).sort_values([*keys, "_d"], kind="stable")
    g = out.groupby(keys, sort=False, observed=True)
    out["previous_period"] = g["period"].shift().fillna("")
    out["previous_value"] = g["value"].shift()
    out["change"] = out["value"] - out["previous_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (out["value"] / out["previous_value"] - 1.0) * 100.0
    out["change_pct"] = pct.where(out["unit"] != "Prozent")
    return out.drop(columns="_d").sort_index()


def compare(
    indicator_id: str,
    region: str,
    period: str | None = None,
    *,
    store: pd.DataFrame | None = None,
    **breakdown: str,
) -> pd.DataFrame:
    """The unit next to its Kreis, Land and Deutschland, plus published reference values.

    One row per level (columns: level, region, region_name, period, value, unit, kind,
    source, note); kind is 'berechnet' or 'veröffentlicht'. ``period`` defaults to the unit's
    latest period with a value; comparison units take the same period where they have it,
    else their nearest one (the period column shows which). Units without data are left out.
    ``breakdown`` picks a cell (e.g. ``sex="weiblich"``, ``school_type="Gymnasien"``).

    Kept per prepared store and catalogue (:func:`ibislib.indicators.engine.kept`): a report
    asks for the same comparison from its sentence, figure and text.
    """
    if store is None:
        store = load_store()
    key = ("compare", indicator_id, str(region), period, tuple(sorted(breakdown.items())))
    build = lambda cat: _compare(indicator_id, region, period, store, breakdown)  # noqa: E731
    return kept(prepare(store), key, build).copy(deep=False)


def _compare(
    indicator_id: str, region: str, period: str | None, store: pd.DataFrame, breakdown: dict
) -> pd.DataFrame:
    ind = catalog()[indicator_id]
    ags = resolve_region(region, prepare(store))
    chain = [ags, *parents(ags)]
    df = _totals(compute([indicator_id], chain, store=store), **breakdown)
    df = df[df["value"].notna()]
    own = df[df["region"] == ags]
    if period is None and len(own):
        period = own.assign(_d=_dates(own["period"])).sort_values("_d")["period"].iloc[-1]
    target = period_date(period) if period else None
    # comparison values from another period only within the catalogue's gap (a change only
    # at the same period: its base period differs otherwise)
    gap = pd.Timedelta(days=0 if ind.kind == "change" else ind.max_gap_days)
    rows = []
    for r in chain:
        t = df[df["region"] == r]
        pick = _pick(t, period, target, gap) if len(t) else t
        if pick.empty:
            continue
        published = pick["note"].str.contains("veröffentlichter Anteil", regex=False)
        kind = np.where(published, "veröffentlicht", "berechnet")
        rows.append(pick.assign(kind=kind, source=ind.source))
    refs = references(indicator_id, store=store)
    refs = refs[refs["region"].isin(chain)] if not breakdown else refs.iloc[0:0]
    for r in chain:
        t = refs[refs["region"] == r]
        pick = _pick(t, period, target, gap, earlier=True) if len(t) else t
        if not pick.empty:
            rows.append(pick.assign(kind="veröffentlicht"))
    if not rows:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    out = pd.concat(rows, ignore_index=True)
    out = out.drop_duplicates(["region", "period", "kind", "value"], keep="last")
    out["level"] = out["region"].map(level_of)
    out["unit"] = ind.unit
    names = prepare(store).names
    out["region_name"] = [
        n if isinstance(n, str) and n else names.get(r, r)
        for r, n in zip(out["region"], out["region_name"], strict=False)
    ]
    out["note"] = out["note"].fillna("")
    return out[COMPARE_COLUMNS]


def _pick(
    t: pd.DataFrame, period: str | None, target, gap: pd.Timedelta, earlier: bool = False
) -> pd.DataFrame:
    """The row at `period`, else the nearest one within `gap` (published values: preferably the
    latest not after it); empty if none is close enough."""
    if period is not None and (t["period"] == period).any():
        return t[t["period"] == period].iloc[[0]]
    d = _dates(t["period"])
    if target is None:
        return t.loc[[d.idxmax()]]
    dist = (d - target).abs()
    ok = dist <= gap
    if earlier and (ok & (d <= target)).any():
        return t.loc[[d[ok & (d <= target)].idxmax()]]
    if not ok.any():
        return t.iloc[0:0]
    return t.loc[[dist[ok].idxmin()]]

"""Published reference values: shipped ones (reference.yml) and published measures in the store.

A published value is never recomputed; it is shown next to the computed ones with its source
(e.g. the federal Einbürgerungsquote 0,98 % for 2020).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from .. import cache
from ..tidy import DIMENSIONS, TOTAL
from .catalog import CatalogError, catalog

REFERENCE_PATH = Path(__file__).with_name("reference.yml")
COLUMNS = ["indicator_id", "region", "region_name", "period", "value", "unit", "source", "note"]


@lru_cache(maxsize=2)
def _shipped(path: str) -> pd.DataFrame:
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    rows = doc.get("references") or []
    cat = catalog()
    for i, r in enumerate(rows, start=1):
        missing = [
            c
            for c in ("indicator_id", "region", "period", "value", "unit", "source")
            if r.get(c) in (None, "")
        ]
        if missing:
            raise CatalogError(
                f"Referenzwert Nr. {i}: Felder fehlen: {', '.join(missing)}", path=path
            )
        if r["indicator_id"] not in cat:
            raise CatalogError(
                f"Referenzwert Nr. {i}: unbekannter Indikator '{r['indicator_id']}'", path=path
            )
    df = pd.DataFrame(rows, columns=COLUMNS).fillna({"note": "", "region_name": ""})
    df["period"] = df["period"].astype(str)
    df["region"] = df["region"].astype(str)
    df["value"] = df["value"].astype(float)
    df["source"] = df["source"].map(lambda s: " ".join(str(s).split()))
    return df


def _from_store(store: pd.DataFrame) -> pd.DataFrame:
    """Published measures named as 'fallback' in the catalogue (e.g. einbuergerungsquote).

    One pass over the store, cached per store object (notebooks ask many times)."""
    return cache.cached("store_references", id(store), lambda: _read_from_store(store), of=store)


def _read_from_store(store: pd.DataFrame) -> pd.DataFrame:
    fallbacks = [i for i in catalog().values() if i.fallback is not None]
    measures = {i.fallback.measure for i in fallbacks}
    small = store[store["measure"].isin(measures) & store["value"].notna()]
    frames = []
    for ind in fallbacks:
        sel = ind.fallback
        mask = (small["measure"] == sel.measure) & (small["unit"] == sel.unit)
        for dim in DIMENSIONS:
            mask &= small[dim] == sel.filters.get(dim, TOTAL)
        hit = small[mask]
        if hit.empty:
            continue
        frames.append(
            pd.DataFrame(
                {
                    "indicator_id": ind.id,
                    "region": hit["region"],
                    "region_name": hit["region_name"],
                    "period": hit["period"],
                    "value": hit["value"],
                    "unit": ind.unit,
                    "source": hit["source"],
                    "note": hit["note"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def references(indicator_id: str | None = None, store: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published reference values (columns: indicator_id, region, region_name, period, value,
    unit, source, note) from reference.yml and, if given, published measures in the store.

    Split by indicator once per store (cached, see :mod:`ibislib.cache`): a report asks for
    one indicator's values ~25 times."""
    if store is not None and len(store):
        by_id = cache.cached("references", id(store), lambda: _by_indicator(store), of=store)
    else:
        by_id = _by_indicator(None)
    if indicator_id is None:
        return by_id[None].reset_index(drop=True)
    hit = by_id.get(indicator_id)
    return (hit if hit is not None else by_id[None].iloc[0:0]).reset_index(drop=True)


def _by_indicator(store: pd.DataFrame | None) -> dict[str | None, pd.DataFrame]:
    """All reference values (key None) and those of each indicator, in file order."""
    frames = [_shipped(str(REFERENCE_PATH))]
    if store is not None:
        frames.append(_from_store(store))
    df = pd.concat([f for f in frames if len(f)], ignore_index=True)
    df = df.drop_duplicates(["indicator_id", "region", "period", "value"])
    out: dict[str | None, pd.DataFrame] = {None: df}
    for iid in df["indicator_id"].unique():
        out[iid] = df[df["indicator_id"] == iid]
    return out

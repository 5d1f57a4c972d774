"""Sources under figures and tables from the data actually drawn (issue 10, item 4).

A figure cites the tables behind its numbers: the ``source`` of the store rows of the
indicator's measures, for the regions and periods shown (e.g. "Statistische Ämter des Bundes
und der Länder, Regionaldatenbank Deutschland, Tabelle 12411-01-01-5 (Stand 10.10.2017)",
"IT.NRW, Allgemeinbildende Schulen (D07.1) …", "Stadt Ibbenbüren (Lieferung …)"). Where the
same number is in several tables, the table the engine uses (the one with the most rows, see
``ibislib.indicators.engine._dedup_mask``) is cited. The catalogue's ``source`` is only the
fallback, and then without the parts that cannot apply to the unit: a Land statistics office of
another Land ("IT.NRW" under Thüringen data) or municipal data the unit did not deliver.

Sources are split and joined at ";" outside brackets only, and deduplicated without regard to
case, so that the Quellenverzeichnis lists each source once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

#: The statistics office of each Land (AGS prefix) as it signs its publications.
LAND_OFFICES: dict[str, str] = {
    "01": "Statistisches Amt für Hamburg und Schleswig-Holstein",
    "02": "Statistisches Amt für Hamburg und Schleswig-Holstein",
    "03": "Landesamt für Statistik Niedersachsen",
    "04": "Statistisches Landesamt Bremen",
    "05": "IT.NRW",
    "06": "Hessisches Statistisches Landesamt",
    "07": "Statistisches Landesamt Rheinland-Pfalz",
    "08": "Statistisches Landesamt Baden-Württemberg",
    "09": "Bayerisches Landesamt für Statistik",
    "10": "Statistisches Amt Saarland",
    "11": "Amt für Statistik Berlin-Brandenburg",
    "12": "Amt für Statistik Berlin-Brandenburg",
    "13": "Statistisches Amt Mecklenburg-Vorpommern",
    "14": "Statistisches Landesamt des Freistaates Sachsen",
    "15": "Statistisches Landesamt Sachsen-Anhalt",
    "16": "Thüringer Landesamt für Statistik",
}

#: Words by which a source part names a Land office (to drop it under another Land's data).
_OFFICE_WORDS: dict[str, tuple[str, ...]] = {
    "01": ("Schleswig-Holstein", "Statistikamt Nord"),
    "02": ("Hamburg", "Statistikamt Nord"),
    "03": ("Niedersachsen", "LSN"),
    "04": ("Bremen",),
    "05": ("IT.NRW", "Nordrhein-Westfalen", "NRW"),
    "06": ("Hessisch",),
    "07": ("Rheinland-Pfalz",),
    "08": ("Baden-Württemberg",),
    "09": ("Bayerisch",),
    "10": ("Saarland",),
    "11": ("Berlin-Brandenburg",),
    "12": ("Berlin-Brandenburg",),
    "13": ("Mecklenburg-Vorpommern",),
    "14": ("Sachsen",),
    "15": ("Sachsen-Anhalt",),
    "16": ("Thüringen", "Thüringer"),
}

_MUNICIPAL = re.compile(r"\bkommunal|\bMelderegister|\bStandesamt|\bLieferung\b", re.IGNORECASE)
_OWN = re.compile(r"^eigene berechnung", re.IGNORECASE)


def split(source: str) -> list[str]:
    """'A; B (x; y)' -> ['A', 'B (x; y)']: parts at ';' outside brackets, 'Quelle:' removed."""
    text = re.sub(r"^\s*Quellen?:\s*", "", str(source or ""))
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == ";" and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def _key(part: str) -> str:
    return re.sub(r"\s+", " ", part).strip().casefold()


def join(sources: Iterable[str]) -> str:
    """Several source lines -> one: each source once (case-insensitive), 'eigene Berechnungen'
    last."""
    parts: dict[str, str] = {}
    own = False
    for src in sources:
        for part in split(src):
            if _OWN.match(part):
                own = True
                continue
            parts.setdefault(_key(part), part[0].upper() + part[1:])
    out = "; ".join(parts.values())
    if own:
        return f"{out}; eigene Berechnungen" if out else "eigene Berechnungen"
    return out


def unique(sources: Iterable[str]) -> list[str]:
    """The distinct sources of a report (for the Quellenverzeichnis), sorted, 'eigene
    Berechnungen' left out: each once, whatever its case, never split inside brackets."""
    parts: dict[str, str] = {}
    for src in sources:
        for part in split(src):
            if not _OWN.match(part):
                parts.setdefault(_key(part), part[0].upper() + part[1:])
    return sorted(parts.values(), key=str.casefold)


def _normalise(source: str) -> str:
    """One citation per table: the flat exports cite 'Regionaldatenbank Deutschland, Tabelle …'
    without the publisher the classic exports name."""
    s = str(source).strip()
    if s.startswith("Regionaldatenbank Deutschland"):
        s = f"Statistische Ämter des Bundes und der Länder, {s}"
    return s


_INDEX: dict[int, tuple[pd.DataFrame, dict[str, pd.DataFrame]]] = {}


def _by_measure(store: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """(region, period) -> source of the table the engine takes, per measure (once per store)."""
    cached = _INDEX.get(id(store))
    if cached is not None and cached[0] is store:
        return cached[1]
    cols = ["measure", "region", "period", "table", "source"]
    # deduplicated on the categorical codes first, then made text: astype(str) over the whole
    # store (1,35 Mio. rows) cost 2 CPU-s of every kernel's first report, this 0,3
    df = store.loc[store["value"].notna(), cols].drop_duplicates()
    df = df.astype({c: str for c in cols})
    size = store["table"].value_counts()
    size.index = size.index.astype(str)
    df = df.assign(_n=df["table"].map(size).fillna(0))
    df = df.sort_values("_n", ascending=False, kind="stable").drop_duplicates(
        ["measure", "region", "period"]
    )
    index = {m: g.set_index(["region", "period"])["source"] for m, g in df.groupby("measure")}
    _INDEX.clear()
    _INDEX[id(store)] = (store, index)
    return index


def _measures(indicator_id: str) -> list[str]:
    from ..indicators import catalog

    cat = catalog()
    e = cat[indicator_id]
    if e.kind == "relative" and e.base_indicator in cat:
        e = cat[e.base_indicator]
    sels = [e.numerator, e.denominator, e.fallback]
    return list(dict.fromkeys(s.measure for s in sels if s is not None))


def drawn(indicator_id: str, df: pd.DataFrame, store: pd.DataFrame | None = None) -> list[str]:
    """Sources of the store rows behind the values in `df` (columns region, period and, for
    ratios on another Stichtag, denominator_period), most cited first. Published reference
    values (kind 'veröffentlicht' with their own source) keep their source."""
    if df is None or df.empty or "region" not in df or "period" not in df:
        return []
    if store is None:
        from ..indicators.engine import load_store

        store = load_store()
    index = _by_measure(store)
    keys: list[tuple[str, str]] = []
    published: list[str] = []
    for r in df.itertuples(index=False):
        row = r._asdict()
        if row.get("kind") == "veröffentlicht" and row.get("source"):
            published.append(str(row["source"]))
            continue
        keys.append((str(row["region"]), str(row["period"])))
        dp = row.get("denominator_period")
        if isinstance(dp, str) and dp:
            keys.append((str(row["region"]), dp))
    found: dict[str, int] = {}
    for m in _measures(indicator_id):
        s = index.get(m)
        if s is None:
            continue
        hit = (
            s.reindex(pd.MultiIndex.from_tuples(keys, names=["region", "period"]))
            if keys
            else s.iloc[:0]
        )
        for src in hit.dropna():
            src = _normalise(src)
            found[src] = found.get(src, 0) + 1
    out = sorted(found, key=lambda k: -found[k])
    return out + [p for p in dict.fromkeys(published) if p not in out]


def _names_office(part: str, land: str) -> bool:
    words = (LAND_OFFICES.get(land, ""), *_OFFICE_WORDS.get(land, ()))
    return any(w and re.search(rf"\b{re.escape(w)}\b", part) for w in words)


def fallback(catalogue_source: str, land: str, municipal: bool) -> str:
    """The catalogue's source without the parts that cannot apply: another Land's statistics
    office, municipal data the unit did not deliver."""
    keep = []
    for part in split(catalogue_source):
        if not municipal and _MUNICIPAL.search(part):
            continue
        other = [code for code in _OFFICE_WORDS if code != land and _names_office(part, code)]
        mine = _names_office(part, land)
        if other and not mine:
            continue
        keep.append(part)
    return "; ".join(keep)


_TABLE = re.compile(r"^(?P<head>.+?),\s+(?P<tail>Tabelle\s.+)$")


def grouped(sources: Iterable[str]) -> list[tuple[str, list[str]]]:
    """The Quellenverzeichnis: sources of one database with several tables as one entry,
    e.g. ('Statistische Ämter des Bundes und der Länder, Regionaldatenbank Deutschland',
    ['Tabelle 12411-01-01-5 (Stand 10.10.2017)', 'Tabelle 13111-01-03-4']); other sources
    as (source, [])."""
    out: dict[str, list[str]] = {}
    for src in sources:
        m = _TABLE.match(src)
        head, tail = (m["head"], m["tail"]) if m else (src, "")
        tails = out.setdefault(head, [])
        if tail and tail not in tails:
            tails.append(tail)
    result = []
    for head, tails in out.items():
        if len(tails) == 1:
            result.append((f"{head}, {tails[0]}", []))
        else:
            result.append((head, tails))
    return result

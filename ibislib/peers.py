"""Vergleichsringe: for every Gemeinde (or Kreis) the k most similar units of the same level.

Method (printed in the report by :func:`method_note`; the same for every unit, so rings are
reproducible and a ring member's ring is computed the same way):

1. **Candidates**: units of the same level in the same part of Germany (West: Länder 01–10;
   Ost: Berlin and Länder 12–16), with a population and an area. Gemeindefreie Gebiete and
   units without Zensus population are left out.
2. **Features** (held for all of Germany):
   population (Zensus 2022, 15.05.2022; log10), population density (inhabitants per km² of
   land area from the BKG VG5000 boundaries, 01.01.2021, equal-area projection; log10),
   settlement type (Gemeinden: kreisfreie Stadt / kreisangehörige Stadt / Gemeinde; Kreise:
   kreisfreie Stadt / Landkreis), Land, and the foreigners' share (Bevölkerungsfortschreibung)
   where it is known for at least half of the level's units at one Stichtag.
3. **Distance**: numeric features are z-standardised over all units of the level; the squared
   distance is the sum of the squared z-differences, plus :data:`WEIGHTS` ['typ'] when the
   settlement type differs and :data:`WEIGHTS` ['land'] when the Land differs.
4. **Ring**: the k units with the smallest distance (the unit itself excluded); on equal
   distance the smaller AGS comes first.

:func:`rings` computes all rings of a level in one vectorised pass (blocks of rows against all
candidates), :func:`ring` one unit's ring with its features, :func:`ring_sentence` the
comparison sentence ("Unter 10 vergleichbaren Gemeinden liegt …").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from . import fmt
from .errors import IbisError
from .text import fuer_region, von_region

K = 10
WEIGHTS = {"bevoelkerung": 1.0, "dichte": 1.0, "ausl_anteil": 1.0, "typ": 1.0, "land": 0.5}
OST = {"11", "12", "13", "14", "15", "16"}
MIN_COVERAGE = 0.5
#: Plural of the level: (nominative/accusative, dative).
LEVEL_NOUN = {"gemeinde": ("Gemeinden", "Gemeinden"), "kreis": ("Kreise", "Kreisen")}
_KREISFREI = {"Kreisfreie Stadt", "Stadtkreis"}
#: Official two-letter abbreviations of the Länder (tables stay narrow at 16 cm).
LAND_CODES = {
    "01": "SH", "02": "HH", "03": "NI", "04": "HB", "05": "NW", "06": "HE", "07": "RP",
    "08": "BW", "09": "BY", "10": "SL", "11": "BE", "12": "BB", "13": "MV", "14": "SN",
    "15": "ST", "16": "TH",
}  # fmt: skip
FEATURE_LABELS = {
    "bevoelkerung": "Bevölkerung",
    "dichte": "Einw. je km²",
    "typ": "Siedlungstyp",
    "land": "Land",
    "ausl_anteil": "Ausländeranteil (%)",
}


@dataclass
class Features:
    """The feature table of one level (index AGS) with the inputs' dates and sources."""

    level: str
    frame: pd.DataFrame
    inputs: list[tuple[str, str, str]] = field(default_factory=list)  # (what, Stand, source)
    unused: list[str] = field(default_factory=list)  # features left out, with the reason


def _store_key() -> int:
    from .report.blocks import _store_state

    return _store_state()


def features(level: str = "gemeinde") -> Features:
    """Features of every unit of `level` ('gemeinde' or 'kreis'), cached per store state."""
    if level not in LEVEL_NOUN:
        raise IbisError(
            f"Vergleichsringe gibt es für Gemeinden und Kreise, nicht für '{level}'",
            hint="Für ein Land ist der Bund der Vergleich.",
        )
    return _features(level, _store_key())


#: Bump when the feature definition changes (invalidates the cache in data/processed/).
FEATURES_VERSION = 1


def _cache_files(level: str) -> tuple:
    from . import paths

    base = paths.processed_dir() / f"vergleichsring_{level}"
    return base.with_suffix(".parquet"), base.with_suffix(".json")


def _cache_key(state: int) -> str:
    from . import maps

    shp = [maps.vg5000_dir() / f"VG5000_{x}.shp" for x in ("GEM", "KRS")]
    parts = [str(FEATURES_VERSION), str(state)] + [
        f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in shp if p.exists()
    ]
    return "|".join(parts)


@lru_cache(maxsize=4)
def _features(level: str, state: int) -> Features:
    """Features from the cache in data/processed/ (rebuilt when the store or VG5000 change)."""
    import json

    from .atomic import atomic_path, write_text

    data, meta = _cache_files(level)
    key = _cache_key(state)
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
        if info.get("key") == key:
            frame = pd.read_parquet(data)
            return Features(
                level=level,
                frame=frame,
                inputs=[tuple(x) for x in info["inputs"]],
                unused=list(info["unused"]),
            )
    except (OSError, ValueError, KeyError):
        pass
    f = _build_features(level)
    try:
        with atomic_path(data, suffix=".parquet") as tmp:
            f.frame.to_parquet(tmp)
        write_text(
            meta,
            json.dumps({"key": key, "inputs": f.inputs, "unused": f.unused}, ensure_ascii=False),
        )
    except OSError:  # read-only checkout: compute again next time
        pass
    return f


def _build_features(level: str) -> Features:
    from . import maps
    from .indicators import compute
    from .regions import registry
    from .report.blocks import totals
    from .store import load

    store = load()
    geo = maps.boundaries(level)
    geo = geo[geo["bez"] != "Gemeindefreies Gebiet"]
    zensus = store[(store["table"] == "1000A-0000") & (store["measure"] == "bevoelkerung")]
    zensus = totals(zensus)
    z8 = zensus[zensus["region"].str.len() == 8]
    if z8.empty:
        raise IbisError(
            "Für Vergleichsringe fehlt die Bevölkerung des Zensus 2022 aller Gemeinden "
            "(Tabelle 1000A-0000) im Datenspeicher",
            hint="Die Datei liegt in data/raw/genesis_flat/; 'ibis store build' ausführen.",
        )
    pop = z8.groupby("region", observed=True)["value"].sum()
    zensus_stand = str(z8["period"].iloc[0])
    if level == "kreis":
        pop = pop.groupby(pop.index.str[:5]).sum()
    kreise = maps.boundaries("kreis").set_index("ags")["bez"]
    df = pd.DataFrame(
        {
            "name": geo["name"].to_numpy(),
            "bez": geo["bez"].to_numpy(),
            "flaeche_km2": geo["flaeche_km2"].to_numpy(),
        },
        index=pd.Index(geo["ags"].to_numpy(), name="ags"),
    )
    df["bevoelkerung"] = df.index.map(pop).astype(float)
    df = df[df["bevoelkerung"].notna() & (df["bevoelkerung"] > 0)]
    df["dichte"] = df["bevoelkerung"] / df["flaeche_km2"]
    df["land"] = df.index.str[:2]
    df["ost"] = df["land"].isin(OST)
    kreis_bez = df.index.str[:5].map(kreise)
    if level == "gemeinde":
        df["typ"] = np.where(
            np.isin(kreis_bez, list(_KREISFREI)),
            "kreisfreie Stadt",
            np.where(df["bez"] == "Stadt", "kreisangehörige Stadt", "Gemeinde"),
        )
    else:
        df["typ"] = np.where(df["bez"].isin(_KREISFREI), "kreisfreie Stadt", "Landkreis")
    reg = registry()
    df["name"] = [reg.name_of(a, default=n) for a, n in zip(df.index, df["name"], strict=True)]
    inputs = [
        (
            "Bevölkerung",
            fmt.date(zensus_stand),
            "Zensus 2022, Statistische Ämter des Bundes und der Länder",
        ),
        ("Fläche (Landfläche)", "01.01.2021", maps.BKG_COPYRIGHT + ", VG5000"),
        ("Siedlungstyp, Land, West/Ost", "01.01.2021", maps.BKG_COPYRIGHT + ", VG5000"),
    ]
    unused: list[str] = []
    ausl = compute(ids=["ausl_anteil"], store=store)
    ausl = totals(ausl)
    ausl = ausl[ausl["value"].notna() & ausl["region"].isin(df.index)]
    best = ausl.groupby("period")["region"].nunique().sort_index()
    if len(best) and best.max() >= MIN_COVERAGE * len(df):
        period = best[best == best.max()].index[-1]
        at = ausl[ausl["period"] == period].drop_duplicates("region").set_index("region")
        df["ausl_anteil"] = df.index.map(at["value"]).astype(float)
        src = "; ".join(dict.fromkeys(at["source"].dropna().astype(str))) if "source" in at else ""
        src = (
            src
            or "Statistische Ämter des Bundes und der Länder, Fortschreibung des Bevölkerungsstandes"
        )
        inputs.append(("Ausländeranteil", fmt.period(period), src))
    else:
        n = int(best.max()) if len(best) else 0
        df["ausl_anteil"] = np.nan
        unused.append(
            f"Ausländeranteil: nur für {fmt.number(n)} von {fmt.number(len(df))} "
            f"{LEVEL_NOUN[level][1]} zu einem Stichtag bekannt – nicht verwendet"
        )
    df = df.sort_index()
    return Features(level=level, frame=df, inputs=inputs, unused=unused)


def _factors(f: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Left and right factors with ``d²(i, j) = L[i] · R[j] + c`` for every pair, so that a
    block of rows against all candidates is one matrix product (BLAS).

    Numeric feature x (z-standardised, weight w; 0 and mask 0 where unknown) contributes
    w·m_i·m_j·(x_i − x_j)² = w·(x_i²·m_j + m_i·x_j² − 2·x_i·x_j); a category (one-hot t,
    weight w) contributes w·(1 − t_i · t_j). Returns (L, R, part, c); part is True for Ost.
    """
    df = f.frame
    cols = ["bevoelkerung", "dichte"] + (["ausl_anteil"] if df["ausl_anteil"].notna().any() else [])
    left, right = [], []
    const = 0.0
    for c in cols:
        x = df[c].to_numpy(float)
        x = np.log10(x) if c != "ausl_anteil" else x
        m = np.isfinite(x)
        z = (x - np.nanmean(x)) / (np.nanstd(x) or 1.0)
        z = np.where(m, z, 0.0)
        mf = m.astype(float)
        w = WEIGHTS[c]
        left += [w * z * z, w * mf, -2.0 * w * z]
        right += [mf, z * z, z]
    for c in ("typ", "land"):
        codes = pd.factorize(df[c], sort=True)[0]
        onehot = np.eye(codes.max() + 1)[codes]
        w = WEIGHTS[c]
        const += w
        left += list((-w * onehot).T)
        right += list(onehot.T)
    return np.column_stack(left), np.column_stack(right), df["ost"].to_numpy(), const


def rings(
    level: str = "gemeinde", k: int = K, block: int = 1024, only: list[str] | None = None
) -> pd.DataFrame:
    """All rings of a level (or those of the AGS in `only`): columns ags, rang (1…k), peer,
    abstand; AGS order.

    One pass over blocks of rows against all candidates of the same part of Germany (one
    matrix product per block, see :func:`_factors`); a numeric feature unknown for one of
    the two units counts as no difference for that pair.
    """
    f = features(level)
    left, right, ost, const = _factors(f)
    ags = f.frame.index.to_numpy()
    out_rows, out_peer, out_rank, out_dist = [], [], [], []
    for part in (False, True):
        idx = np.flatnonzero(ost == part)
        if len(idx) < 2:
            continue
        kk = min(k, len(idx) - 1)
        lp, rp = left[idx], right[idx]
        # tie-break: on equal distance the smaller AGS (lower column index) wins
        tie = np.arange(len(idx)) * 1e-9
        todo = np.arange(len(idx)) if only is None else np.flatnonzero(np.isin(ags[idx], only))
        for start in range(0, len(todo), block):
            rows = todo[start : start + block]
            d2 = lp[rows] @ rp.T
            d2 += const + tie
            n = d2.shape[0]
            d2[np.arange(n), rows] = np.inf  # not its own peer
            near = np.argpartition(d2, kk - 1, axis=1)[:, :kk]
            nd = np.take_along_axis(d2, near, axis=1)
            order = np.argsort(nd, axis=1, kind="stable")
            near = np.take_along_axis(near, order, axis=1)
            nd = np.take_along_axis(nd, order, axis=1)
            out_rows.append(np.repeat(idx[rows], kk))
            out_peer.append(idx[near].ravel())
            out_rank.append(np.tile(np.arange(1, kk + 1), n))
            out_dist.append(np.sqrt(np.maximum(nd, 0.0)).ravel())
    if not out_rows:
        return pd.DataFrame(columns=["ags", "rang", "peer", "abstand"])
    res = pd.DataFrame(
        {
            "ags": ags[np.concatenate(out_rows)],
            "rang": np.concatenate(out_rank),
            "peer": ags[np.concatenate(out_peer)],
            "abstand": np.round(np.concatenate(out_dist), 6),
        }
    )
    return res.sort_values(["ags", "rang"], kind="stable").reset_index(drop=True)


@lru_cache(maxsize=256)
def _ring_of(level: str, ags: str, k: int, _state: int) -> pd.DataFrame:
    return rings(level, k, only=[ags])


def level_of_unit(unit) -> str:
    """Gemeinden (incl. kreisfreie Städte) have Gemeinde rings; Kreise have Kreis rings."""
    return "kreis" if unit.level == "kreis" else "gemeinde"


def ring(unit, k: int = K) -> pd.DataFrame:
    """The ring of one unit (Region, AGS or name): the unit first (rang 0), then its k peers,
    with their features (Bevölkerung, Dichte, Siedlungstyp, Land, Ausländeranteil, Abstand)."""
    from .regions import registry

    if isinstance(unit, str):
        unit = registry().resolve(unit)
    level = level_of_unit(unit)
    if getattr(unit, "level", "") in ("land", "bund"):
        raise IbisError(
            f"{fuer_region(unit.name, capital=True)} ({unit.ags}) gibt es keinen Vergleichsring: "
            "ibis bildet ihn aus ähnlichen Gemeinden oder Kreisen, nicht aus Ländern; die "
            "Vergleiche mit dem Bund stehen in den Abbildungen"
        )
    f = features(level)
    if unit.ags not in f.frame.index:
        raise IbisError(
            f"{fuer_region(unit.name, capital=True)} ({unit.ags}) lässt sich kein Vergleichsring bilden: keine "
            "Bevölkerung des Zensus 2022 oder keine Fläche (VG5000, Gebietsstand 01.01.2021)",
            hint="Gemeinden, die nach dem 01.01.2021 entstanden sind, fehlen in den VG5000-Grenzen.",
        )
    mine = _ring_of(level, unit.ags, k, _store_key())
    rows = pd.DataFrame({"peer": [unit.ags], "rang": [0], "abstand": [0.0]})
    rows = pd.concat([rows, mine[["peer", "rang", "abstand"]]], ignore_index=True)
    feat = f.frame.reindex(rows["peer"])
    out = pd.DataFrame(
        {
            "rang": rows["rang"].to_numpy(),
            "ags": rows["peer"].to_numpy(),
            "name": feat["name"].to_numpy(),
            "land": [LAND_CODES.get(x, x) for x in feat["land"]],
            "typ": feat["typ"].to_numpy(),
            "bevoelkerung": feat["bevoelkerung"].to_numpy(),
            "dichte": feat["dichte"].to_numpy(),
            "ausl_anteil": feat["ausl_anteil"].to_numpy(),
            "abstand": rows["abstand"].to_numpy(),
        }
    )
    out.attrs["level"] = level
    return out


def method_note(level: str = "gemeinde", k: int = K) -> str:
    """The methods note (German Markdown): rule, inputs with their dates, weights."""
    f = features(level)
    many = LEVEL_NOUN[level][0]
    used = ["Bevölkerungszahl (logarithmiert)", "Bevölkerungsdichte (logarithmiert)"]
    if f.frame["ausl_anteil"].notna().any():
        used.append("Ausländeranteil")
    typ = (
        "kreisfreie Stadt, kreisangehörige Stadt oder Gemeinde"
        if level == "gemeinde"
        else "kreisfreie Stadt oder Landkreis"
    )
    inputs = "; ".join(f"{what}: Stand {when} ({src})" for what, when, src in f.inputs)
    lines = [
        f"**Vergleichsring.** Zu {'jeder Gemeinde' if level == 'gemeinde' else 'jedem Kreis'} "
        f"bestimmt ibis die {k} ähnlichsten {many} desselben Landesteils (West: Länder "
        "Schleswig-Holstein bis Saarland; Ost: Berlin und die Länder Brandenburg bis Thüringen), "
        f"nach einem festen, für alle {many} gleichen Verfahren: Merkmale sind "
        f"{', '.join(used)} – jeweils über alle {fmt.number(len(f.frame))} {many} standardisiert "
        f"(z-Werte) –, der Siedlungstyp ({typ}) und das Land. Der Abstand ist die Wurzel aus der "
        "Summe der quadrierten z-Differenzen; ein anderer Siedlungstyp zählt "
        f"{fmt.number(WEIGHTS['typ'], 1)}, ein anderes Land {fmt.number(WEIGHTS['land'], 1)} "
        "Einheiten (quadriert). Bei gleichem Abstand entscheidet der kleinere AGS; das Verfahren "
        "ist damit reproduzierbar.",
        f"Eingangsdaten: {inputs}.",
    ]
    if f.unused:
        lines.append("Nicht verwendet: " + "; ".join(f.unused) + ".")
    lines.append(
        "Rang 1 bedeutet den höchsten Wert im Ring; verglichen werden nur Werte desselben "
        f"Stichtags. Der Median bezieht sich auf die {many} des Rings mit Wert."
    )
    return "\n\n".join(lines)


def ring_values(indicator_id: str, unit, period: str | None = None, k: int = K):
    """The indicator for the unit and its ring at one Stichtag: the latest one (up to
    `period`) at which the unit and at least 3 ring members have a value; (frame, period)."""
    from .indicators import compute
    from .report.blocks import _period_key, totals

    members = ring(unit, k)
    df = compute(ids=[indicator_id], regions=list(members["ags"]))
    df = totals(df) if df is not None and len(df) else pd.DataFrame()
    if df.empty:
        return pd.DataFrame(), None
    df = df[df["value"].notna()]
    if "flag" in df:
        df = df[~df["flag"].fillna("").astype(str).isin(["*", ".", "/", "x"])]
    own = set(df.loc[df["region"] == unit.ags, "period"])
    counts = df[df["region"] != unit.ags].groupby("period")["region"].nunique()
    ok = [
        p
        for p in own
        if counts.get(p, 0) >= 3 and (period is None or _period_key(p) <= _period_key(period))
    ]
    if not ok:
        return pd.DataFrame(), None
    per = sorted(ok, key=_period_key)[-1]
    at = df[df["period"] == per].drop_duplicates("region").set_index("region")
    members["value"] = members["ags"].map(at["value"]).astype(float)
    members.attrs["source"] = (
        "; ".join(dict.fromkeys(at["source"].dropna().astype(str))) if "source" in at else ""
    )
    return members, per


def ring_sentence(indicator_id: str, unit, period: str | None = None, k: int = K) -> str | None:
    """'Unter 10 vergleichbaren Gemeinden liegt Ibbenbüren mit 9,9 % auf Rang 4 (Median 8,1 %).'"""
    from .report.blocks import entry

    e = entry(indicator_id)
    if e.unit == "Anzahl":
        return None  # counts depend on size; the ring is chosen by size already
    members, per = ring_values(indicator_id, unit, period, k)
    if per is None:
        return None
    peers = members[members["rang"] > 0]
    have = peers[peers["value"].notna()]
    own = float(members.loc[members["rang"] == 0, "value"].iloc[0])
    vals = np.append(have["value"].to_numpy(float), own)
    shown = np.round(vals, e.decimals)
    rank = int((shown > round(own, e.decimals)).sum()) + 1
    med = float(np.median(have["value"]))
    _, many = LEVEL_NOUN[members.attrs["level"]]
    from .text import with_article

    subject = with_article(unit.name)
    q = lambda v: fmt.quantity(v, e.unit, e.decimals)  # noqa: E731
    n = len(have)
    of = f" ({fmt.number(n)} von {k} mit Wert)" if n < k else ""
    return (
        f"{e.title}, {fmt.period(per)}: Unter {n} vergleichbaren {many}{of} liegt {subject} "
        f"mit {q(own)} auf Rang {rank} von {n + 1} (Median des Vergleichsrings {q(med)}; "
        f"Spanne {q(have['value'].min())} bis {q(have['value'].max())})."
    )


# --------------------------------------------------------------------------- notebook blocks


def comparison(
    indicator_ids: list[str],
    unit,
    period: str | None = None,
    k: int = K,
    *,
    heading: str = "Im Vergleich mit ähnlichen Kommunen (Vergleichsring)",
) -> bool:
    """The chapter's ring cell: a heading, one sentence per indicator and a table (unit,
    rank, ring median, range); a note when no ring member has values at the unit's Stichtag."""
    from . import publish
    from .report.blocks import entry, first_time, source_of

    try:
        ring(unit, k)
    except IbisError as exc:
        if first_time(f"Kein Vergleichsring: {exc.problem}."):
            publish.note(f"Kein Vergleichsring: {exc.problem}.")
        return False
    sentences, rows, sources = [], [], []
    for iid in indicator_ids:
        s = ring_sentence(iid, unit, period, k)
        if not s:
            continue
        members, per = ring_values(iid, unit, period, k)
        e = entry(iid)
        have = members[(members["rang"] > 0) & members["value"].notna()]
        own = float(members.loc[members["rang"] == 0, "value"].iloc[0])
        rank = int((np.round(have["value"], e.decimals) > round(own, e.decimals)).sum()) + 1
        sentences.append(s)
        rows.append(
            {
                "Kennzahl": f"{e.title} ({'%' if e.unit == 'Prozent' else e.unit})",
                "Stand": fmt.period(per),
                unit.name: fmt.number(own, e.decimals),
                "Rang": f"{rank}\u00a0von\u00a0{len(have) + 1}",
                "Median Ring": fmt.number(float(np.median(have["value"])), e.decimals),
                "Minimum": fmt.number(float(have["value"].min()), e.decimals),
                "Maximum": fmt.number(float(have["value"].max()), e.decimals),
            }
        )
        sources.append(source_of(iid, unit=unit))
    level = level_of_unit(unit)
    head = f"## {heading}\n\n" if heading else ""
    if not rows:
        titles = "; ".join(entry(i).title for i in indicator_ids)
        publish.text(
            head
            + f"Für die {k} vergleichbaren {LEVEL_NOUN[level][0]} {von_region(unit.name)} liegen "
            f"keine Werte desselben Stichtags vor (Kennzahlen: {titles}; für einen Rang sind "
            "mindestens 3 Werte nötig). Die Mitglieder des Vergleichsrings stehen im "
            "Methodenhinweis."
        )
        return False
    lead = ""
    if getattr(unit, "is_kreisfrei", False):
        lead = (
            f"{unit.name} ist kreisfrei und hat keinen Kreis als Vergleich; an seine Stelle "
            "treten der Vergleichsring und das Land. "
        )
    publish.text(head + lead + " ".join(sentences))
    publish.table(
        pd.DataFrame(rows),
        name="vergleichsring",
        caption=f"{unit.name} im Vergleichsring ({k} ähnliche "
        f"{LEVEL_NOUN[level][0]}; Rang 1 = höchster Wert)",
        source=publish.join_sources(sources + ["eigene Berechnungen"]),
    )
    return True


def appendix(unit, k: int = K) -> bool:
    """Methods note and the ring's members with the features used (for the report)."""
    from . import publish
    from .report.blocks import first_time

    try:
        members = ring(unit, k)
    except IbisError as exc:
        if first_time(f"Kein Vergleichsring: {exc.problem}."):  # said already in the chapter
            publish.note(f"Kein Vergleichsring: {exc.problem}.")
        return False
    level = members.attrs["level"]
    publish.text("## Vergleichsring: Methode und Mitglieder\n\n" + method_note(level, k))
    table = members_table(members)
    f = features(level)
    publish.table(
        table,
        name="vergleichsring_mitglieder",
        caption=f"Vergleichsring {von_region(unit.name)}: die {k} ähnlichsten {LEVEL_NOUN[level][0]}",
        source=publish.join_sources([src for _, _, src in f.inputs] + ["eigene Berechnungen"]),
        decimals={"Einw. je km²": 0, "Ausländeranteil (%)": 1, "Abstand": 2, "Bevölkerung": 0},
    )
    return True


def members_table(members: pd.DataFrame) -> pd.DataFrame:
    """German column names; the unit's own row first, marked 'Bezug'."""
    t = pd.DataFrame(
        {
            "Rang": ["Bezug" if r == 0 else str(r) for r in members["rang"]],
            "AGS": members["ags"],
            "Name": members["name"],
            "Land": members["land"],
            "Siedlungstyp": members["typ"],
            "Bevölkerung": members["bevoelkerung"],
            "Einw. je km²": members["dichte"],
            "Ausländeranteil (%)": members["ausl_anteil"],
            "Abstand": members["abstand"],
        }
    )
    if t["Ausländeranteil (%)"].isna().all():
        t = t.drop(columns="Ausländeranteil (%)")
    return t


def format_ring(name: str, k: int = K, method: bool = False) -> str:
    """Plain-text ring for the command line (German numbers), optionally with the method."""
    from .regions import registry

    unit = registry().resolve(name)
    if unit.level not in LEVEL_NOUN:
        raise IbisError(
            f"{registry().label(unit)}: Vergleichsringe gibt es für Gemeinden und Kreise",
            hint="Bitte eine Gemeinde oder einen Kreis angeben.",
        )
    members = ring(unit, k)
    t = members_table(members)
    for col, d in (("Bevölkerung", 0), ("Einw. je km²", 0), ("Ausländeranteil (%)", 1)):
        if col in t:
            t[col] = [fmt.number(v, d) for v in t[col]]
    t["Abstand"] = [fmt.number(v, 3) for v in t["Abstand"]]
    level = members.attrs["level"]
    f = features(level)
    head = (
        f"Vergleichsring für {registry().label(unit)}: die {k} ähnlichsten "
        f"{LEVEL_NOUN[level][0]} (Merkmale: Bevölkerung, Dichte, Siedlungstyp, Land"
        + (", Ausländeranteil" if "Ausländeranteil (%)" in t else "")
        + ")"
    )
    inputs = "\n".join(f"  {what}: Stand {when} – {src}" for what, when, src in f.inputs)
    out = f"{head}\n\n{t.to_string(index=False)}\n\nEingangsdaten:\n{inputs}"
    if f.unused:
        out += "\n" + "\n".join(f"  {u}" for u in f.unused)
    if method:
        out += "\n\n" + method_note(level, k).replace("**", "")
    return out

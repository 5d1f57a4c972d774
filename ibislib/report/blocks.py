"""Building blocks for the chapter notebooks: one call = one report section (figure, table or
sentence) from the indicator catalogue, with the "keine Daten" sentence when the unit has no data.

Every block takes the unit (a :class:`ibislib.regions.Region`) and an indicator id and returns
True when it published something. Captions and sources come from the catalogue; no number is
ever typed into a notebook.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import charts, fmt, publish
from ..escape import markdown_text as md
from ..indicators.query import period_key
from ..text import fuer_region, in_region, von_region
from ..tidy import DIMENSIONS, TOTAL

COMPARE_LEVELS = ("gemeinde", "kreis", "land", "bund")


# ----------------------------------------------------------------------------- data access


def unit_of(municipality: str):
    """AGS or name -> Region (the registry raises a clear German error for unknown names).

    A Kreis is named as the report's sentences and captions need it: "Kreis Steinfurt" (its
    official designation), not "Steinfurt" (also the name of a town); "Ilm-Kreis" and
    "Regionalverband Saarbrücken" stay as they are, kreisfreie Städte keep their short name."""
    import dataclasses

    from ..regions import registry

    unit = registry().resolve(str(municipality))
    if getattr(unit, "level", "") == "kreis" and not unit.is_kreisfrei:
        label = kreis_label(unit)
        if label != unit.name:
            unit = dataclasses.replace(unit, name=label)
    return unit


def entry(indicator_id: str):
    from ..indicators import catalog

    return catalog()[indicator_id]


def source_of(indicator_id: str, df: pd.DataFrame | None = None, unit=None) -> str:
    """Source line from the data actually drawn: the tables behind the values in `df` (see
    :mod:`ibislib.report.citations`); without `df`, the unit's own values (`unit`). Only when
    no table is found, the catalogue entry, without another Land's office or municipal data
    the unit did not deliver. Ratios add "eigene Berechnungen"."""
    from . import citations

    e = entry(indicator_id)
    if df is None and unit is not None:
        df = _own_values(indicator_id, unit)
    found = citations.drawn(indicator_id, df) if df is not None else []
    if found:
        src = "; ".join(found)
    else:
        land = str(
            getattr(unit, "ags", "") or (df["region"].iloc[0] if df is not None and len(df) else "")
        )[:2]
        src = citations.fallback(e.source, land, municipal=False) or e.source
    if e.kind in ("ratio", "change", "relative"):
        src += "; eigene Berechnungen"
    return publish.join_sources([src])


def totals(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows not broken down by any dimension except those in `keep`."""
    # on plain object arrays: the Series version (astype(str), &=) cost ~3 ms a call, and a
    # report calls this a few hundred times; a non-text cell is never 'insgesamt' either way
    mask = np.ones(len(df), dtype=bool)
    for dim in DIMENSIONS:
        if dim in df and dim not in keep:
            mask &= _is_total(df[dim])
    for dim in keep:
        if dim in df:
            mask &= ~_is_total(df[dim])
    return df[mask]


def _is_total(col: pd.Series) -> np.ndarray:
    cells = col.to_numpy(dtype=object)
    try:
        return np.asarray(cells == TOTAL, dtype=bool)
    except TypeError:  # a pd.NA cell (nullable string column) has no truth value
        return np.array([isinstance(v, str) and v == TOTAL for v in cells], dtype=bool)


def _store_state() -> int:
    """Changes when the store is rebuilt (cache key of the peer features, ibislib/peers.py)."""
    from ..store import manifest_path

    try:
        return manifest_path().stat().st_mtime_ns
    except OSError:
        return 0


def values(indicator_id: str, regions, periods=None, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Computed indicator values (rows with a value only) for the given regions.

    No cache here: :func:`ibislib.indicators.compute` slices the catalogue it computed once
    per region and store (one cache, invalidated with the store)."""
    from ..indicators import compute

    regions = [regions] if isinstance(regions, str) else list(regions)
    periods = [periods] if isinstance(periods, str) else periods
    df = compute(ids=[indicator_id], regions=regions, periods=periods)
    if df is None or df.empty:
        return pd.DataFrame(columns=["region", "region_name", "period", "value"])
    df = totals(df, keep)
    return df[df["value"].notna()]


def latest_period(df: pd.DataFrame) -> str | None:
    return None if df.empty else sorted(df["period"].astype(str).unique(), key=_period_key)[-1]


def _period_key(p: str) -> tuple:
    """The one period order (:func:`ibislib.indicators.query.period_key`), so "latest" here is
    what ``query.latest`` calls latest."""
    return period_key(p)


#: a value this many years (or more) older than the report's reference year (or than the newest
#: value of a level it is compared with) is "neuester verfügbarer Stand", and the text says so
#: (issue 10, item 2; the quality gate's ``alter_stand`` check uses the same two years)
STALE_YEARS = 2


def _year(period: str) -> int | None:
    m = re.match(r"(\d{4})", str(period))
    if not m:
        return None
    # a school year 2015/16 ends in 2016
    return int(m[1]) + (1 if re.match(r"\d{4}/\d{2}$", str(period)) else 0)


_REFERENCE: dict[tuple, int | None] = {}


def reference_year(unit, period: str | None = None) -> int | None:
    """The report's reference year: the Berichtszeitraum when one is given, else the newest year
    of any indicator value of the unit or of the levels it is compared with (for the indicators
    the unit has). A value :data:`STALE_YEARS` or more years older is "neuester verfügbarer
    Stand". One year for all chapters of a report (cached per unit and store)."""
    if period:
        y = _year(str(period))
        if y is not None:
            return y
    key = (unit.ags, _store_state())
    if key in _REFERENCE:
        return _REFERENCE[key]
    import datetime

    from ..indicators import compute

    df = compute(regions=comparison_regions(unit))
    ref = None
    if df is not None and not df.empty:
        df = df[df["value"].notna()]
        own = set(df.loc[df["region"] == unit.ags, "indicator_id"])
        this_year = datetime.date.today().year
        years = [
            y
            for y in map(_year, df.loc[df["indicator_id"].isin(own), "period"].unique())
            if y is not None and y <= this_year
        ]
        ref = max(years) if years else None
    _REFERENCE[key] = ref
    return ref


def is_stale(period: str, unit, ref_period: str | None = None) -> bool:
    """True when `period` is :data:`STALE_YEARS` or more years before the reference year."""
    year, ref = _year(str(period)), reference_year(unit, ref_period)
    return year is not None and ref is not None and ref - year >= STALE_YEARS


def stand(period: str, unit, ref_period: str | None = None) -> str:
    """'31.12.2015 (neuester verfügbarer Stand)' for an old value, else '31.12.2015' (table
    columns and captions)."""
    shown = fmt.period(period)
    return f"{shown} (neuester verfügbarer Stand)" if is_stale(period, unit, ref_period) else shown


_ANY_PERIOD = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def with_stand(caption: str, period: str, unit, ref_period: str | None = None) -> str:
    """A caption that names no Stichtag gets one (', 31.12.2015'); an old one says so
    (' (neuester verfügbarer Stand)')."""
    if not _ANY_PERIOD.search(caption):
        caption = f"{caption}, {fmt.period(period)}"
    if is_stale(period, unit, ref_period) and "neuester verfügbarer stand" not in caption.lower():
        caption += " (neuester verfügbarer Stand)"
    return caption


def stale_note(indicator_id: str, unit, period: str | None = None) -> str:
    """'Neuester verfügbarer Stand für Bremerhaven: 31.12.2015 (neuere Werte: Deutschland: 2024).'
    when the unit's newest value is :data:`STALE_YEARS` or more years older than the report's
    :func:`reference_year` or than the newest value of a comparison level; "" otherwise (or
    when an earlier period was asked for, or the note was given already in this chapter)."""
    own = _own_values(indicator_id, unit)  # per school type where only those were published
    if own.empty:
        return ""
    mine = latest_period(own)
    if period is not None and str(period) != mine:
        return ""  # an earlier period asked for on purpose
    year = _year(mine)
    if year is None:
        return ""
    others = values(indicator_id, comparison_regions(unit)[1:])
    newest: dict[str, int] = {}
    for r in others.itertuples():
        y = _year(r.period)
        if y is not None and y > newest.get(r.region_name, 0):
            newest[r.region_name] = y
    ahead = {n: y for n, y in newest.items() if y - year >= STALE_YEARS}
    ref = reference_year(unit, period)
    if not ahead and not (ref and ref - year >= STALE_YEARS):
        return ""
    name = kreis_label(unit) if getattr(unit, "level", "") == "kreis" else unit.name
    later = ", ".join(f"{md(n)}: {y}" for n, y in ahead.items())
    note = f"Neuester verfügbarer Stand {fuer_region(md(name))}: {fmt.period(mine)}" + (
        f" (neuere Werte: {later})." if later else "."
    )
    # once per chapter: publish.configure starts a new state for each chapter notebook
    said = publish._STATE.__dict__.setdefault("ibis_stale_notes", set())
    if note in said:
        return ""
    said.add(note)
    return note


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " und " + items[-1]


def _own_values(iid: str, unit, period: str | None = None) -> pd.DataFrame:
    """The unit's values of an indicator as a chapter shows them: per district for a Stadtteil
    indicator (a total alone is no Stadtteil data), else the totals or, where only a breakdown
    was published (school types of a city delivery), the breakdown."""
    e = entry(iid)
    named = {str(b).split(":")[0] for b in (getattr(e, "breakdown", ()) or ())}
    dims = [d for d in DIMENSIONS if d in named]
    if "district" in dims:
        return values(iid, unit.ags, period, keep=("district",))
    own = values(iid, unit.ags, period)
    for dim in dims:
        if not own.empty:
            break
        own = values(iid, unit.ags, period, keep=(dim,))
    return own


def data_status(ids: list[str], unit, period: str | None = None) -> bool:
    """The chapter's opening line: the Stichtag of the newest value per topic, which of them
    are "neuester verfügbarer Stand" (older than the report's reference year allows) and the
    topics without data, e.g. 'Datenstand dieses Kapitels (Bezugsjahr des Berichts: 2025):
    31.12.2024 – Bevölkerung insgesamt. Neuester verfügbarer Stand für Münster: 31.12.2015 –
    Ausländer*innen und Altersstruktur der Ausländer*innen. Keine Daten für Münster zu
    Stadtteilen.'

    A topic (catalogue ``topic``) is named once per Stichtag, by its first indicator in `ids`
    with data at that Stichtag."""
    ref = reference_year(unit, period)
    by_period: dict[str, list[str]] = {}
    shown: set[tuple[str, str]] = set()
    has: set[str] = set()
    topics: list[str] = []
    for iid in ids:
        e = entry(iid)
        topic = e.topic or e.title
        if topic not in topics:
            topics.append(topic)
        own = _own_values(iid, unit, period)
        if own.empty:
            continue
        has.add(topic)
        p = latest_period(own)
        if (topic, p) not in shown:  # a topic once per Stichtag, by its first indicator
            shown.add((topic, p))
            by_period.setdefault(p, []).append(e.title)
    missing = [t for t in topics if t not in has]
    if not by_period and not missing:
        return False
    name = kreis_label(unit) if getattr(unit, "level", "") == "kreis" else unit.name
    current, old = [], []
    for p in sorted(by_period, key=_period_key, reverse=True):
        stale = ref is not None and (_year(p) or ref) <= ref - STALE_YEARS
        (old if stale else current).append((p, md(_and(by_period[p]))))
    when = f" (Bezugsjahr des Berichts: {ref})" if ref else ""
    sentences = []
    if current:
        items = "; ".join(f"{fmt.period(p)} – {what}" for p, what in current)
        sentences.append(f"Datenstand dieses Kapitels{when}: {items}.")
    if old:
        items = "; ".join(f"{fmt.period(p)} – {what}" for p, what in old)
        lead = f"Neuester verfügbarer Stand {fuer_region(md(name))}"
        if not current:
            lead = (
                f"Datenstand dieses Kapitels ist der neueste verfügbare Stand "
                f"{fuer_region(md(name))}{when}"
            )
        sentences.append(f"{lead}: {items}.")
    if missing:
        gap = f"keine Daten {fuer_region(md(name))} zu {md(_and(missing))}."
        sentences.append(f"Datenstand dieses Kapitels: {gap}" if not sentences else "K" + gap[1:])
    out = " ".join(sentences)
    publish.text(out)
    return True


def first_time(sentence: str) -> bool:
    """True the first time `sentence` is said in the current chapter (publish.configure starts
    a new one): a note two blocks would both give ("Eine Karte wird erst ab 3 Gebieten …",
    "Kein Vergleichsring …") is given once (the gate counts repeated sentences)."""
    said = publish._STATE.__dict__.setdefault("ibis_said", set())
    if sentence in said:
        return False
    said.add(sentence)
    return True


def _denominator_rule(rows: pd.DataFrame) -> str:
    """How one region's denominators are dated over its rows: 'Bestand am 31.12. des
    Vorjahres', 'Bestand am 31.12.2015 für alle Jahre', 'veröffentlichter Wert' …"""
    dps = [str(d) for d in rows.get("denominator_period", pd.Series(dtype=str)).fillna("")]
    periods = [str(p) for p in rows["period"]]
    if not any(dps):
        return "veröffentlichter Wert"
    if all(d == f"{int(p[:4]) - 1}-12-31" for p, d in zip(periods, dps, strict=True) if d):
        return "Bestand am 31.12. des Vorjahres"
    if all(d == p for p, d in zip(periods, dps, strict=True) if d):
        return "Bestand zum selben Stichtag"
    dates = sorted({d for d in dps if d})
    if len(dates) == 1:
        return f"Bestand am {fmt.period(dates[0])}" + (
            " für alle Jahre" if len(periods) > 1 else ""
        )
    return "Bestand am " + _and([fmt.period(d) for d in dates])


def _hints(rule: str, notes: str) -> str:
    """The caption's Hinweis: the denominator rule first; the per-year 'Nenner zum … statt …'
    footnotes are then said by it."""
    parts = [rule] if rule else []
    parts += [n for n in notes.split("; ") if n and not (rule and n.startswith("Nenner zum"))]
    return "; ".join(parts)


def denominator_note(indicator_id: str, shown: pd.DataFrame, unit) -> str:
    """'Nenner nach unterschiedlicher Regel – Kreis Steinfurt: Bestand am 31.12.2015 für alle
    Jahre; Deutschland: Bestand am 31.12. des Vorjahres; nur eingeschränkt vergleichbar' when
    the regions of a comparison are not divided by the same rule (issue 10, item 2); "" when
    they are, or for counts. Plain text (for a caption): escape it for Markdown."""
    e = entry(indicator_id)
    if e.denominator is None or shown is None or shown.empty:
        return ""
    regions = list(dict.fromkeys(shown["region"].astype(str)))
    full = values(indicator_id, regions)
    if "denominator_period" not in full:
        return ""
    rules: dict[str, str] = {}
    for r in regions:
        want = shown[shown["region"].astype(str) == r]
        published = "kind" in want and (want["kind"] == "veröffentlicht").all()
        rows = full[(full["region"] == r) & full["period"].isin(want["period"])]
        name = region_label(r, str(want["region_name"].iloc[0]), unit)
        if published or rows.empty:
            notes = (
                want["note"].dropna().astype(str) if "note" in want else pd.Series([], dtype=str)
            )
            how = notes.iloc[0].split(" (")[0] if len(notes) and notes.iloc[0] else ""
            rules[name] = f"veröffentlichter Wert – {how}" if how else "veröffentlichter Wert"
        else:
            rules[name] = _denominator_rule(rows)
    if len(set(rules.values())) < 2:
        return ""
    groups: dict[str, list[str]] = {}
    for n, rule in rules.items():
        groups.setdefault(rule, []).append(n)
    listing = "; ".join(f"{_and(ns)}: {rule}" for rule, ns in groups.items())
    return f"Nenner nach unterschiedlicher Regel ({listing}), nur eingeschränkt vergleichbar"


def has_data(indicator_id: str, region: str, period: str | None = None) -> bool:
    return not values(indicator_id, region, period).empty


def comparison_regions(unit) -> list[str]:
    """The unit and the levels it is compared with (Kreis or Regierungsbezirk, Land,
    Deutschland; never a parent that is the same territory, see ``RegionRegistry.parents``)."""
    from ..regions import registry

    return [unit.ags, *registry().parents(unit.ags)]


# ----------------------------------------------------------------------------- text blocks


def sentence(
    indicator_id: str, unit, period: str | None = None, *, comparison: bool = True
) -> bool:
    """The Lesehilfe sentence (and, if available, the comparison sentence) as report text."""
    from .. import text

    parts = []
    s = text.lesehilfe(indicator_id, unit.ags, period)
    if s:
        parts.append(s)
    if comparison:
        c = text.comparison(indicator_id, unit.ags, period)
        if c:
            parts.append(c)
            from ..indicators import compare

            rule = denominator_note(
                indicator_id, totals(compare(indicator_id, unit.ags, period)), unit
            )
            if rule:
                parts.append(f"Hinweis: {md(rule)}.")  # names from data stay text
    if parts:
        note = stale_note(indicator_id, unit, period)
        publish.text(" ".join([note, *parts] if note else parts))
    return bool(parts)


_DIM_PLURAL = {
    "school_type": "Schulformen",
    "district": "Stadtteile",
    "age_group": "Altersgruppen",
    "category": "Kategorien",
    "sex": "Geschlechter",
    "nationality": "Staatsangehörigkeiten",
}


def breakdown_sentences(
    indicator_id: str, unit, dim: str, period: str | None = None, *, limit: int = 6
) -> bool:
    """The Lesehilfe sentence for the first breakdown value (e.g. the first school type) and
    the others in one short listing ('Weitere Schulformen: Gymnasien 1,1 % und …'), not the
    same sentence once per value; at most `limit` values, the rest are in the figure."""
    from .. import text

    df = values(indicator_id, unit.ags, period, keep=(dim,))
    if df.empty:
        return False
    asked = period  # None: the newest, judged against the report's reference year
    period = period or latest_period(df)
    df = df[df["period"] == period]
    if dim == "school_type":
        df = df.iloc[sorted(range(len(df)), key=lambda i: school_key(df[dim].iloc[i]))]
    e = entry(indicator_id)
    first, rest = None, []
    for r in df.head(limit).itertuples():
        v = getattr(r, dim)
        if first is None:
            first = text.lesehilfe(indicator_id, unit.ags, period, **{dim: v})
            if first:
                continue
        rest.append(f"{md(_category_label(v))} {fmt.quantity(r.value, e.unit, e.decimals)}")
    sentences = [first] if first else []
    if rest:
        more = f" (alle {len(df)} in der Abbildung)" if len(df) > limit else ""
        sentences.append(f"Weitere {_DIM_PLURAL.get(dim, 'Werte')}: {_and(rest)}{more}.")
    if sentences:
        note = stale_note(indicator_id, unit, asked)
        publish.text(" ".join([note, *sentences] if note else sentences))
    return bool(sentences)


#: a listing in one sentence has at most this many items; a longer one becomes a table
MAX_LIST = 6


def listing_sentence(
    indicator_id: str,
    unit,
    dim: str,
    period: str | None = None,
    *,
    intro: str,
    use: str = "value",
    total: str | None = None,
) -> bool:
    """'{intro}: 637 unter 12, 795 18 bis unter 27 … (Summe).' from a breakdown, in its order."""
    df = values(indicator_id, unit.ags, period, keep=(dim,))
    if df.empty:
        return False
    asked = period  # None: the newest, judged against the report's reference year
    period = period or latest_period(df)
    df = df[df["period"] == period].copy()
    if dim == "age_group":
        from ..tidy import age_bounds

        df = df.iloc[sorted(range(len(df)), key=lambda i: age_bounds(df[dim].iloc[i])[0])]
        labels = [charts.age_label(v) for v in df[dim]]
    else:
        labels = [_category_label(v) for v in df[dim]]
    e = entry(indicator_id)
    pct = e.unit == "Prozent" and use == "value"
    nums = [fmt.percent(v, e.decimals) if pct else fmt.number(v) for v in df[use]]
    items = [f"{md(lab)}: {n}" for lab, n in zip(labels, nums, strict=True)]
    # "in {region_name}" of a notebook's intro takes the article a Kreis name needs
    intro = re.sub(r"\bin \{region_name\}", "{in_region}", intro)
    lead = intro.format(
        zeit=_zeit(period), region_name=md(unit.name), in_region=md(in_region(unit.name))
    )
    if len(items) <= MAX_LIST:
        sentence = f"{lead} {'; '.join(items)}."
    else:  # a long list reads badly: the largest groups, all of them in the figure's table
        top = df.assign(label_=labels, n_=nums).nlargest(3, use)
        largest = _and([f"{md(r.label_)} ({r.n_})" for r in top.itertuples()])
        sentence = (
            f"{lead} am stärksten besetzt waren {largest}; alle {len(items)} Gruppen zeigen "
            "die folgende Abbildung und ihre Datentabelle."
        )
    note = stale_note(indicator_id, unit, asked)
    if note:
        sentence = f"{note} {sentence}"
    if total:
        sentence += " " + total
    publish.text(sentence)
    return True


def _zeit(period: str) -> str:
    from .. import text

    return text.zeit(period)


def no_data(topic: str, unit, why: str = "") -> None:
    from .. import text

    sentence = text.no_data(topic, unit.name)
    publish.note(f"{sentence} {why}".strip())


_LEVEL_PLURAL = {
    "bund": "den Bund",
    "land": "die Länder",
    "kreis": "die Kreise",
    "gemeinde": "Gemeinden",
}


def _kreis_of(unit):
    from ..regions import registry

    try:
        return registry().get(getattr(unit, "kreis", "") or "")
    except Exception:  # noqa: BLE001 - a lookup for a sentence never fails the chapter
        return None


def why_missing(indicator_id: str, unit) -> str:
    """Why a unit has no value, from the catalogue's tables and the levels they publish:
    'Die amtliche Statistik veröffentlicht diese Zahlen nicht für einzelne Gemeinden, nur für
    die Kreise und die Länder; eine Lieferung der Kommune liegt nicht vor.' (said once per
    chapter by :func:`ensure`)."""
    from ..indicators.catalog import table_registry

    e = entry(indicator_id)
    reg = table_registry()
    official = [reg[t] for t in e.tables if t in reg]
    delivery = "Lieferung" in e.tables
    level = getattr(unit, "level", "")
    mine = {level}
    kreis = _kreis_of(unit)
    if getattr(unit, "is_kreisfrei", False) or (kreis is not None and kreis.is_kreisfrei):
        mine.add("kreis")  # a kreisfreie Stadt (Berlin, Hamburg …) is in the Kreis tables
    if str(unit.ags)[:2] in ("02", "11"):
        mine.add("land")  # Stadtstaaten: also a Land
    published = [lv for t in official for lv in t.levels]
    if published and not mine & set(published):
        shown = [_LEVEL_PLURAL[lv] for lv in ("kreis", "land", "bund") if lv in published]
        noun = {"gemeinde": "einzelne Gemeinden", "kreis": "Kreise", "land": "Länder"}.get(
            level, "diese Ebene"
        )
        out = f"Die amtliche Statistik veröffentlicht diese Zahlen nicht für {noun}"
        out += f", nur für {_and(shown)}" if shown else ""
        return out + ("; eine Lieferung der Kommune liegt nicht vor." if delivery else ".")
    if not official and delivery:
        return "Diese Daten liefert die Kommune selbst; eine Lieferung liegt nicht vor."
    if official and not published:
        names = _and([f"„{t.title}“" for t in official])
        return f"Tabellen aus {names} sind im Datenspeicher noch nicht enthalten."
    return "Die Tabellen im Datenspeicher enthalten dafür keine Werte."


# ----------------------------------------------------------------------------- figures


LEVEL_ORDER = {"Gemeinde": 0, "Kreis": 1, "Regierungsbezirk": 1, "Land": 2, "Deutschland": 3}


def comparison_figure(
    indicator_id: str,
    unit,
    period: str | None = None,
    *,
    name: str | None = None,
    caption: str | None = None,
) -> bool:
    """Bars: the unit against Kreis, Land and Bund (each at its latest period up to `period`;
    published reference values included). Labels carry the period when they differ."""
    from ..indicators import compare

    e = entry(indicator_id)
    df = compare(indicator_id, unit.ags, period)
    if df is None or df.empty:
        return False
    df = totals(df)
    df = df[df["value"].notna()]
    if unit.ags not in set(df["region"]) or len(df) < 2:
        return False
    df = df.assign(
        _o=[
            0 if r == unit.ags else 1 + LEVEL_ORDER.get(lv, 4)
            for r, lv in zip(df["region"], df["level"], strict=True)
        ]
    )
    df = df.sort_values("_o").drop_duplicates("region")
    same = df["period"].nunique() == 1
    names = []
    for r in df.itertuples():
        label = region_label(r.region, r.region_name, unit)
        if getattr(r, "kind", "") == "veröffentlicht":
            label += " (veröffentlicht)"
        names.append(label if same else f"{label}, {fmt.period(r.period)}")
    df = df.assign(label=names)
    fig = charts.comparison(
        df,
        "label",
        "value",
        unit_name=names[0],
        **number_style(e),
    )
    when = (
        stand(df["period"].iloc[0], unit, period) if same else "jeweils neuester verfügbarer Stand"
    )
    rule = denominator_note(indicator_id, df, unit)
    if rule:
        when += f" – Hinweis: {rule}"
    publish.figure(
        fig,
        name=name or f"{indicator_id}_vergleich",
        caption=with_stand(caption, df["period"].iloc[0], unit, period)
        if caption
        else f"{e.title}: {unit.name} im Vergleich, {when}",
        source=source_of(indicator_id, df),
        data=df[["label", "value"]].rename(columns={"label": "Gebiet", "value": value_header(e)}),
        data_decimals=number_style(e)["decimals"],
    )
    return True


def period_range(first: str, last: str) -> str:
    """'2008-12-31', '2015-12-31' -> '2008–2015'; other periods as dates ('30.06.2015')."""
    a, b = charts.period_labels([first, last])
    return f"{a}–{b}"


def number_style(e) -> dict:
    """Chart number style of an indicator: its decimals and ' %' for shares, whole numbers otherwise."""
    pct = e.unit == "Prozent"
    return {"decimals": e.decimals if pct else 0, "suffix": " %" if pct else ""}


def value_header(e) -> str:
    """Column header of an indicator's values in a figure's data table: 'Ausländeranteil (%)'."""
    return f"{e.title} (%)" if e.unit == "Prozent" else e.title


def series_data(df: pd.DataFrame, e) -> pd.DataFrame:
    """A line chart's data table: one row per period (as readers write it), one column per region."""
    wide = df.pivot_table(index="period", columns="region_name", values="value", sort=False)
    wide = wide.loc[sorted(wide.index, key=_period_key)]
    wide.index = pd.Index([fmt.period(p) for p in wide.index], name="Zeitraum")
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


def notes_in_range(df: pd.DataFrame, first: str, last: str) -> str:
    """Source footnotes that concern the shown years (e.g. 'Ab 2011: … Zensus 2011'), once each."""
    if "note" not in df:
        return ""
    lo, hi = int(str(first)[:4]), int(str(last)[:4])
    out: dict[str, None] = {}
    for note in df["note"].dropna().astype(str):
        for part in note.split(";"):
            part = part.strip().rstrip(".")
            years = [int(y) for y in re.findall(r"\b(19\d\d|20\d\d)\b", part)]
            if years and any(lo < y <= hi for y in years):
                out.setdefault(part, None)
    return "; ".join(out)


def _period_kind(p: str) -> str:
    """'2015-12-31' -> '12-31', '2021' -> 'Jahr', '2021/22' -> 'Schuljahr' (series of one kind)."""
    p = str(p)
    return p[5:] if len(p) == 10 else ("Schuljahr" if "/" in p else "Jahr")


def series_figure(
    indicator_id: str,
    unit,
    *,
    with_parents: bool = True,
    index: bool = False,
    name: str | None = None,
    caption: str | None = None,
    min_periods: int = 2,
) -> bool:
    """Lines over all periods: the unit (and Kreis, Land, Bund); as index when `index`."""
    e = entry(indicator_id)
    regions = comparison_regions(unit) if with_parents else [unit.ags]
    df = values(indicator_id, regions)
    own = df[df["region"] == unit.ags]
    if own.empty:
        return False
    # one series of one kind (e.g. year-end dates); no mixing of Stichtage from other sources
    kinds = own["period"].map(_period_kind)
    periods = set(own.loc[kinds == kinds.value_counts().idxmax(), "period"])
    if len(periods) < min_periods:
        return False
    df = df[df["period"].isin(periods)]
    # only comparison regions covering the same periods (an index needs the same base)
    counts = df.groupby("region")["period"].nunique()
    df = df[df["region"].isin(counts[counts == len(periods)].index)]
    first = sorted(periods, key=_period_key)[0]
    last = sorted(periods, key=_period_key)[-1]
    order = {a: i for i, a in enumerate(regions)}
    df = df.assign(_o=df["region"].map(order)).sort_values(["_o", "period"])
    fig = charts.lines(
        df,
        "period",
        "value",
        "region_name",
        index_base=first if index else None,
        **number_style(e),
        highlight=own.iloc[0]["region_name"],
    )
    default = f"{e.title} {period_range(first, last)}" + (
        f" (Index, {charts.period_labels([first])[0]} = 100)" if index else ""
    )
    if is_stale(last, unit):
        default += " (neuester verfügbarer Stand)"
    hints = _hints(denominator_note(indicator_id, df, unit), notes_in_range(df, first, last))
    if hints:
        default += f" – Hinweis: {hints}"
    publish.figure(
        fig,
        name=name or f"{indicator_id}_zeitreihe",
        caption=with_stand(
            caption if _ANY_PERIOD.search(caption) else f"{caption}, {period_range(first, last)}",
            last,
            unit,
        )
        if caption
        else default,
        source=source_of(indicator_id, df),
        data=series_data(df, e),
        data_decimals=number_style(e)["decimals"],
    )
    return True


def breakdown_figure(
    indicator_id: str,
    unit,
    dim: str,
    period: str | None = None,
    *,
    use: str = "value",
    name: str | None = None,
    caption: str | None = None,
    reference: bool = False,
    sort: bool = False,
    horizontal: bool = True,
) -> bool:
    """Bars of one breakdown (district, age_group, school_type, category) for the unit."""
    e = entry(indicator_id)
    df = values(indicator_id, unit.ags, period, keep=(dim,))
    if df.empty:
        return False
    asked = period
    period = period or latest_period(df)
    df = df[df["period"] == period].copy()
    if use != "value":
        df["value"] = df[use]
    pct = e.unit == "Prozent" and use == "value"
    dec = e.decimals if pct else (2 if e.unit == "Index" else 0)
    suffix = " %" if pct else ""
    if dim == "age_group":
        fig = charts.age_structure(df, "age_group", "value", decimals=dec, suffix=suffix)
    elif dim == "district":
        ref = None
        if reference:
            tot = values(indicator_id, unit.ags, period)
            ref = float(tot["value"].iloc[0]) if not tot.empty else None
        fig = charts.district_shares(
            df, "district", "value", reference=ref, decimals=dec, suffix=suffix
        )
    else:
        df["label"] = [_category_label(v) for v in df[dim]]
        fig = charts.bar(
            df, "label", "value", decimals=dec, suffix=suffix, horizontal=horizontal, sort=sort
        )
    publish.figure(
        fig,
        name=name or f"{indicator_id}_{dim}",
        caption=with_stand(caption or f"{e.title}, {unit.name}", period, unit, asked),
        source=source_of(indicator_id, df),
        data=pd.DataFrame(
            {
                DIM_HEADERS.get(dim, dim): [
                    charts.age_label(v) if dim == "age_group" else _category_label(v)
                    for v in df[dim]
                ],
                (value_header(e) if use == "value" else "Anzahl"): df["value"].to_numpy(),
            }
        ),
        data_decimals=dec,
    )
    return True


DIM_HEADERS = {
    "district": "Stadtteil",
    "age_group": "Altersgruppe",
    "school_type": "Schulform",
    "category": "Kategorie",
    "sex": "Geschlecht",
    "nationality": "Staatsangehörigkeit",
}


def _category_label(v: str) -> str:
    """'niveau=B1' -> 'B1'; several pairs joined with ', '."""
    return ", ".join(p.split("=", 1)[-1] for p in str(v).split("|"))


# ----------------------------------------------------------------------------- tables


def region_label(ags: str, name: str, unit) -> str:
    """Column/bar label of a comparison region: 'Kreis Steinfurt'; a kreisfreie Stadt's own
    Kreis row as 'München (Kreisebene)' and the Land of the Stadt Bremen as 'Land Bremen', so
    that no label collides with the unit's name."""
    if ags == unit.ags:
        return name
    if name == unit.name:  # Stadt Bremen in the Land Bremen: labels must not collide
        return {5: f"{name} (Kreisebene)", 2: f"Land {name}"}.get(len(str(ags)), f"{name} ({ags})")
    if len(str(ags)) != 5:
        return name
    return name if _has_designation(name) else f"Kreis {name}"


def overview_table(
    ids: list[str],
    unit,
    *,
    name: str,
    caption: str,
    with_parents: bool = True,
    period: str | None = None,
) -> bool:
    """Key figures: one row per indicator, one column per region (latest period of the unit)."""
    regions = comparison_regions(unit) if with_parents else [unit.ags]
    rows = []
    sources = []
    for iid in ids:
        e = entry(iid)
        own = values(iid, unit.ags, period)
        if own.empty:
            continue
        p = period or latest_period(own)
        df = values(iid, regions, p)
        row = {
            "Kennzahl": f"{e.title} ({'%' if e.unit == 'Prozent' else e.unit})",
            "Stand": stand(p, unit, period),
        }
        for r in df.itertuples():
            row[region_label(r.region, r.region_name, unit)] = r.value
        rows.append((row, e.decimals))
        sources.append(source_of(iid, df))
    if not rows:
        publish.note(
            f"{fuer_region(unit.name, capital=True)} liegen zu diesem Bereich keine weiteren Kennzahlen vor."
        )
        return False
    table = pd.DataFrame([r for r, _ in rows])
    # columns: the unit, then Kreis, Land, Bund (as in the comparison figures)
    labels = {}
    for iid in ids:
        df = values(iid, regions, period)
        labels.update(
            {r.region: region_label(r.region, r.region_name, unit) for r in df.itertuples()}
        )
    order = [labels[a] for a in regions if a in labels and labels[a] in table.columns]
    table = table[["Kennzahl", "Stand", *order, *[c for c in table.columns[2:] if c not in order]]]
    # decimals per cell differ by row; format to text here so counts stay whole numbers
    for col in table.columns[2:]:
        table[col] = [fmt.number(v, d) for v, (_, d) in zip(table[col], rows, strict=True)]
    if len(table.columns) < 4:  # one region only: no comparison to speak of
        caption = re.sub(r"\s+im Vergleich\b", "", caption)
    publish.table(table, name=name, caption=caption, source=publish.join_sources(sources))
    return True


def series_table(ids: list[str], unit, *, name: str, caption: str) -> bool:
    """One row per period, one column per indicator, for the unit."""
    frames = []
    decimals = {}
    for iid in ids:
        e = entry(iid)
        df = values(iid, unit.ags)
        if df.empty:
            continue
        col = f"{e.title} ({'%' if e.unit == 'Prozent' else e.unit})"
        decimals[col] = e.decimals
        frames.append(df.set_index("period")["value"].rename(col))
    if not frames:
        return False
    table = pd.concat(frames, axis=1)
    table = table.loc[sorted(table.index, key=_period_key)]
    first, last = str(table.index[0]), str(table.index[-1])
    if not _ANY_PERIOD.search(caption):
        caption += f", {fmt.period(first)}" + (f" bis {fmt.period(last)}" if last != first else "")
    caption = with_stand(caption, last, unit)
    mixed = count_kind_note([i for i in ids if has_data(i, unit.ags)], unit, list(table.index))
    if mixed:
        caption += f" – Hinweis: {mixed}"
    table.index = [fmt.period(p) for p in table.index]
    table.index.name = "Stand"
    publish.table(
        table.reset_index(),
        name=name,
        caption=caption,
        source=publish.join_sources(
            source_of(i, values(i, unit.ags)) for i in ids if has_data(i, unit.ags)
        ),
        decimals=decimals,
    )
    return True


def _count_kind(source: str) -> str:
    if "zensus" in source.lower():
        return "Zensus 2022"
    if re.search(r"Lieferung|Melderegister|kommunal", source, re.IGNORECASE):
        return "Melderegister der Kommune"
    return "amtliche Fortschreibung"


def count_kind_note(ids: list[str], unit, periods: list[str]) -> str:
    """'Werte aus unterschiedlichen Erhebungen (15.05.2022: Zensus 2022; 30.09.2022:
    Melderegister der Kommune; übrige Stichtage: amtliche Fortschreibung), nur eingeschränkt
    vergleichbar' when the rows of a time-series table come from different kinds of count
    (issue 10: Zensus and register population in one table); "" otherwise."""
    from . import citations

    kinds: dict[str, str] = {}
    for p in periods:
        srcs = []
        for iid in ids:
            df = values(iid, unit.ags, p)
            srcs += citations.drawn(iid, df) if not df.empty else []
        if srcs:
            kinds[p] = _count_kind(srcs[0])
    if len(set(kinds.values())) < 2:
        return ""
    order = ["amtliche Fortschreibung", "Melderegister der Kommune", "Zensus 2022"]
    counts = list(kinds.values())
    # the kind of most rows is "the rest"; on a tie the Fortschreibung, then the register
    common = max(order, key=lambda k: (counts.count(k), -order.index(k)))
    other = "; ".join(f"{fmt.period(p)}: {k}" for p, k in kinds.items() if k != common)
    return (
        f"Werte aus unterschiedlichen Erhebungen ({other}; übrige Stichtage: {common}), "
        "nur eingeschränkt vergleichbar"
    )


def topic_of(indicator_id: str) -> str:
    e = entry(indicator_id)
    return e.topic or e.title


def ensure(shown: list[bool] | bool, indicator_id: str, unit) -> bool:
    """Publish the 'keine Daten' sentence for the indicator's topic when nothing was shown."""
    ok = any(shown) if isinstance(shown, list) else bool(shown)
    if not ok:
        why = why_missing(indicator_id, unit)
        no_data(topic_of(indicator_id), unit, why if first_time(why) else "")
    return ok


# ----------------------------------------------------------------------------- special sections

#: Intended order of school types; each entry is a stem that the singular and the plural label
#: share ("Gymnasi" for Gymnasium and Gymnasien, "Gesamtschul" also for "Integrierte Gesamtschulen").
SCHOOL_ORDER = [
    "Grundschul",
    "Hauptschul",
    "Realschul",
    "Sekundarschul",
    "Gemeinschaftsschul",
    "Gesamtschul",
    "Gymnasi",
    "Förderschul",
    "Waldorfschul",
    "Weiterbildungskolleg",
]


def school_key(label: str) -> tuple[int, str]:
    """Sort key for school types: the intended order, then the label itself, so that types not
    in the list (and labels of equal rank) come out in the same order on every run."""
    low = str(label).lower()
    for i, stem in enumerate(SCHOOL_ORDER):
        if stem.lower() in low:
            return i, str(label)
    return len(SCHOOL_ORDER), str(label)


def top_districts(indicator_id: str, unit, period: str | None = None, n: int = 4) -> bool:
    """'Die meisten Ausländer*innen leben in den Stadtteilen A (2.443), B (775) …' as text."""
    df = values(indicator_id, unit.ags, period, keep=("district",))
    if df.empty:
        return False
    period = period or latest_period(df)
    df = df[df["period"] == period].sort_values("value", ascending=False).head(n)
    e = entry(indicator_id)
    pct = e.unit == "Prozent"
    items = [
        f"{md(r.district)} ({fmt.percent(r.value, e.decimals) if pct else fmt.number(r.value)})"
        for r in df.itertuples()
    ]
    listing = ", ".join(items[:-1]) + f" und {items[-1]}" if len(items) > 1 else items[0]
    what = "den höchsten Ausländeranteil haben" if pct else "die meisten Ausländer*innen leben in"
    if pct:
        publish.text(
            f"Zum Stichtag {fmt.period(period)} haben {md(in_region(unit.name))} die Stadtteile {listing} {what}."
        )
    else:
        publish.text(
            f"Zum Stichtag {fmt.period(period)} leben {md(in_region(unit.name))} die meisten Ausländer*innen "
            f"in den Stadtteilen {listing}."
        )
    return True


def profile_figure(
    ids: list[str], unit, *, name: str, caption: str, labels: dict[str, str] | None = None
) -> bool:
    """The share of foreigners in several areas side by side (population, svB, unemployed, SGB II)."""
    rows, sources, periods = [], [], []
    for iid in ids:
        df = values(iid, unit.ags)
        if df.empty:
            continue
        p = latest_period(df)
        row = df[df["period"] == p].iloc[0]
        label = (labels or {}).get(iid, entry(iid).title)
        rows.append({"label": f"{label} ({fmt.period(p)})", "value": row["value"]})
        sources.append(source_of(iid, df[df["period"] == p]))
        periods.append(p)
    if len(rows) < 2:
        return False
    fig = charts.bar(pd.DataFrame(rows), "label", "value", decimals=1, suffix=" %", horizontal=True)
    publish.figure(
        fig,
        name=name,
        caption=caption,
        source=publish.join_sources(sources),
        data=pd.DataFrame(rows).rename(
            columns={"label": "Bereich", "value": "Ausländeranteil (%)"}
        ),
        data_decimals=1,
    )
    return True


def pupils(unit, period: str | None = None) -> pd.DataFrame:
    """Pupils by school type: all, foreign, German, with Zuwanderungsgeschichte (counts where
    the data has them, published shares otherwise); attrs: period, region_name."""
    ausl = values("schueler_ausl_anteil", unit.ags, period, keep=("school_type",))
    zwg = values("schueler_zwg_anteil", unit.ags, period, keep=("school_type",))
    ri = values("repraesentationsindex", unit.ags, period, keep=("school_type",))
    if ausl.empty and zwg.empty:
        return pd.DataFrame()
    if period is None:
        period = latest_period(pd.concat([ausl, zwg]))
    ausl, zwg, ri = (d[d["period"] == period] for d in (ausl, zwg, ri))
    types = sorted(set(ausl["school_type"]) | set(zwg["school_type"]), key=school_key)
    out = pd.DataFrame({"Schulform": types})
    a = ausl.set_index("school_type")
    z = zwg.set_index("school_type")
    out["insgesamt"] = out["Schulform"].map(a["denominator"]).astype(float)
    out["ausländisch"] = out["Schulform"].map(a["numerator"]).astype(float)
    out["deutsch"] = out["insgesamt"] - out["ausländisch"]
    out["mit Zuwanderungsgeschichte"] = out["Schulform"].map(z["numerator"]).astype(float)
    out["Anteil ausländisch (%)"] = out["Schulform"].map(a["value"]).astype(float)
    out["Anteil mit Zuwanderungsgeschichte (%)"] = out["Schulform"].map(z["value"]).astype(float)
    if not ri.empty:
        out["Repräsentationsindex"] = (
            out["Schulform"].map(ri.set_index("school_type")["value"]).astype(float)
        )
    out = out.dropna(axis=1, how="all")
    out.attrs["period"] = period
    out.attrs["region_name"] = unit.name
    return out


def _with_counts(unit, period: str | None):
    """The unit's pupil counts, else its Kreis's (counts by nationality are often only
    published for Kreise); returns (frame, unit used)."""
    df = pupils(unit, period)
    if "ausländisch" in df:
        return df, unit
    kreis = getattr(unit, "kreis", "")
    if kreis and kreis != unit.ags:
        k = unit_of(kreis)
        kdf = pupils(k, None)
        if "ausländisch" in kdf:
            return kdf, k
    return pd.DataFrame(), unit


def pupils_figure(unit, period: str | None = None) -> bool:
    """Grouped bars like the concept's Abbildung 5: German, foreign and (where known) pupils with
    Zuwanderungsgeschichte per school type; the Kreis's when the unit has no counts."""
    df, used = _with_counts(unit, period)
    if df.empty:
        return False
    cols = [c for c in ("deutsch", "ausländisch", "mit Zuwanderungsgeschichte") if c in df]
    long = df.melt(id_vars="Schulform", value_vars=cols, var_name="Gruppe", value_name="Anzahl")
    long["Gruppe"] = long["Gruppe"].map(
        {
            "deutsch": "deutsche Schüler*innen",
            "ausländisch": "ausländische Schüler*innen",
            "mit Zuwanderungsgeschichte": "Schüler*innen mit Zuwanderungsgeschichte",
        }
    )
    fig = charts.grouped_bar(
        long, "Schulform", "Gruppe", "Anzahl", category_order=list(df["Schulform"])
    )
    where = (
        used.name
        if used is unit
        else f"{kreis_label(used)} (Kreisebene; {fuer_region(unit.name)} keine Anzahlen)"
    )
    publish.figure(
        fig,
        name="schueler_schulform_anzahl",
        caption=with_stand(
            f"Schüler*innen nach Schulform und Nationalität, {where}, "
            f"Schuljahr {fmt.period(df.attrs['period'])}",
            df.attrs["period"],
            unit,
            period,
        ),
        source=source_of("schueler_ausl_anteil", unit=used),
        data=df[["Schulform", *cols]],
        data_decimals=0,
    )
    return True


def _has_designation(name: str) -> bool:
    """'Ilm-Kreis', 'Regionalverband Saarbrücken', 'Städteregion Aachen' already say what they
    are; a bare Kreis name ('Steinfurt') gets 'Kreis' in front."""
    from ..text import article

    return "kreis" in name.lower() or article(name) != ""


def kreis_label(r) -> str:
    name = r.name
    return name if _has_designation(name) or getattr(r, "level", "") != "kreis" else f"Kreis {name}"


def school_shares_figure(unit, period: str | None = None) -> bool:
    """Shares of foreign pupils and pupils with Zuwanderungsgeschichte per school type."""
    df = pupils(unit, period)
    cols = [
        c for c in ("Anteil ausländisch (%)", "Anteil mit Zuwanderungsgeschichte (%)") if c in df
    ]
    if df.empty or not cols:
        return False
    long = df.melt(id_vars="Schulform", value_vars=cols, var_name="Gruppe", value_name="Anteil")
    long["Gruppe"] = long["Gruppe"].map(
        {
            "Anteil ausländisch (%)": "ausländische Schüler*innen",
            "Anteil mit Zuwanderungsgeschichte (%)": "mit Zuwanderungsgeschichte",
        }
    )
    fig = charts.grouped_bar(
        long,
        "Schulform",
        "Gruppe",
        "Anteil",
        decimals=1,
        suffix=" %",
        category_order=list(df["Schulform"]),
    )
    src = [source_of("schueler_ausl_anteil", unit=unit)] + (
        [source_of("schueler_zwg_anteil", unit=unit)] if len(cols) == 2 else []
    )
    publish.figure(
        fig,
        name="schueler_schulform_anteile",
        caption=with_stand(
            (
                "Anteil ausländischer Schüler*innen und Schüler*innen mit Zuwanderungsgeschichte"
                if len(cols) == 2
                else "Anteil ausländischer Schüler*innen"
                if cols[0].startswith("Anteil ausländisch")
                else "Anteil der Schüler*innen mit Zuwanderungsgeschichte"
            )
            + f" nach Schulform, {unit.name}, Schuljahr {fmt.period(df.attrs['period'])}",
            df.attrs["period"],
            unit,
            period,
        ),
        source=publish.join_sources(src),
        data=df[["Schulform", *cols]],
        data_decimals=1,
    )
    return True


def pupils_table(unit, period: str | None = None) -> bool:
    df = pupils(unit, period)
    if df.empty:
        return False
    cols = [
        c
        for c in (
            "Schulform",
            "insgesamt",
            "ausländisch",
            "Anteil ausländisch (%)",
            "mit Zuwanderungsgeschichte",
            "Anteil mit Zuwanderungsgeschichte (%)",
            "Repräsentationsindex",
        )
        if c in df
    ]
    src = [source_of("schueler_ausl_anteil", unit=unit)] + (
        [source_of("schueler_zwg_anteil", unit=unit)]
        if "Anteil mit Zuwanderungsgeschichte (%)" in df
        else []
    )
    publish.table(
        df[cols],
        name="schueler_schulform",
        caption=with_stand(
            f"Schüler*innen nach Schulform, {unit.name}, Schuljahr {fmt.period(df.attrs['period'])}",
            df.attrs["period"],
            unit,
            period,
        ),
        source=publish.join_sources(src),
        decimals={
            "Anteil ausländisch (%)": 1,
            "Anteil mit Zuwanderungsgeschichte (%)": 1,
            "Repräsentationsindex": 2,
            "insgesamt": 0,
            "ausländisch": 0,
            "mit Zuwanderungsgeschichte": 0,
        },
    )
    return True


def context_series_figure(
    indicator_id: str, unit, *, min_periods: int = 3, max_periods: int = 12
) -> bool:
    """When the unit has fewer than `min_periods` periods, the trend of its Kreis and Land (and
    Bund) as context, captioned as such. Returns False when the unit has its own series."""
    own = values(indicator_id, unit.ags)
    if own["period"].nunique() >= min_periods:
        return False
    parents = [a for a in comparison_regions(unit)[1:]]
    if not parents:
        return False
    df = values(indicator_id, parents)
    if df.empty:
        return False
    kinds = df["period"].map(_period_kind)
    df = df[kinds == kinds.value_counts().idxmax()]
    counts = df.groupby("region")["period"].nunique()
    keep = counts[counts >= min_periods].index
    if len(keep) < 2:  # one line alone is no comparison of the surroundings
        return False
    df = df[df["region"].isin(keep)]
    common = set.intersection(*(set(g["period"]) for _, g in df.groupby("region")))
    if len(common) < min_periods:
        return False
    common = set(sorted(common, key=_period_key)[-max_periods:])
    df = df[df["period"].isin(common)].copy()
    first, last = sorted(common, key=_period_key)[0], sorted(common, key=_period_key)[-1]
    e = entry(indicator_id)
    rule = denominator_note(indicator_id, df, unit)
    df["region_name"] = [
        region_label(a, n, unit) for a, n in zip(df["region"], df["region_name"], strict=True)
    ]
    fig = charts.lines(
        df,
        "period",
        "value",
        "region_name",
        **number_style(e),
    )
    publish.figure(
        fig,
        name=f"{indicator_id}_kontext",
        caption=f"{e.title} {period_range(first, last)} im Umfeld {von_region(unit.name)} "
        f"(Kreis, Land, Bund; {fuer_region(unit.name)} keine Zeitreihe)"
        + (
            f" – Hinweis: {hints}"
            if (hints := _hints(rule, notes_in_range(df, first, last)))
            else ""
        ),
        source=source_of(indicator_id, df),
        data=series_data(df, e),
        data_decimals=number_style(e)["decimals"],
    )
    return True

"""Editions of the yearly monitoring: "Integrationsmonitoring <Stadt> 2024".

An edition Y of a unit is what was known in year Y: the city's delivery of that year
(``data/raw/<stadt>/lieferung_Y.csv``) and the official observations with a period up to Y.
Each edition's indicator values are stored as a snapshot (``data/processed/editions/<AGS>/Y.json``)
when its report is built; the next edition compares against that stored snapshot, so values the
statistics offices revised in between show up as revisions in "Was ist neu in dieser Ausgabe".

Synthetic example deliveries (``data/synthetic/<stadt>/lieferung_Y.csv``, made by
``scripts/make_synthetic_editions.py``) are used only where no real delivery of that year
exists; every table and the title page then say so. They are outside ``data/raw/``, so the
store and the default report never see them.

Comparison rule (documented in ``docs/ausgaben.md``): two values are compared only when they
come from the same kind of source (the city's delivery, or official statistics), have the same
unit and catalogue definition, neither carries a source symbol (flag) or a series-break note,
and the denominator was taken by the same rule (no fallback Stichtag in one but not the other).
Otherwise the table says why there is no comparison.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, fmt, paths
from .atomic import write_text
from .errors import IbisError
from .report.outline import outline
from .tidy import DIMENSIONS, TOTAL

DELIVERY_RE = re.compile(r"^lieferung_(\d{4})\.csv$")
#: Words in a note that mark a break in the series (Zensus re-basing, changed definitions).
BREAK_WORDS = ("zensus", "bruch", "umstellung", "revision", "neuabgrenzung", "gebietsstand")
SOURCE_DELIVERY = "Lieferung"
SOURCE_OFFICIAL = "amtlich"


def synthetic_dir() -> Path:
    return paths.project_root() / "data" / "synthetic"


def editions_dir() -> Path:
    return paths.processed_dir() / "editions"


@dataclass(frozen=True)
class Delivery:
    year: int
    path: Path
    synthetic: bool


def _delivery_ags(path: Path) -> str | None:
    """The AGS of a delivery file (first data line), without loading it."""
    from .sources import read_text

    text, _ = read_text(path)
    header = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [c.strip().strip('"') for c in line.split(";")]
        if header is None:
            header = cells
            continue
        if "ags" in header:
            return cells[header.index("ags")] if len(cells) > header.index("ags") else None
        return None
    return None


def deliveries(ags: str) -> dict[int, Delivery]:
    """Every yearly delivery of unit `ags`: real ones (data/raw/) win over synthetic examples."""
    found: dict[int, Delivery] = {}
    for base, synthetic in ((synthetic_dir(), True), (paths.raw_dir(), False)):
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("lieferung_*.csv")):
            m = DELIVERY_RE.match(p.name)
            if not m or _delivery_ags(p) != ags:
                continue
            year = int(m[1])
            if synthetic and year in found:
                continue
            found[year] = Delivery(year, p, synthetic)
    return dict(sorted(found.items()))


def _year(period: str) -> int:
    return int(str(period)[:4])


def official_store(store: pd.DataFrame, year: int) -> pd.DataFrame:
    """Official observations (no city delivery) with a period up to `year`."""
    table = store["table"].astype(str)
    period = store["period"].astype(str)
    keep = ~table.str.startswith("lieferung") & (period.str[:4].astype(int) <= year)
    return store[keep.to_numpy()]


def _definition_hash(ind) -> str:
    text = "|".join(
        [
            ind.definition,
            ind.kind,
            ind.unit,
            ind.numerator.describe() if ind.numerator else "",
            ind.denominator.describe() if ind.denominator else "",
            ind.period_rule,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _totals(df: pd.DataFrame) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for dim in DIMENSIONS:
        mask &= (df[dim].astype(str) == TOTAL).to_numpy()
    return df[mask & df["value"].notna().to_numpy()]


def _entries(df: pd.DataFrame, source: str, table: str) -> dict[str, dict]:
    """Newest total value per indicator, plus its whole series (for revision checks)."""
    from .indicators.engine import period_date

    out: dict[str, dict] = {}
    df = _totals(df)
    for ind_id, g in df.groupby(df["indicator_id"].astype(str)):
        g = g.assign(_d=g["period"].astype(str).map(period_date)).sort_values("_d")
        last = g.iloc[-1]
        out[ind_id] = {
            "source": source,
            "table": table,
            "period": str(last["period"]),
            "value": float(last["value"]),
            "unit": str(last["unit"]),
            "flag": str(last["flag"] or ""),
            "note": str(last["note"] or ""),
            "denominator_period": str(last["denominator_period"] or ""),
            "series": {str(r["period"]): float(r["value"]) for _, r in g.iterrows()},
        }
    return out


def snapshot(ags: str, year: int, store: pd.DataFrame | None = None) -> dict:
    """Indicator values of edition `year` of unit `ags` (not stored; see :func:`save`)."""
    from . import store as store_mod
    from .indicators import catalog, compute
    from .sources import read

    found = deliveries(ags)
    d = found.get(year)  # an edition without a city delivery has official values only
    store = store if store is not None else store_mod.load()
    cat = catalog()
    official = compute(regions=[ags], store=official_store(store, year))
    values = {k: v for k, v in _entries(official, SOURCE_OFFICIAL, "").items()}
    if d is not None:
        # the city's own numbers are the edition's primary source where it delivered them
        delivered = compute(regions=[ags], store=read(d.path))
        for k, v in _entries(delivered, SOURCE_DELIVERY, d.path.name).items():
            values[k] = v
    return {
        "ags": ags,
        "edition": year,
        "delivery": (
            {"file": d.path.name, "synthetic": d.synthetic, "sha256": _sha(d.path)} if d else {}
        ),
        "synthetic": bool(d and d.synthetic),
        # catalogue order; indicators that are a breakdown by nature (age structure, districts,
        # school types) stay in their chapters: their total says nothing (100 %, all districts)
        "indicators": {
            k: {**values[k], "definition": _definition_hash(ind)}
            for k, ind in cat.items()
            if k in values and not _breakdown_only(ind)
        },
        "inputs": store_mod.input_hashes(),
        "ibislib": __version__,
    }


def _breakdown_only(ind) -> bool:
    """True for indicators whose total says nothing (structures, districts, school types)."""
    dims = set(ind.breakdown)
    return bool(dims & {"district", "age_group", "school_type"}) or (
        ind.kind == "ratio" and "category" in dims
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot_path(ags: str, year: int) -> Path:
    return editions_dir() / ags / f"{year}.json"


def save(snap: dict) -> Path:
    target = snapshot_path(snap["ags"], snap["edition"])
    write_text(target, json.dumps(snap, indent=2, ensure_ascii=False))
    return target


def stored(ags: str, year: int) -> dict | None:
    p = snapshot_path(ags, year)
    if not p.is_file():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IbisError(
            "Gespeicherte Ausgabe ist beschädigt", path=p, line=exc.lineno, hint="Bitte löschen."
        ) from None


# ------------------------------------------------------------------------------- comparison


def comparable(a: dict, b: dict) -> str | None:
    """None when values a and b form one series; otherwise the German reason why not."""
    if a["source"] != b["source"]:
        return "Quelle gewechselt (kommunale Lieferung / amtliche Statistik)"
    if a["unit"] != b["unit"]:
        return "Einheit geändert"
    if a.get("definition") != b.get("definition"):
        return "Definition im Katalog geändert"
    for e in (a, b):
        if e.get("flag"):
            # e.g. GENESIS '-' counts as 0 in the engine, but a whole table of '-' for one
            # Kreis is a gap in the publication, not a fall to zero: never read it as a change
            return f"Zeichen „{e['flag']}“ in der Quelle ({fmt.period(e['period'])})"
        low = e["note"].lower()
        if any(w in low for w in BREAK_WORDS):
            return f"Zeitreihenbruch ({e['note']})"
    fa = bool(a["denominator_period"]) and a["denominator_period"] != a["period"]
    fb = bool(b["denominator_period"]) and b["denominator_period"] != b["period"]
    if fa != fb:
        return "Nenner nach anderer Stichtagsregel"
    return None


def _change(cur: dict, old: dict, ind) -> dict:
    diff = cur["value"] - old["value"]
    out = {"abs": diff, "pct": None}
    if ind.unit != "Prozent" and old["value"]:
        out["pct"] = diff / old["value"] * 100
    return out


def change_text(diff: dict | None, ind) -> str:
    """'+0,5 Prozentpunkte', '+107 (+1,9 %)', '±0' – signs from the value as shown."""
    if diff is None:
        return "–"
    shown = round(diff["abs"], ind.decimals)
    sign = "+" if shown > 0 else "±" if shown == 0 else "−"
    mag = abs(shown)
    if ind.unit == "Prozent":
        return f"{sign}{fmt.number(mag, ind.decimals)} Prozentpunkte"
    text = f"{sign}{fmt.number(mag, ind.decimals)}"
    if diff["pct"] is not None:
        pct = round(diff["pct"], 1)
        psign = "+" if pct > 0 else "±" if pct == 0 else "−"
        text += f" ({psign}{fmt.number(abs(pct), 1)} %)"
    return text


@dataclass
class Row:
    indicator: str
    title: str
    value: str
    period: str
    source: str
    vs_previous: str
    vs_baseline: str
    trend: str
    synthetic: bool = False


@dataclass
class Comparison:
    ags: str
    name: str
    edition: int
    previous: int | None
    baseline: int | None
    rows: list[Row]
    news: list[str]
    previous_reconstructed: bool
    synthetic_years: list[int] = field(default_factory=list)

    @property
    def only_one(self) -> bool:
        return self.previous is None

    def table(self) -> pd.DataFrame:
        """Value, Stichtag, source and – from the second edition on – the two change columns."""
        if self.only_one:
            return pd.DataFrame(
                [
                    {
                        "Indikator": r.title,
                        "Wert": r.value,
                        "Stichtag": r.period,
                        "Quelle": r.source,
                    }
                    for r in self.rows
                ]
            )
        prev = f"Veränderung zu {self.previous}"
        base = f"Veränderung zu {self.baseline}"
        return pd.DataFrame(
            [
                {
                    "Indikator": r.title,
                    "Wert": r.value,
                    "Stichtag": r.period,
                    "Quelle": r.source,
                    prev: r.vs_previous,
                    base: r.vs_baseline,
                }
                for r in self.rows
            ]
        )


def _value_text(e: dict, ind) -> str:
    if ind.unit == "Prozent":
        return fmt.percent(e["value"], ind.decimals)
    return fmt.quantity(e["value"], e["unit"], ind.decimals)


def _source_text(e: dict, synthetic: bool) -> str:
    if e["source"] == SOURCE_DELIVERY:
        return "Lieferung (synthetisch)" if synthetic else "Lieferung der Stadt"
    return "amtliche Statistik"


def edition_years(ags: str) -> list[int]:
    """Years with a city delivery or a stored edition snapshot."""
    years = set(deliveries(ags))
    folder = editions_dir() / ags
    if folder.is_dir():
        years |= {int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()}
    return sorted(years)


def compare(
    ags: str,
    edition: int,
    name: str | None = None,
    save_snapshot: bool = True,
    store: pd.DataFrame | None = None,
) -> Comparison:
    """Edition `edition` against the previous one and the first (baseline)."""
    from .indicators import catalog

    cat = catalog()
    years = sorted({y for y in edition_years(ags) if y <= edition} | {edition})
    cur = snapshot(ags, edition, store)
    if save_snapshot:
        save(cur)
    earlier = [y for y in years if y < edition]
    previous = earlier[-1] if earlier else None
    baseline = years[0] if earlier else None
    snaps: dict[int, dict] = {edition: cur}
    reconstructed = False
    for y in {previous, baseline} - {None}:
        s = stored(ags, y)
        if s is None:
            s = snapshot(ags, y, store)
            if y == previous:
                reconstructed = True
        snaps[y] = s
    synthetic_years = sorted(y for y, s in snaps.items() if s.get("synthetic"))
    rows: list[Row] = []
    for ind_id, e in cur["indicators"].items():
        ind = cat[ind_id]
        row = Row(
            ind_id,
            ind.title,
            _value_text(e, ind) + (f" (Zeichen „{e['flag']}“)" if e.get("flag") else ""),
            fmt.period(e["period"]),
            _source_text(e, cur["synthetic"] and e["source"] == SOURCE_DELIVERY),
            "–",
            "–",
            "",
            cur["synthetic"] and e["source"] == SOURCE_DELIVERY,
        )
        trend_parts = []
        for target, attr in ((previous, "vs_previous"), (baseline, "vs_baseline")):
            if target is None:
                setattr(row, attr, "keine Vorausgabe")
                continue
            old = snaps[target]["indicators"].get(ind_id)
            if old is None:
                setattr(row, attr, "neu in dieser Ausgabe")
                continue
            if old["period"] == e["period"]:
                setattr(row, attr, "kein neuer Stichtag")
                continue
            why = comparable(e, old)
            if why:
                setattr(row, attr, f"nicht vergleichbar: {why}")
                continue
            diff = _change(e, old, ind)
            setattr(row, attr, change_text(diff, ind))
            trend_parts.append((target, old, diff))
        row.trend = _trend_sentence(ind, e, trend_parts, previous, baseline)
        rows.append(row)
    news = whats_new(snaps.get(previous), cur, cat, reconstructed) if previous else []
    return Comparison(
        ags,
        name or ags,
        edition,
        previous,
        baseline,
        rows,
        news,
        reconstructed,
        synthetic_years,
    )


def _trend_sentence(ind, cur: dict, parts: list, previous, baseline) -> str:
    """One sentence only where the series is comparable back to the baseline."""
    by = {t: (old, diff) for t, old, diff in parts}
    if baseline is None or baseline not in by:
        return ""
    old, diff = by[baseline]
    shown = round(diff["abs"], ind.decimals)
    if shown == 0:
        verb = "ist unverändert geblieben"
    else:
        verb = "ist gestiegen" if shown > 0 else "ist gesunken"
    sentence = (
        f"{ind.subject} {verb}: von {_value_text(old, ind)} ({fmt.period(old['period'])}) "
        f"auf {_value_text(cur, ind)} ({fmt.period(cur['period'])})"
    )
    if shown != 0:
        sentence += f", {change_text(diff, ind)}"
    if previous != baseline and previous in by:
        sentence += f"; gegenüber der Ausgabe {previous}: {change_text(by[previous][1], ind)}"
    return sentence + "."


def whats_new(prev: dict | None, cur: dict, cat: dict, reconstructed: bool) -> list[str]:
    """German bullet points: new periods, revised values, new and dropped indicators."""
    if prev is None:
        return []
    out: list[str] = []
    p_ind, c_ind = prev["indicators"], cur["indicators"]
    for k in c_ind:
        if k not in p_ind:
            out.append(f"Neuer Indikator: {cat[k].title} ({fmt.period(c_ind[k]['period'])}).")
    for k in p_ind:
        if k not in c_ind:
            title = cat[k].title if k in cat else k
            out.append(f"Entfallen: {title} (zuletzt {fmt.period(p_ind[k]['period'])}).")
    for k, e in c_ind.items():
        old = p_ind.get(k)
        if old and old["period"] != e["period"]:
            out.append(
                f"Neuer Stichtag: {cat[k].title} {fmt.period(old['period'])} → "
                f"{fmt.period(e['period'])}."
            )
    if not reconstructed:
        for k, e in c_ind.items():
            old = p_ind.get(k)
            if not old or e["source"] != SOURCE_OFFICIAL or old["source"] != SOURCE_OFFICIAL:
                continue
            for period, val in e["series"].items():
                before = old["series"].get(period)
                if before is not None and not np.isclose(before, val):
                    ind = cat[k]
                    out.append(
                        f"Revidiert: {ind.title} {fmt.period(period)}: "
                        f"{_value_text({**e, 'value': before}, ind)} → "
                        f"{_value_text({**e, 'value': val}, ind)} (amtlicher Wert seit der "
                        f"Ausgabe {prev['edition']} geändert)."
                    )
    else:
        out.append(
            f"Die Ausgabe {prev['edition']} war nicht gespeichert und wurde aus den heutigen "
            "Daten nachgebildet; revidierte amtliche Werte sind daher nicht erkennbar."
        )
    if prev.get("delivery", {}).get("file") != cur.get("delivery", {}).get("file"):
        out.append(f"Neue Lieferung der Stadt: {cur['delivery']['file']}.")
    return out


# ---------------------------------------------------------------------------------- chapter


def chapter(municipality: str, edition: int) -> Comparison:
    """Publish the edition chapter: values with changes, trend sentences, "Was ist neu"."""
    from . import publish
    from .report.blocks import unit_of

    unit = unit_of(municipality)
    comp = compare(unit.ags, edition, unit.name)
    synthetic = comp.synthetic_years
    if synthetic:
        publish.note(
            "Achtung: Die Lieferung(en) "
            + ", ".join(map(str, synthetic))
            + f" für {unit.name} sind synthetische Beispieldaten (keine echten Zahlen), erzeugt "
            "von scripts/make_synthetic_editions.py aus der Lieferung 2022."
        )
    if comp.only_one:
        publish.text(
            f"Dies ist die erste Ausgabe des Integrationsmonitorings für {unit.name}. "
            "Es gibt noch keine Vorausgabe: Veränderungen und Trends lassen sich erst ab der "
            "zweiten Ausgabe zeigen; die Werte dieser Ausgabe sind die Basis."
        )
    else:
        publish.text(
            f"Die Tabelle zeigt jeden Indikator dieser Ausgabe mit der Veränderung gegenüber der "
            f"Ausgabe {comp.previous} und gegenüber der ersten Ausgabe {comp.baseline} (Basis). "
            "Verglichen wird nur, was vergleichbar ist: gleiche Quellenart, Einheit und "
            "Definition, kein Zeitreihenbruch und dieselbe Stichtagsregel für den Nenner; "
            "sonst steht dort der Grund."
        )
    sources = "; ".join(
        sorted(
            {
                "Stadt "
                + unit.name
                + " (Lieferung"
                + (", synthetisch" if r.synthetic else "")
                + ")"
                if r.source.startswith("Lieferung")
                else "Statistische Ämter des Bundes und der Länder"
                for r in comp.rows
            }
        )
    )
    publish.table(
        comp.table(),
        name=f"ausgabe_{edition}",
        caption=f"Indikatoren der Ausgabe {edition}"
        + (f" im Vergleich zu {comp.previous} und {comp.baseline}" if comp.previous else ""),
        source=sources + ", eigene Berechnungen",
    )
    trends = [r.trend for r in comp.rows if r.trend]
    if trends:
        publish.text(
            "## Entwicklung seit der ersten Ausgabe\n\n" + "\n".join(f"- {t}" for t in trends)
        )
    elif not comp.only_one:
        publish.text(
            "Für keinen Indikator liegt eine vergleichbare Reihe bis zur ersten Ausgabe vor; "
            "daher steht hier kein Trendsatz."
        )
    publish.text("## Was ist neu in dieser Ausgabe")
    if comp.only_one:
        publish.text("Erste Ausgabe – es gibt noch keinen Vergleich mit einer Vorausgabe.")
    elif comp.news:
        publish.text("\n".join(f"- {n}" for n in comp.news))
    else:
        publish.text(f"Gegenüber der Ausgabe {comp.previous} hat sich nichts geändert.")
    return comp


def edition_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The chapters only an edition report has (notebooks/ausgabe/, in the outline)."""
    return [e.path for e in outline(notebooks_dir).edition_chapters]


def title_lines(ags: str, name: str, edition: int) -> tuple[str, str, list[str]]:
    """(title, subtitle, extra title-page lines) of an edition report; says so when synthetic."""
    found = deliveries(ags)
    years = sorted({y for y in edition_years(ags) if y <= edition} | {edition})
    extra = []
    if edition in found:
        d = found[edition]
        extra.append(f"Datenstand der Stadt: {d.path.name}")
    synthetic = [y for y in years if y in found and found[y].synthetic]
    if synthetic:
        extra.append(
            "ENTHÄLT SYNTHETISCHE BEISPIELDATEN: Lieferung(en) "
            + ", ".join(map(str, synthetic))
            + " erzeugt aus einer echten Lieferung"
            + " (scripts/make_synthetic_editions.py), keine echten Zahlen"
        )
    earlier = [y for y in years if y < edition]
    subtitle = f"Ausgabe {edition}" + (
        f" – Vergleich mit {earlier[-1]} und der ersten Ausgabe {years[0]}"
        if earlier
        else " – erste Ausgabe, noch kein Vergleich"
    )
    return f"{name} {edition}", subtitle, extra

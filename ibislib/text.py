"""German sentences from indicator values: Lesehilfe, comparisons, "no data" notes.

All numbers are formatted by :mod:`ibislib.fmt` (no OS locale): 53.363; 9,9 %; 0,65 %;
30.09.2022. Every function returns None (or a "no data" sentence) rather than inventing a value.
The sentences are Markdown prose for the report: names, districts and categories from data are
inserted through :func:`ibislib.escape.markdown_text`, so they show as typed.
"""

from __future__ import annotations

import re
import string

import pandas as pd

from . import fmt
from .escape import markdown_text as md
from .tidy import DIMENSIONS, TOTAL

_LEVEL_NOUN = {
    "Kreis": "Kreiswert",
    "Regierungsbezirk": "Wert des Regierungsbezirks",
    "Land": "Landeswert",
    "Deutschland": "Bundeswert",
}


def zeit(period: str, capital: bool = True) -> str:
    """'2022-09-30' -> 'Zum 30.09.2022'; '2021' -> 'Im Jahr 2021'; '2021/22' -> 'Im Schuljahr 2021/22'."""
    p = str(period)
    if len(p) == 10 and p[4] == "-":
        s = f"zum {fmt.date(p)}"
    elif "/" in p:
        s = f"im Schuljahr {p}"
    elif p:
        s = f"im Jahr {p}"
    else:
        s = "im Berichtszeitraum"
    return s[0].upper() + s[1:] if capital else s


#: designations and names that take an article, by gender: "im Ilm-Kreis", "im
#: Regionalverband Saarbrücken", "in der Stadt Minden", "in der Städteregion Aachen", "im
#: Saarland". Names without one (Münster, Bayern, Deutschland) stay bare. The designation must
#: be the first word of the name (a town called "Neustadt" takes no article) or, for Kreise,
#: the name's first word ends in "kreis" ("Rhein-Kreis Neuss", "Eifelkreis Bitburg-Prüm").
_IM = re.compile(
    r"^(?:Kreis|Landkreis|Stadtkreis|Regionalverband|Regierungsbezirk|Bezirk|Freistaat|Markt)\b"
    r"|^[\w-]*kreis\b",
    re.IGNORECASE,
)
_FEM = re.compile(
    r"^(?:Städteregion|Region|Stadt|Hansestadt|Freie Hansestadt|Universitätsstadt"
    r"|Landeshauptstadt|Kreisstadt|Große Kreisstadt|Stadtgemeinde|Gemeinde|Samtgemeinde"
    r"|Verbandsgemeinde|Verwaltungsgemeinschaft|Ortsgemeinde)\b",
    re.IGNORECASE,
)
_NEUT = re.compile(r"^(?:Saarland|Land|Amt)\b", re.IGNORECASE)


def article(name: str) -> str:
    """Grammatical gender of a region name with its designation: 'm', 'f', 'n' or '' (no
    article: Münster, Bayern, Deutschland)."""
    n = str(name).strip()
    if _FEM.search(n):
        return "f"
    if _NEUT.search(n):
        return "n"
    return "m" if _IM.search(n) else ""


def with_article(name: str, capital: bool = False) -> str:
    """Subject of a sentence: 'der Ilm-Kreis', 'die Städteregion Aachen', 'das Saarland',
    'Münster'."""
    art = {"m": "der ", "f": "die ", "n": "das "}.get(article(name), "")
    if capital and art:
        art = art[0].upper() + art[1:]
    return f"{art}{name}"


def von_region(name: str) -> str:
    """'von Münster', 'vom Ilm-Kreis', 'von der Städteregion Aachen', 'vom Saarland'."""
    return {"m": "vom ", "n": "vom ", "f": "von der "}.get(article(name), "von ") + str(name)


def in_region(name: str) -> str:
    """'Ibbenbüren' -> 'in Ibbenbüren'; 'Ilm-Kreis' -> 'im Ilm-Kreis'; 'Kreis Steinfurt' -> 'im
    Kreis Steinfurt'; 'Städteregion Aachen' -> 'in der Städteregion Aachen'; 'Stadt Minden' ->
    'in der Stadt Minden'; 'Saarland' -> 'im Saarland'."""
    g = article(name)
    return {"m": "im ", "n": "im ", "f": "in der "}.get(g, "in ") + str(name)


def fuer_region(name: str, capital: bool = False) -> str:
    """'für Minden'; 'für den Ilm-Kreis', 'für den Regionalverband Saarbrücken'; 'für die
    Region Hannover', 'für das Saarland' (`capital` at a sentence start)."""
    art = {"m": "den ", "f": "die ", "n": "das "}.get(article(name), "")
    return f"{'F' if capital else 'f'}ür {art}{name}"


def format_value(row: pd.Series | dict, ind=None) -> str:
    """A result row's value in its unit with the catalogue's decimals (change with sign)."""
    from .indicators import catalog

    ind = ind or catalog()[row["indicator_id"]]
    text = fmt.quantity(row["value"], ind.unit, ind.decimals)
    if (
        ind.kind == "change"
        and pd.notna(row["value"])
        and round(float(row["value"]), ind.decimals) > 0
    ):
        text = "+" + text
    return text


def _row(
    indicator_id: str, region: str, period: str | None, store, breakdown: dict
) -> pd.Series | None:
    from .indicators import compute, latest

    if period is None:
        return latest(indicator_id, region, store=store, **breakdown)
    df = compute([indicator_id], [region], [period], store=store)
    for dim in DIMENSIONS:
        df = df[df[dim] == breakdown.get(dim, TOTAL)]
    df = df[df["value"].notna()]
    return None if df.empty else df.iloc[0]


def age_label(group: str) -> str:
    """'27-65' -> '27 bis unter 65 Jahre'; '0-12' -> 'unter 12 Jahre'; '80+' -> '80 Jahre und älter'."""
    g = str(group)
    if g == TOTAL:
        return "alle Altersgruppen"
    if g.endswith("+"):
        return f"{g[:-1]} Jahre und älter"
    lo, _, hi = g.partition("-")
    return f"unter {hi} Jahre" if lo == "0" else f"{lo} bis unter {hi} Jahre"


def category_label(category: str) -> str:
    """'niveau=B1' -> 'B1'; 'ehefrau=deutsch|ehemann=ausländisch' -> 'deutsch, ausländisch'."""
    if category == TOTAL:
        return TOTAL
    return ", ".join(part.split("=", 1)[-1] for part in str(category).split("|"))


def _template_dims(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f in DIMENSIONS}


def _needs_breakdown(ind, breakdown: dict) -> bool:
    """The template names a breakdown cell (Stadtteil, Altersgruppe …) that was not chosen."""
    return any(
        breakdown.get(d, TOTAL) == TOTAL
        for d in _template_dims(ind.lesehilfe)
        if d in ind.breakdown
    )


def fill(template: str, row: pd.Series | dict, ind=None) -> str:
    """Fill a Lesehilfe template from one result row of :func:`ibislib.indicators.compute`.

    A published value (no numerator, e.g. the federal Einbürgerungsquote) gets a plain
    sentence instead, since the template's counts are not known."""
    from .indicators import catalog

    ind = ind or catalog()[row["indicator_id"]]
    uses_counts = {"numerator", "denominator"} & {
        f for _, f, _, _ in string.Formatter().parse(template) if f
    }
    if uses_counts and pd.isna(row["numerator"]):
        return (
            f"{ind.subject} {md(in_region(row['region_name']))} lag {zeit(row['period'], capital=False)} "
            f"bei {format_value(row, ind)} (veröffentlichter Wert)."
        )
    labels = {d: row.get(d, TOTAL) for d in DIMENSIONS}
    labels["age_group"] = age_label(labels["age_group"])
    labels["category"] = category_label(labels["category"])
    labels = {d: md(v) for d, v in labels.items()}  # a district '*x*' or '<b>' stays text
    values = {
        "title": ind.title,
        "region_name": md(row["region_name"]),
        "in_region": md(in_region(row["region_name"])),
        "period": fmt.period(row["period"]),
        "zeit": zeit(row["period"]),
        "zeit_klein": zeit(row["period"], capital=False),
        "value": format_value(row, ind),
        "value_number": fmt.number(row["value"], ind.decimals),
        "numerator": fmt.number(row["numerator"]),
        "denominator": fmt.number(row["denominator"]),
        "denominator_period": fmt.period(row.get("denominator_period", "") or ""),
        "unit": ind.unit,
        **labels,
    }
    return template.format(**values)


def lesehilfe(
    indicator_id: str,
    region: str,
    period: str | None = None,
    *,
    store: pd.DataFrame | None = None,
    **breakdown: str,
) -> str | None:
    """The catalogue's Lesehilfe sentence for a unit (latest period unless given), or None.

    >>> lesehilfe("ausl_anteil", "05566028")  # doctest: +SKIP
    'Zum 30.09.2022 lebten in Ibbenbüren insgesamt 53.363 Menschen; 9,9 % davon (5.263 Personen) hatten keine deutsche Staatsangehörigkeit.'
    """
    from .indicators import catalog

    ind = catalog()[indicator_id]
    if _needs_breakdown(ind, breakdown):
        return None  # e.g. a Stadtteil sentence needs district="…"
    row = _row(indicator_id, region, period, store, breakdown)
    if row is None:
        return None
    return fill(ind.lesehilfe, row, ind)


def comparison(
    indicator_id: str,
    region: str,
    period: str | None = None,
    *,
    store: pd.DataFrame | None = None,
    **breakdown: str,
) -> str | None:
    """One sentence comparing a unit with its Kreis, Land and Bund, or None without comparison.

    >>> comparison("einbuergerungsquote", "05566028")  # doctest: +SKIP
    'Die Einbürgerungsquote liegt mit 0,65 % unter dem Bundeswert von 0,98 % (2020).'

    Counts (unit Anzahl) are not compared. A comparison value from another period names its
    period in brackets; equal values (at the shown decimals) read "gleichauf mit".
    """
    from .indicators import catalog, compare, resolve_region

    ind = catalog()[indicator_id]
    if ind.unit == "Anzahl" or _needs_breakdown(ind, breakdown):
        return None
    comp = compare(indicator_id, region, period, store=store, **breakdown)
    if comp.empty:
        return None
    ags = resolve_region(region)
    own = comp[comp["region"] == ags].sort_values(
        "kind", key=lambda k: k != "berechnet", kind="stable"
    )
    if own.empty:
        return None
    own = own.iloc[0]  # computed if there is one, else the published value
    parts = []
    for r in comp.loc[comp["region"] != ags, "region"].drop_duplicates():
        cands = comp[comp["region"] == r]
        computed = cands[(cands["kind"] == "berechnet") & (cands["period"] == own["period"])]
        published = cands[cands["kind"] == "veröffentlicht"]
        pick = computed if len(computed) else (published if len(published) else cands)
        c = pick.iloc[0]
        noun = _LEVEL_NOUN.get(c["level"])
        if noun is None:
            continue
        mine = round(float(own["value"]), ind.decimals)
        theirs = round(float(c["value"]), ind.decimals)
        shown = fmt.quantity(c["value"], ind.unit, ind.decimals)
        when = f" ({fmt.period(c['period'])})" if c["period"] != own["period"] else ""
        if mine > theirs:
            parts.append(f"über dem {noun} von {shown}{when}")
        elif mine < theirs:
            parts.append(f"unter dem {noun} von {shown}{when}")
        else:
            extra = f", {fmt.period(c['period'])}" if when else ""
            parts.append(f"gleichauf mit dem {noun} ({shown}{extra})")
    if not parts:
        return None
    value = fmt.quantity(own["value"], ind.unit, ind.decimals)
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " und " + parts[-1]
    return f"{ind.subject} liegt mit {value} {joined}."


def no_data(topic: str, region_name: str) -> str:
    """'Für Minden liegen keine Daten zu Integrationskursen vor.'

    ``topic`` is a dative phrase ("Integrationskursen") or a catalogue id (its topic is used);
    ``region_name`` may be a name or an AGS.
    """
    from .indicators import catalog

    cat = catalog()
    if topic in cat and cat[topic].topic:
        topic = cat[topic].topic
    name = region_name
    if str(region_name).replace(" ", "").isdigit() or region_name == "DG":
        try:
            from .regions import registry

            name = registry().name_of(str(region_name), default=str(region_name))
        except Exception:  # noqa: BLE001 - the sentence must not fail for a name lookup
            name = region_name
    return f"{fuer_region(name, capital=True)} liegen keine Daten zu {topic} vor."  # plain: publish.note escapes

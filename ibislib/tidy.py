"""The tidy observation shape every loader returns, and its validation.

One row per number. Dimension columns always hold a value; ``insgesamt`` means
"not broken down by this dimension". A source symbol never becomes 0: ``value``
is NaN and ``flag`` keeps the symbol.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import plausibility
from .errors import ValidationError
from .ingest import normalise as norm

TOTAL = norm.TOTAL

#: Dimension columns, in this order, in every tidy table.
DIMENSIONS: list[str] = ["sex", "nationality", "age_group", "school_type", "district", "category"]

#: All columns of a tidy table, in order.
COLUMNS: list[str] = [
    "region",  # AGS as text with leading zeros ("05566028"), "DG" for Deutschland
    "region_name",  # without indentation
    "period",  # "YYYY-MM-DD" (Stichtag), "YYYY" (year), "YYYY/YY" (school year)
    "measure",  # see MEASURES
    *DIMENSIONS,
    "value",  # float, NaN when the source gives a symbol
    "unit",  # see UNITS
    "flag",  # the source's symbol ("" when none), see FLAGS
    "source",  # citation as it goes under a figure ("Statistische Ämter ..., Tabelle 12411-01-01-5")
    "table",  # table or file code of the source
    "note",  # observation-level footnote ("" when none)
]

KEY: list[str] = ["region", "period", "measure", *DIMENSIONS, "unit"]

#: Measures (what is counted), id -> German name, from ``ibislib/ingest/vocab.yml``. Loaders map
#: source contents onto these ids; an unknown content keeps a slug of its label and is reported
#: (:func:`unmapped_measures`), never silently dropped or silently new.
MEASURES: dict[str, str] = norm.measure_names()

UNITS: dict[str, str] = {"Anzahl": "Anzahl", "Prozent": "%", "km2": "km²", "Jahre": "Jahre"}
COUNT_UNITS = plausibility.COUNT_UNITS

#: GENESIS / BA symbols (Zeichenerklärung) and what they mean.
FLAGS: dict[str, str] = {
    "": "",
    "-": "nichts vorhanden (genau null)",
    "0": "weniger als die Hälfte von 1 in der letzten besetzten Stelle, jedoch mehr als nichts",
    ".": "Zahlenwert unbekannt oder geheim zu halten",
    "...": "Angabe fällt später an",
    "x": "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
    "/": "keine Angaben, da Zahlenwert nicht sicher genug",
    "()": "Aussagewert eingeschränkt, da der Wert statistisch relativ unsicher ist",
    "p": "vorläufige Zahl",
    "r": "berichtigte Zahl",
    "s": "geschätzte Zahl",
    "e": "endgültige Zahl (Qualitätskennzeichen GENESIS-Online)",
    "*": "Wert aus Datenschutzgründen nicht ausgewiesen",
    "|": "grundsätzliche Änderung innerhalb einer Reihe",
}

#: The 16 Länder and their 2-digit keys (for sources that name Länder without a code).
LAENDER: dict[str, str] = norm.laender()

SEX_VALUES = {TOTAL, "männlich", "weiblich", "divers"}
NATIONALITY_VALUES = {TOTAL, "deutsch", "ausländisch"}

REGION_RE = norm.REGION_RE  # canonical keys: see ibislib.ingest.normalise
PERIOD_RE = norm.PERIOD_RE
AGE_RE = r"^(insgesamt|\d{1,3}-\d{1,3}|\d{1,3}\+)$"


@lru_cache(maxsize=1)
def _schema():
    """The pandera schema of a tidy table, built on first use: pandera (and pydantic) cost
    ~0,3 s to import, which only reading a file needs — not ``ibis indicators`` or a report
    that loads the finished store."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "region": pa.Column(str, pa.Check.str_matches(REGION_RE)),
            "region_name": pa.Column(str),
            "period": pa.Column(str, pa.Check.str_matches(PERIOD_RE)),
            "measure": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$")),
            "sex": pa.Column(str, pa.Check.isin(sorted(SEX_VALUES))),
            "nationality": pa.Column(str, pa.Check.isin(sorted(NATIONALITY_VALUES))),
            "age_group": pa.Column(str, pa.Check.str_matches(AGE_RE)),
            "school_type": pa.Column(str),
            "district": pa.Column(str),
            "category": pa.Column(str),
            "value": pa.Column(float, nullable=True),
            "unit": pa.Column(str, pa.Check.isin(sorted(UNITS))),
            "flag": pa.Column(str, pa.Check.isin(sorted(FLAGS))),
            "source": pa.Column(str, pa.Check.str_length(min_value=1)),
            "table": pa.Column(str),
            "note": pa.Column(str),
        },
        strict=True,
        ordered=True,
        coerce=False,
    )


def empty() -> pd.DataFrame:
    """An empty tidy table with the right columns and dtypes."""
    df = pd.DataFrame({c: pd.Series(dtype=str) for c in COLUMNS})
    df["value"] = df["value"].astype(float)
    return df


def finish(df: pd.DataFrame, **defaults: str) -> pd.DataFrame:
    """Fill missing columns (dimensions with ``insgesamt``), order columns, set dtypes.

    Loaders build whatever columns they know and call this last.
    """
    df = df.copy()
    for dim in DIMENSIONS:
        if dim not in df:
            df[dim] = defaults.get(dim, TOTAL)
    for col in ("flag", "note", "table"):
        if col not in df:
            df[col] = defaults.get(col, "")
    for col in ("unit", "source", "region_name"):
        if col not in df and col in defaults:
            df[col] = defaults[col]
    missing = [c for c in COLUMNS if c not in df]
    if missing:
        raise ValueError(f"tidy table lacks columns {missing}")
    df = df[COLUMNS]
    for col in COLUMNS:
        if col == "value":
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
        elif col in DIMENSIONS:
            df[col] = df[col].fillna(TOTAL).astype(str).replace("", TOTAL)
        else:
            df[col] = df[col].fillna("").astype(str)
    return df.reset_index(drop=True)


def _examples(df: pd.DataFrame, cols: list[str], n: int = 3) -> str:
    rows = df[cols].head(n).astype(str).agg(" / ".join, axis=1)
    return "; ".join(rows)


def validate(df: pd.DataFrame, path: str | None = None) -> pd.DataFrame:
    """Check a tidy table; raise :class:`ValidationError` naming the file and the problem.

    Checks: columns and types, allowed values, unique keys, a symbol for every missing value,
    then the plausibility rules of :mod:`ibislib.plausibility` (counts, shares, parts vs
    totals, Gemeinden vs Kreis, dates). Warnings of those rules go to ``df.attrs["warnings"]``.
    """
    import pandera.errors

    try:
        _schema().validate(df, lazy=False)
    except pandera.errors.SchemaError as exc:
        col = getattr(exc, "schema", None)
        colname = getattr(col, "name", None) or "?"
        bad = getattr(exc, "failure_cases", None)
        shown = ""
        if bad is not None and len(bad):
            shown = ", z. B. " + ", ".join(repr(v) for v in bad["failure_case"].head(3).tolist())
        raise ValidationError(
            f"Die Tabelle verletzt das Schema in Spalte '{colname}'{shown}",
            path=path,
            hint="Bitte prüfen Sie Regionalschlüssel, Stichtage und Merkmale der Datei.",
        ) from None

    dup = df.duplicated(KEY, keep=False)
    if dup.any():
        raise ValidationError(
            f"{int(dup.sum())} Zeilen mit doppeltem Schlüssel (Region, Zeitraum, Merkmal, Gliederung), z. B. "
            + _examples(
                df[dup], ["region", "period", "measure", "sex", "nationality", "age_group"]
            ),
            path=path,
            hint="Jede Zahl darf nur einmal vorkommen; bitte Dubletten entfernen.",
        )

    unflagged = df["value"].isna() & (df["flag"] == "")
    if unflagged.any():
        raise ValidationError(
            "Fehlender Wert ohne Zeichen: "
            + _examples(df[unflagged], ["region", "period", "measure"]),
            path=path,
            hint="Ein fehlender Wert braucht ein Zeichen ('.', '-', 'x', '/').",
        )

    # counts, shares, parts vs totals, Gemeinden vs Kreis, dates: one set of rules for all
    # loaders. A loader may allow sums of parts to exceed totals by a few units where the source
    # itself does (rounded or separately aggregated cells) via attrs["sum_tolerance"].
    df.attrs["warnings"] = plausibility.check(df, path)
    df.attrs.pop("unmapped_measures", None)
    return df


def age_group(label: str) -> str | None:
    """Canonical age group from a German label: 'unter 3 Jahre' -> '0-3', '75 Jahre und mehr' -> '75+'.

    Returns None when the label is not an age group. Upper bounds are exclusive. (The rule is
    :func:`ibislib.ingest.normalise.age_group`.)
    """
    return norm.age_group(str(label))


def unmapped_measures(df: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Remember the labels of measures the vocabulary did not know (slug -> label), so that
    the rule 'vocab' (:mod:`ibislib.plausibility`) names them in its warning."""
    if labels:
        df.attrs["unmapped_measures"] = dict(labels)
    return df


def age_bounds(group: str) -> tuple[float, float]:
    """'18-65' -> (18, 65); '75+' -> (75, inf); 'insgesamt' -> (0, inf)."""
    if group == TOTAL:
        return (0.0, np.inf)
    if group.endswith("+"):
        return (float(group[:-1]), np.inf)
    lo, hi = group.split("-")
    return (float(lo), float(hi))

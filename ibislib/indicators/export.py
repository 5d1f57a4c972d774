"""`ibis indicators`: one unit's (or every unit's) indicators as CSV, Markdown or Excel."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from .. import fmt
from ..errors import IbisError
from ..tidy import DIMENSIONS, TOTAL
from .catalog import catalog
from .engine import OUT_COLUMNS, compute, load_store, prepare, resolve_region

FORMATS = ("csv", "xlsx", "md")

#: German headers for the Markdown and Excel tables (CSV keeps the documented column names).
GERMAN_HEADERS = {
    "indicator_id": "Indikator-ID",
    "title": "Indikator",
    "region": "AGS",
    "region_name": "Gebiet",
    "period": "Zeitraum",
    "sex": "Geschlecht",
    "nationality": "Staatsangehörigkeit",
    "age_group": "Altersgruppe",
    "school_type": "Schulform",
    "district": "Stadtteil",
    "category": "Kategorie",
    "value": "Wert",
    "numerator": "Zähler",
    "denominator": "Nenner",
    "denominator_period": "Stichtag Nenner",
    "unit": "Einheit",
    "flag": "Zeichen",
    "note": "Hinweis",
}


def indicator_table(
    municipality: str | None,
    period: str | None = None,
    ids: str | list[str] | None = None,
    all_: bool = False,
    store: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The frame the CLI prints: :data:`OUT_COLUMNS` for one unit (or all with ``all_``)."""
    if not municipality and not all_:
        raise IbisError(
            "Bitte --municipality AGS|NAME oder --all angeben",
            hint="z. B. ibis indicators --municipality 05566028",
        )
    if store is None:
        store = load_store()
    if store.empty:
        raise IbisError(
            "Der Datenspeicher ist leer",
            hint="Zuerst 'ibis store build' ausführen (liest data/raw/).",
        )
    regions = None
    if not all_:
        regions = [resolve_region(municipality, prepare(store))]
    periods = [period] if period else None
    df = compute(ids, regions, periods, store=store)
    return df[OUT_COLUMNS]


def to_markdown(df: pd.DataFrame) -> str:
    """A Markdown table with German number formats and headers."""
    cat = catalog()
    cols = ["title", "region_name", "period"]
    dims = [d for d in DIMENSIONS if (df[d] != TOTAL).any()]
    cols += dims + ["value", "numerator", "denominator", "note"]
    lines = ["| " + " | ".join(GERMAN_HEADERS[c] for c in cols) + " |"]
    lines.append(
        "|"
        + "|".join("---:" if c in ("value", "numerator", "denominator") else "---" for c in cols)
        + "|"
    )
    for row in df.itertuples(index=False):
        r = row._asdict()
        ind = cat[r["indicator_id"]]
        cells = {
            "title": ind.title,
            "region_name": r["region_name"],
            "period": fmt.period(r["period"]),
            "value": fmt.quantity(r["value"], ind.unit, ind.decimals)
            + (f" {r['flag']}" if r["flag"] else ""),
            "numerator": fmt.number(r["numerator"])
            if ind.kind != "relative"
            else fmt.quantity(r["numerator"], "Prozent", 1),
            "denominator": fmt.number(r["denominator"])
            if ind.kind != "relative"
            else fmt.quantity(r["denominator"], "Prozent", 1),
            "note": r["note"],
            **{d: r[d] for d in dims},
        }
        lines.append("| " + " | ".join(str(cells[c]).replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def write_xlsx(df: pd.DataFrame, out: Path) -> None:
    """Excel with German headers, one sheet of values and one of indicator metadata, atomically."""
    from ..atomic import atomic_path

    cat = catalog()
    data = df.assign(title=df["indicator_id"].map(lambda i: cat[i].title))
    data = data[["indicator_id", "title", *OUT_COLUMNS[1:]]].rename(columns=GERMAN_HEADERS)
    meta = pd.DataFrame(
        [
            {
                "Indikator-ID": i.id,
                "Indikator": i.title,
                "Definition": i.definition,
                "Einheit": i.unit,
                "Quelle": i.source,
                "Tabellen": ", ".join(i.tables),
                "Konzept": i.concept,
                "Dimension": i.dimension,
                "Hinweise": i.notes,
            }
            for i in cat.values()
            if i.id in set(df["indicator_id"])
        ]
    )
    with atomic_path(out, suffix=".xlsx") as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            data.to_excel(xw, sheet_name="Indikatoren", index=False)
            meta.to_excel(xw, sheet_name="Metadaten", index=False)


def run_cli(
    municipality: str | None,
    period: str | None,
    ids: str | None,
    fmt_: str,
    all_: bool,
    out: Path | None,
) -> int:
    """Entry point of ``ibis indicators``; returns the exit code. Errors raise IbisError."""
    fmt_ = (fmt_ or "csv").lower()
    if fmt_ not in FORMATS:
        raise IbisError(f"Unbekanntes Format '{fmt_}'", hint="Möglich sind csv, xlsx und md.")
    if fmt_ == "xlsx" and not out:
        raise IbisError("Für --format xlsx bitte --out DATEI.xlsx angeben")
    df = indicator_table(municipality, period, ids, all_)
    if fmt_ == "xlsx":
        write_xlsx(df, Path(out))
        print(f"{len(df)} Zeilen geschrieben: {out}", file=sys.stderr)
        return 0
    if fmt_ == "md":
        text = to_markdown(df)
    else:
        text = df.to_csv(index=False)
    if out:
        from ..atomic import write_text

        write_text(out, text)
    else:
        sys.stdout.write(text)
    return 0

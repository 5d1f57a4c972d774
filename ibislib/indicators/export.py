"""`ibis indicators`: one unit's (or every unit's) indicators as CSV, Markdown or Excel.

CSV and Excel are made for German spreadsheet users (';' and decimal comma, rounded values,
German headers, UTF-8 with BOM; real number and date formats in Excel). The tidy CSV for
programs (English ids, full precision) is ``--maschinenlesbar``. Every text cell from data goes
through :func:`ibislib.escape.spreadsheet_cell` (formula injection).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd

from .. import fmt
from ..errors import IbisError
from ..escape import spreadsheet_cell, spreadsheet_frame
from ..tidy import DIMENSIONS, TOTAL
from .catalog import catalog
from .engine import OUT_COLUMNS, compute, prepare, resolve_region

FORMATS = ("csv", "xlsx", "md")

#: German headers for the people's CSV, Markdown and Excel (the machine CSV keeps the documented names).
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


def load_store() -> pd.DataFrame | None:
    """The store ``ibis indicators`` reads: None, the project's own, whose prepared form comes
    from its cache beside the store (the store itself is then not even loaded)."""
    return None


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
    prep = prepare(store)
    if not prep.frames:
        raise IbisError(
            "Der Datenspeicher ist leer",
            hint="Zuerst 'ibis store build' ausführen (liest data/raw/).",
        )
    regions = None
    if not all_:
        regions = [resolve_region(municipality, prep)]
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


def _numerator_style(ind) -> tuple[str, int]:
    """Unit and decimals of numerator/denominator: counts, or shares for 'relative' indicators."""
    return ("Prozent", 1) if ind.kind == "relative" else ("Anzahl", 0)


def _used_dims(df: pd.DataFrame) -> list[str]:
    return [d for d in DIMENSIONS if (df[d] != TOTAL).any()]


def _decimal(x, decimals: int) -> str:
    """9.8626 -> '9,9' (rounded, decimal comma, no thousands separator: spreadsheets read it
    as a number); NaN -> ''."""
    if x is None or pd.isna(x):
        return ""
    v = round(float(x), decimals)
    if v == 0:
        v = 0.0  # no '-0,0'
    return f"{v:.{decimals}f}".replace(".", ",")


def people_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The table for people: German headers, periods as dates, values rounded to the
    indicator's decimals as text with a decimal comma, the unit in its own column."""
    cat = catalog()
    dims = _used_dims(df)
    rows = []
    for r in df.to_dict("records"):
        ind = cat[r["indicator_id"]]
        part_unit, part_dec = _numerator_style(ind)
        row = {
            "Indikator": ind.title,
            "Indikator-ID": r["indicator_id"],
            "AGS": r["region"],
            "Gebiet": r["region_name"],
            "Zeitraum": fmt.period(r["period"]),
            **{GERMAN_HEADERS[d]: r[d] for d in dims},
            "Wert": _decimal(r["value"], ind.decimals),
            "Einheit": "%" if ind.unit == "Prozent" else ind.unit,
            "Zähler": _decimal(r["numerator"], part_dec),
            "Nenner": _decimal(r["denominator"], part_dec),
            "Stichtag Nenner": fmt.period(r["denominator_period"])
            if r["denominator_period"] and not pd.isna(r["denominator_period"])
            else "",
            "Zeichen": r["flag"] or "",
            "Hinweis": r["note"] or "",
        }
        rows.append(row)
    cols = [
        "Indikator",
        "Indikator-ID",
        "AGS",
        "Gebiet",
        "Zeitraum",
        *(GERMAN_HEADERS[d] for d in dims),
        "Wert",
        "Einheit",
        "Zähler",
        "Nenner",
        "Stichtag Nenner",
        "Zeichen",
        "Hinweis",
    ]
    return pd.DataFrame(rows, columns=cols)


def to_csv_people(df: pd.DataFrame) -> str:
    """CSV as German Excel and LibreOffice open it: ';' separated, decimal comma, rounded
    values, German headers. Text cells are formula-safe; the caller writes it with a BOM."""
    return spreadsheet_frame(people_frame(df)).to_csv(index=False, sep=";", lineterminator="\r\n")


def to_csv_machine(df: pd.DataFrame) -> str:
    """Tidy CSV for programs: documented English column names, full precision, ISO periods."""
    return spreadsheet_frame(df).to_csv(index=False)


def _excel_date(period) -> object:
    """'2022-09-30' -> a real date; years and school years ('2021', '2021/22') stay text."""
    s = "" if period is None or pd.isna(period) else str(period)
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        return dt.date.fromisoformat(s)
    return s


def _number_format(unit: str, decimals: int) -> str:
    """Excel number formats (shown as 53.363 / 9,9 % in a German Excel)."""
    frac = "." + "0" * decimals if decimals > 0 else ""
    if unit == "Prozent":
        return f"0{frac} %"
    return f"#,##0{frac}"


def _fit_columns(ws, max_width: int = 60) -> None:
    for col in ws.columns:
        longest = max((len(str(c.value)) for c in col if c.value is not None), default=8)
        ws.column_dimensions[col[0].column_letter].width = min(max(longest + 2, 8), max_width)


def write_xlsx(df: pd.DataFrame, out: Path) -> None:
    """Excel with German headers, real numbers (percent and thousands formats per indicator),
    real dates, frozen header rows and fitted columns; one sheet of values and one of
    indicator metadata; written atomically."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ..atomic import atomic_path

    cat = catalog()
    dims = _used_dims(df)
    cols = ["indicator_id", "title", "region", "region_name", "period", *dims]
    cols += ["value", "unit", "numerator", "denominator", "denominator_period", "flag", "note"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Indikatoren"
    ws.append([GERMAN_HEADERS[c] for c in cols])
    for r in df.to_dict("records"):
        ind = cat[r["indicator_id"]]
        part_unit, part_dec = _numerator_style(ind)
        cells = []
        for c in cols:
            v = ind.title if c == "title" else ind.unit if c == "unit" else r.get(c)
            if c in ("period", "denominator_period"):
                v = _excel_date(v)
            elif c in ("value", "numerator", "denominator"):
                v = None if v is None or pd.isna(v) else float(v)
                unit = ind.unit if c == "value" else part_unit
                if v is not None and unit == "Prozent":
                    v = v / 100  # Excel percent format multiplies by 100
            elif v is None or (not isinstance(v, str) and pd.isna(v)):
                v = None
            cells.append(spreadsheet_cell(v))
        ws.append(cells)
        row = ws.max_row
        for c, cell in zip(cols, ws[row], strict=True):
            if c == "value":
                cell.number_format = _number_format(ind.unit, ind.decimals)
            elif c in ("numerator", "denominator"):
                cell.number_format = _number_format(part_unit, part_dec)
            elif isinstance(cell.value, dt.date):
                cell.number_format = "DD.MM.YYYY"
    meta_cols = ["Indikator-ID", "Indikator", "Definition", "Einheit", "Nachkommastellen"]
    meta_cols += ["Quelle", "Tabellen", "Konzept", "Dimension", "Hinweise"]
    ms = wb.create_sheet("Metadaten")
    ms.append(meta_cols)
    for i in cat.values():
        if i.id in set(df["indicator_id"]):
            ms.append(
                [
                    spreadsheet_cell(v)
                    for v in (
                        i.id,
                        i.title,
                        i.definition,
                        i.unit,
                        i.decimals,
                        i.source,
                        ", ".join(i.tables),
                        i.concept,
                        i.dimension,
                        i.notes,
                    )
                ]
            )
    for sheet in (ws, ms):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        _fit_columns(sheet)
    for row in ms.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    with atomic_path(out, suffix=".xlsx") as tmp:
        wb.save(tmp)


#: How each output of ``ibis indicators`` begins (people's CSV with BOM, machine CSV, Markdown).
_TEXT_STARTS = (
    ("\ufeff" + GERMAN_HEADERS["title"] + ";" + GERMAN_HEADERS["indicator_id"] + ";").encode(),
    ",".join(OUT_COLUMNS[:3]).encode() + b",",
    ("| " + GERMAN_HEADERS["title"] + " | ").encode(),
)


def is_indicator_file(path: Path) -> bool:
    """Did ``ibis indicators`` write `path` (in any of its formats)? Only such a file is
    replaced by ``--out``: a user's own file of the same name is never overwritten."""
    try:
        with path.open("rb") as fh:
            head = fh.read(256)
    except OSError:
        return False
    if head.startswith(_TEXT_STARTS):
        return True
    if not head.startswith(b"PK"):
        return False
    import zipfile

    try:  # our workbook: the two sheets write_xlsx makes, in this order
        with zipfile.ZipFile(path) as zf:
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    first, second = book.find('name="Indikatoren"'), book.find('name="Metadaten"')
    return 0 <= first < second


def run_cli(
    municipality: str | None,
    period: str | None,
    ids: str | None,
    fmt_: str,
    all_: bool,
    out: Path | None,
    machine: bool = False,
) -> int:
    """Entry point of ``ibis indicators``; returns the exit code. Errors raise IbisError.

    CSV is for people (German Excel) unless `machine`: then tidy, full precision, English ids.
    """
    fmt_ = (fmt_ or "csv").lower()
    if fmt_ not in FORMATS:
        raise IbisError(f"Unbekanntes Format '{fmt_}'", hint="Möglich sind csv, xlsx und md.")
    if fmt_ == "xlsx" and not out:
        raise IbisError("Für --format xlsx bitte --out DATEI.xlsx angeben")
    if out:  # before computing: never into data/raw, never over a file ibis did not write
        from ..outdirs import check_file_target, check_own_file

        out = check_file_target(out, [])
        check_own_file(out, is_indicator_file, "Indikatortabelle von 'ibis indicators'")
    df = indicator_table(municipality, period, ids, all_)
    if fmt_ == "xlsx":
        write_xlsx(df, Path(out))
        print(f"{len(df)} Zeilen geschrieben: {out}", file=sys.stderr)
        return 0
    if fmt_ == "md":
        text = to_markdown(df)
    elif machine:
        text = to_csv_machine(df)
    else:
        text = to_csv_people(df)
    bom = fmt_ == "csv" and not machine  # Excel reads UTF-8 only with a byte order mark
    if out:
        from ..atomic import write_text

        write_text(out, text, encoding="utf-8-sig" if bom else "utf-8")
    elif bom and hasattr(sys.stdout, "buffer"):
        sys.stdout.flush()  # bytes: the BOM and umlauts are UTF-8 whatever the console uses
        sys.stdout.buffer.write(("\ufeff" + text).encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(text)
    return 0

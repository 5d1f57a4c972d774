"""CSV exports of the Statistik der Bundesagentur für Arbeit (BA), e.g. the migration dashboard.

Layout (UTF-8 with BOM, ``;``, every field quoted)::

    "Region";"Deutschland";"Regionsschlüssel:";"d"        <- key/value block
    "Berichtsjahr";"2024"
    "Indikator";"Arbeitslose"
    "Staatsangehörigkeit…";"Ausländer"
    "Hinweise:";"Bei den dargestellten Werten handelt es sich um Jahresdurchschnitte. "
    ""
    "Merkmal ";"JD Arbeitslose ";"Anteil an Insgesamt in % "   <- data block (or "Berichtsjahr" rows)
    "unter 25 Jahre";"94.093";"9"
    ""
    "Exportdatum: ";"21.05.2025";"18:32:46"                  <- footer
    "© Statistik der Bundesagentur für Arbeit"

Numbers use '.' for thousands and ',' for decimals. A second, headerless variant has one row per
Bundesland (``"Region ";"Beschäftigungsquote "``).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..errors import FormatError
from ..ingest import normalise as norm
from ..ingest.files import check_columns, read_text
from ..tidy import TOTAL, finish, unmapped_measures
from .genesis_flat import parse_values

FORMAT = "ba_csv"
KIND = "observations"

#: The 16 Länder and their 2-digit keys.
LAENDER = norm.laender()

#: BA marks: '*' = anonymised (fewer than 3 cases or derivable), '-' = nothing.
BA_SYMBOLS = set(norm.symbols(FORMAT))

#: Annual averages (JD) are rounded one by one: Frauen + Männer may exceed Insgesamt by 1–2.
SUM_TOLERANCE = 2.0

_DATA_START = {"merkmal", "berichtsjahr"}
_FOOTER = ("exportdatum", "©", "die produkte unterliegen", "statistik der bundesagentur")


def _rows(text: str) -> list[list[str]]:
    return [row for row in csv.reader(io.StringIO(text), delimiter=";", quotechar='"')]


def sniff(path: Path, head: str) -> bool:
    lines = norm.strip_bom(head).splitlines()
    if not lines:
        return False
    try:
        rows = _rows("\n".join(lines[:3]))
    except csv.Error:
        return False
    if not rows or not rows[0] or rows[0][0].strip() != "Region":
        return False
    first = [c.strip() for c in rows[0]]
    if any(c.startswith("Regionsschlüssel") for c in first):
        return True
    return len(rows) > 1 and bool(rows[1]) and rows[1][0].strip() in {*LAENDER, "Deutschland"}


def _source(indicator: str) -> str:
    return f"Statistik der Bundesagentur für Arbeit, {indicator}"


def read(path: Path) -> pd.DataFrame:
    """Read a BA CSV export (with key/value block, or the headerless Länder table)."""
    path = Path(path)
    text, _ = read_text(path)
    text = norm.strip_bom(text)
    check_columns(text.splitlines(), path)
    try:
        rows = _rows(text)
    except csv.Error as exc:
        raise FormatError(f"Die CSV-Datei lässt sich nicht lesen ({exc})", path=path) from None
    rows = [[c.strip() for c in r] for r in rows]
    if not rows or not rows[0] or rows[0][0] != "Region":
        raise FormatError(
            "Kein BA-Export: die erste Zeile beginnt nicht mit 'Region'", path=path, line=1
        )
    if any(c.startswith("Regionsschlüssel") for c in rows[0]):
        return _read_export(path, rows)
    return _read_laender(path, rows)


def _meta(rows: list[list[str]]) -> tuple[dict[str, str], int]:
    """Key/value block at the top -> (dict, index of the data header row or -1)."""
    meta: dict[str, str] = {}
    for i, row in enumerate(rows):
        cells = [c for c in row if c != ""]
        if not cells:
            continue
        key = row[0].rstrip(":").strip()
        if key.lower() in _DATA_START and len(cells) >= 2 and i > 0:
            # "Berichtsjahr";"2024" is metadata, "Berichtsjahr";"Frauen …";"Männer …" the header
            if key.lower() == "merkmal" or not re.fullmatch(r"\d{4}", row[1]):
                return meta, i
        if key.lower().startswith(_FOOTER):
            break
        if i == 0:
            meta["Region"] = row[1] if len(row) > 1 else ""
            for j, c in enumerate(row):
                if c.startswith("Regionsschlüssel") and j + 1 < len(row):
                    meta["Regionsschlüssel"] = row[j + 1]
            continue
        if key.startswith("Staatsangehörigkeit"):
            key = "Staatsangehörigkeit"  # the export glues a long remark onto this key
        meta[key] = row[1] if len(row) > 1 else ""
    return meta, -1


def _period(meta: dict[str, str], year: str, path: Path, line: int) -> str:
    hint = meta.get("Hinweise", "")
    m = re.search(r"Stichtag (\d{1,2})\.(\d{1,2})\.", hint)
    if not re.fullmatch(r"\d{4}", year or ""):
        raise FormatError(
            f"Kein Berichtsjahr gefunden ('{year}')",
            path=path,
            line=line,
            hint="Der BA-Export braucht eine Zeile 'Berichtsjahr' oder Jahreszeilen im Datenblock.",
        )
    if m:  # Beschäftigungsstatistik: the 30.06. stands for the year
        return f"{year}-{int(m[2]):02d}-{int(m[1]):02d}"
    return year


def _measure(label: str, meta: dict[str, str], unmapped: dict[str, str]) -> str:
    low = label.lower()
    hint = meta.get("Hinweise", "").lower()
    # the BA says "Beschäftigte" for SvB; which place (Wohnort/Arbeitsort) its remark says
    if low.startswith("beschäftigte") and "quote" not in low:
        return "svb_wohnort" if "wohnort" in hint or "wohnort" in low else "svb_arbeitsort"
    return norm.measure_or_slug("", label, unmapped)


def _columns(header: list[str], meta: dict[str, str], unmapped: dict[str, str]) -> list[dict]:
    """What each value column of the data block holds."""
    indicator = meta.get("Indikator", "")
    cols = []
    for j, h in enumerate(header[1:], start=1):
        if not h:
            continue
        unit = "Anzahl"
        sex = TOTAL
        label = h
        if "anteil" in h.lower() or "%" in h:
            unit, label = "Prozent", indicator
        elif "quote" in h.lower():
            unit = "Prozent"
        else:
            words = label.split()
            if words and words[0].upper() == "JD":  # Jahresdurchschnitt
                words = words[1:]
            if words and norm.sex(words[0]) not in (None, TOTAL):
                sex = norm.sex(words[0])
                words = words[1:]
            label = " ".join(words) or indicator
        cols.append(
            {
                "index": j,
                "measure": _measure(label, meta, unmapped),
                "unit": unit,
                "sex": sex,
                "header": h,
            }
        )
    return cols


def _read_export(path: Path, rows: list[list[str]]) -> pd.DataFrame:
    meta, start = _meta(rows)
    if start < 0:
        raise FormatError(
            "Kein Datenblock gefunden (keine Kopfzeile 'Merkmal' oder 'Berichtsjahr')",
            path=path,
            hint="Bitte im BA-Portal die Tabelle (nicht nur die Kopfangaben) als CSV exportieren.",
        )
    header = rows[start]
    unmapped: dict[str, str] = {}
    cols = _columns(header, meta, unmapped)
    if not cols:
        raise FormatError("Der Datenblock hat keine Wertespalten", path=path, line=start + 1)
    by_year = header[0].rstrip(":").strip().lower() == "berichtsjahr"

    region_key = meta.get("Regionsschlüssel", "")
    region = norm.region_keys(pd.Series([region_key]), path, None)[0]
    region_name = meta.get("Region", "") or ("Deutschland" if region == "DG" else region)

    nat_label = meta.get("Staatsangehörigkeit", "Insgesamt")
    nationality = norm.nationality(nat_label)
    nat_part = ""
    if nationality is None:  # a single citizenship: foreigners, with the country kept
        nationality, nat_part = (
            "ausländisch",
            "staatsangehoerigkeit=" + norm.category_value(nat_label),
        )

    data = _data_block(rows, start, path)

    labels = [r[0] for _, r in data]
    key = (
        "berufsabschluss" if any("berufsabschluss" in lab.lower() for lab in labels) else "merkmal"
    )
    records = []
    for line, row in data:
        label = row[0]
        age, part = TOTAL, ""
        if by_year:
            period = _period(meta, label, path, line)
        else:
            period = _period(meta, meta.get("Berichtsjahr", ""), path, line)
            if not norm.is_total(label):
                ag = norm.age_group(label)
                if ag is not None and key == "merkmal":
                    age = ag
                else:
                    part = f"{key}={norm.category_value(label)}"
        category = "|".join(sorted(p for p in (part, nat_part) if p)) or TOTAL
        for c in cols:
            records.append(
                {
                    "line": line,
                    "raw": row[c["index"]],
                    "period": period,
                    "measure": c["measure"],
                    "unit": c["unit"],
                    "sex": c["sex"],
                    "age_group": age,
                    "category": category,
                }
            )
    df = pd.DataFrame.from_records(records)
    values, flags = parse_values(df["raw"], path, df["line"], rule="german", symbols=BA_SYMBOLS)
    indicator = meta.get("Indikator", "") or cols[0]["header"]
    note = " ".join(meta.get("Hinweise", "").split())
    out = df.drop(columns=["raw", "line"]).assign(
        region=region,
        region_name=region_name,
        nationality=nationality,
        value=values,
        flag=flags,
        source=_source(indicator),
        table=path.stem,
        note=note,
    )
    out = finish(out)
    out.attrs["sum_tolerance"] = SUM_TOLERANCE
    return unmapped_measures(out, unmapped)


def _data_block(rows: list[list[str]], start: int, path: Path) -> list[tuple[int, list[str]]]:
    """(line, cells) of the data rows below the header row `start`, up to a blank or footer."""
    header = rows[start]
    data: list[tuple[int, list[str]]] = []
    for i in range(start + 1, len(rows)):
        row = rows[i]
        if not any(row):
            break
        if row[0].lower().startswith(_FOOTER):
            break
        if len(row) != len(header):
            raise FormatError(
                f"Zeile hat {len(row)} statt {len(header)} Felder",
                path=path,
                line=i + 1,
                hint="Die Datei ist abgeschnitten oder verändert; bitte den BA-Export wiederholen.",
            )
        data.append((i + 1, row))
    if not data:
        raise FormatError("Der Datenblock enthält keine Zeilen", path=path, line=start + 2)
    return data


def _read_laender(path: Path, rows: list[list[str]]) -> pd.DataFrame:
    """Headerless Länder table: "Region ";"<Indikator> " then one row per Bundesland."""
    header = rows[0]
    if len(header) < 2 or not header[1]:
        raise FormatError("Die Kopfzeile nennt keinen Indikator", path=path, line=1)
    m = re.search(r"_(\d{4})(\d{2})(\d{2})\d*$", path.stem)
    if not m:
        raise FormatError(
            "Die Datei nennt keinen Zeitraum und der Dateiname kein Exportdatum",
            path=path,
            hint="Bitte den Originalnamen des BA-Exports (…_JJJJMMTThhmmss.csv) beibehalten.",
        )
    year, export_day = m[1], f"{m[3]}.{m[2]}.{m[1]}"
    unmapped: dict[str, str] = {}
    records = []
    for i, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        if row[0].lower().startswith(_FOOTER):
            break
        if len(row) != len(header):
            raise FormatError(f"Zeile hat {len(row)} statt {len(header)} Felder", path=path, line=i)
        if row[0] == "Deutschland":
            code = "DG"
        elif row[0] in LAENDER:
            code = LAENDER[row[0]]
        else:
            raise FormatError(
                f"'{row[0]}' ist kein Bundesland",
                path=path,
                line=i,
                hint="Diese BA-Tabelle hat eine Zeile je Bundesland.",
            )
        for j, h in enumerate(header[1:], start=1):
            unit = "Prozent" if re.search(r"quote|anteil|%", h, re.I) else "Anzahl"
            records.append(
                {
                    "line": i,
                    "raw": row[j],
                    "region": code,
                    "region_name": row[0],
                    "measure": _measure(h, {}, unmapped),
                    "unit": unit,
                }
            )
    if not records:
        raise FormatError("Die Tabelle enthält keine Datenzeilen", path=path, line=2)
    df = pd.DataFrame.from_records(records)
    values, flags = parse_values(df["raw"], path, df["line"], rule="german", symbols=BA_SYMBOLS)
    indicator = header[1]
    out = df.drop(columns=["raw", "line"]).assign(
        period=year,
        # the export names neither the period nor the group of persons: say so instead of guessing
        category="personengruppe=" + norm.category_value("nicht angegeben"),
        value=values,
        flag=flags,
        source=_source(indicator),
        table=path.stem,
        note=f"Zeitraum und Personengruppe nicht in der Datei; Jahr des Exports ({export_day}) angenommen",
    )
    return unmapped_measures(finish(out), unmapped)

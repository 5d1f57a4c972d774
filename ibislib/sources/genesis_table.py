"""Loader for classic GENESIS "Tabelle" CSV exports (regionalstatistik.de, Landesdatenbanken,
GENESIS-Online classic tables).

The layout, top to bottom::

    GENESIS-Tabelle: 12411-01-01-5          title block: code, title lines, "regionale Tiefe",
    Bevölkerungsstand: Bevölkerung ...;;;    statistic name, content line "Bevölkerungsstand (Anzahl)",
    Bevölkerungsstand (Anzahl);;;            optionally a period line ("30.06.2015;;;", "Jahr: 2016")
    ;;31.12.2015;31.12.2015;...              2–4 header rows with empty leading (stub) cells:
    ;;Insgesamt;männlich;...                 periods, contents, variable names, values, units
    DG;Deutschland;82175684;...              data rows: [period;] code; name; [row dimensions;] values
    __________                               footer: quoted footnotes, copyright, "Stand: ..."

Every header column is read top to bottom and turned into one set of tidy dimensions, so the
data block can be unrolled in one vectorised step (no per-cell Python loop).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError
from ..tidy import FLAGS, LAENDER, REGION_RE, TOTAL, age_group, finish
from . import check_columns, numbers, read_text

FORMAT = "genesis_table"
KIND = "observations"

_HINT_EXPORT = "Bitte die Tabelle erneut als CSV (Semikolon-getrennt) aus GENESIS exportieren."

_FOOTER_RE = re.compile(r"^\s*_{5,}")
_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_YEAR_RE = re.compile(r"^((?:19|20)\d{2})(?:\s*/\s*((?:19|20)?\d{2}))?$")
_PERIOD_PREFIX_RE = re.compile(
    r"^(?:Jahr|Berichtsjahr|Schuljahr|Stichtag|Zeit|Berichtszeitraum)\s*:?\s*", re.IGNORECASE
)
_TABLE_RE = re.compile(r"^\s*(?:GENESIS-)?Tabelle\s*:\s*(\S+)", re.IGNORECASE)
_GENESIS_RE = re.compile(r"^\s*GENESIS-Tabelle\s*:", re.IGNORECASE)

#: Regions GENESIS-Online tables name without a code (national and Länder tables).
_REGION_NAMES = {"Deutschland": "DG", **LAENDER}
_STAND_RE = re.compile(r"^\s*Stand\s*:\s*(\d{1,2}\.\d{1,2}\.\d{4})")
_CONTENT_UNIT_RE = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")
_REGION_RE = re.compile(REGION_RE)
_PLAIN_NUMBER_RE = r"-?\d+(?:,\d+)?"  # the fast path of numbers.GERMAN_RE
_SYMBOL_ONLY = {
    "-": "-",
    ".": ".",
    "x": "x",
    "X": "x",
    "/": "/",
    "...": "...",
    "…": "...",
    "*": "*",
}
_TRAILING_FLAG_RE = re.compile(r"^(.*?\d)\s*([prse])$")

#: Units as GENESIS writes them -> (tidy unit, factor).
_UNITS: dict[str, tuple[str, float]] = {
    "anzahl": ("Anzahl", 1.0),
    "personen": ("Anzahl", 1.0),
    "tsd.": ("Anzahl", 1000.0),
    "tsd": ("Anzahl", 1000.0),
    "1000": ("Anzahl", 1000.0),
    "tausend": ("Anzahl", 1000.0),
    "prozent": ("Prozent", 1.0),
    "%": ("Prozent", 1.0),
    "km²": ("km2", 1.0),
    "km2": ("km2", 1.0),
    "qkm": ("km2", 1.0),
    "jahre": ("Jahre", 1.0),
}

#: Known GENESIS contents (Inhalte) -> measure id. Matched against the label without its unit.
_MEASURES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), m)
    for p, m in [
        (r"^Sozialversicherungspfl\w*\.? Besch\u00e4ftigte.*Arbeitsort.*$", "svb_arbeitsort"),
        (r"^Sozialversicherungspfl\w*\.? Besch\u00e4ftigte.*Wohnort.*$", "svb_wohnort"),
        (r"^Bev\u00f6lkerung(sstand)?$", "bevoelkerung"),
        (r"^Arbeitslose( insgesamt)?$", "arbeitslose"),
        (r"^Einb\u00fcrgerungen( von Ausl\u00e4ndern)?$", "einbuergerungen"),
        (r"^Eheschlie\u00dfungen$", "eheschliessungen"),
        (r"^Sch\u00fcler.*$", "schueler"),
        (r"^(Allgemein ?bildende )?Schulen$", "schulen"),
        (r"^Schutzsuchende.*$", "schutzsuchende"),
        (r"^(Gebiets)?fl\u00e4che.*$", "flaeche_km2"),
    ]
]

#: Known variable names (Merkmale) in header rows -> how the next value is read.
#: "cat:<key>" puts the value into `category`; "catnat:<key>" does the same with the value
#: normalised like a nationality (deutsch/ausländisch).
_VARIABLES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p, re.IGNORECASE), k)
    for p, k in [
        (r"^Geschlecht$", "sex"),
        (r"^(Nationalit\u00e4t|Staatsangeh\u00f6rigkeit)$", "nationality"),
        (r"^Nationalit\u00e4t des Ehemann(e)?s$", "catnat:ehemann"),
        (r"^Nationalit\u00e4t der Ehefrau$", "catnat:ehefrau"),
        (r"^Alter.*$", "age_group"),
        (r"^Kontinente?\b.*$", "cat:kontinent"),
        (r"^Klassenstufe.*$", "cat:klassenstufe"),
        (r"^Schulart(en)?$", "school_type"),
        (r"^(Stichtag|Jahr|Berichtsjahr|Zeit|Schuljahr)$", "period"),
        (r"^und zwar$", "undzwar"),
    ]
]

_SEX = {
    "insgesamt": TOTAL,
    "zusammen": TOTAL,
    "männlich": "männlich",
    "weiblich": "weiblich",
    "divers": "divers",
    "männer": "männlich",
    "frauen": "weiblich",
}
_NATIONALITY = {
    "insgesamt": TOTAL,
    "deutsche": "deutsch",
    "deutscher": "deutsch",
    "deutsch": "deutsch",
    "deutsche(r)": "deutsch",
    "ausländer": "ausländisch",
    "ausländerin": "ausländisch",
    "ausländerinnen": "ausländisch",
    "ausländer(innen)": "ausländisch",
    "ausländer/-innen": "ausländisch",
    "ausländer/innen": "ausländisch",
    "ausländisch": "ausländisch",
    "nichtdeutsche": "ausländisch",
}
#: Units GENESIS uses that the tidy table cannot hold yet (refused, never read as "Anzahl").
_OTHER_UNITS = {
    "eur",
    "euro",
    "tsd. eur",
    "1000 eur",
    "mill. eur",
    "mio. eur",
    "mrd. eur",
    "ha",
    "t",
    "tonnen",
    "kg",
    "tage",
    "stunden",
    "m²",
    "qm",
    "m³",
    "‰",
    "promille",
    "kwh",
    "mwh",
    "je 1000 einwohner",
    "je 1000 einw.",
    "je 100.000 einwohner",
    "je einwohner",
    "eur je einwohner",
}
_SCHOOL_RE = re.compile(r"schul|gymnasi|kolleg", re.IGNORECASE)


@dataclass
class TableMeta:
    """What the title block and footer say about a table."""

    table: str = ""
    title: list[str] = field(default_factory=list)
    content: str = ""
    content_unit: str = ""
    content_line: int | None = None
    period: str | None = None
    school_year: bool = False
    copyright: str = ""
    stand: str = ""
    footnotes: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def source(self) -> str:
        """Citation as it goes under a figure or table."""
        publisher = self.copyright
        if not publisher and _is_regional(self.table):
            publisher = "Statistische Ämter des Bundes und der Länder"
        elif not publisher and re.match(r"^\d{5}-\d{4}$", self.table):
            publisher = "Statistisches Bundesamt (Destatis)"
        parts = [publisher] if publisher else []
        if publisher.startswith("Statistische Ämter des Bundes und der Länder"):
            parts.append("Regionaldatenbank Deutschland")
        elif publisher.startswith("Statistisches Bundesamt"):
            parts.append("GENESIS-Online")
        text = ", ".join(parts + [f"Tabelle {self.table}" if self.table else "GENESIS-Tabelle"])
        if self.stand:
            text += f" (Stand {self.stand})"
        return text


def _is_regional(table: str) -> bool:
    return bool(re.match(r"^\d{5}-\d{2}-\d{2}-\d", table))


# ---------------------------------------------------------------------------------------------
# sniffing


def sniff(path: Path, head: str) -> bool:
    """True when `head` looks like a classic GENESIS table: a "GENESIS-Tabelle:" first line, or
    title lines followed by ';'-separated header rows with empty leading cells and data rows
    keyed by a region code or a period."""
    lines = [ln for ln in head.lstrip("\ufeff").splitlines() if ln.strip()]
    if not lines:
        return False
    if _GENESIS_RE.match(lines[0]):
        return True
    if lines[0].startswith('"') or (";" not in lines[0] and not _TABLE_RE.match(lines[0])):
        return False
    state = "title"
    n_title = 0
    for ln in lines[:40]:
        cells = [c.strip() for c in ln.split(";")]
        if not any(cells):
            continue
        first_only = bool(cells[0]) and not any(cells[1:])
        if state == "title":
            if first_only:
                n_title += 1
                continue
            if cells[0] == "" and n_title:
                state = "header"
                continue
            return False
        if state == "header":
            if cells[0] == "" or first_only:
                continue
            keyed = (
                _REGION_RE.match(cells[0]) or _parse_period(cells[0]) or cells[0] in _REGION_NAMES
            )
            return bool(keyed) and len(cells) >= 2 and bool(cells[1])
    return False


# ---------------------------------------------------------------------------------------------
# small parsers


def _parse_period(cell: str, school_year: bool = False) -> str | None:
    """'31.12.2015' -> '2015-12-31', 'Jahr: 2016' -> '2016', '2015/16' -> '2015/16'."""
    s = _PERIOD_PREFIX_RE.sub("", cell.strip())
    m = _DATE_RE.match(s)
    if m:
        d, mo, y = int(m[1]), int(m[2]), m[3]
        if 1 <= d <= 31 and 1 <= mo <= 12:
            return f"{y}-{mo:02d}-{d:02d}"
        return None
    m = _YEAR_RE.match(s)
    if m:
        if m[2]:
            return f"{m[1]}/{m[2][-2:]}"
        if school_year:
            return f"{m[1]}/{(int(m[1]) + 1) % 100:02d}"
        return m[1]
    return None


def _unit(cell: str) -> tuple[str, float] | None:
    return _UNITS.get(cell.strip().lower())


def _measure(label: str) -> str | None:
    for rx, mid in _MEASURES:
        if rx.match(label.strip()):
            return mid
    return None


def _variable(cell: str) -> str | None:
    for rx, key in _VARIABLES:
        if rx.match(cell):
            return key
    return None


def slug(label: str) -> str:
    """Lower-case ASCII id with underscores: 'Lebendgeborene (je 1000 Einw.)' -> 'lebendgeborene_je_1000_einw'."""
    s = label.strip().lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        s = s.replace(a, b)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s or "unbekannt"


def _key(label: str) -> str:
    """Category key from a variable name: 'Familienstand (amtlich)' -> 'familienstand'."""
    s = re.split(r"[(/,:]", label)[0].strip().lower()
    return re.sub(r"\s+", "_", s) or "merkmal"


def _measure_from_label(label: str) -> str:
    return _measure(label) or slug(label)


def _content_with_unit(cell: str) -> tuple[str, tuple[str, float]] | None:
    """'Bevölkerungsstand (Anzahl)' -> ('Bevölkerungsstand', ('Anzahl', 1))."""
    m = _CONTENT_UNIT_RE.match(cell.strip())
    if m and _unit(m[2]):
        return m[1], _unit(m[2])  # type: ignore[return-value]
    if m and m[2].strip().lower() in _OTHER_UNITS:
        return m[1], (m[2].strip(), 0.0)  # factor 0 marks a unit we cannot hold
    return None


def _category(pairs: dict[str, str]) -> str:
    items = sorted((k, v) for k, v in pairs.items() if v != TOTAL)
    return "|".join(f"{k}={v}" for k, v in items) or TOTAL


# ---------------------------------------------------------------------------------------------
# reading the file into title, header rows, data rows, footer


@dataclass
class _Parsed:
    meta: TableMeta
    headers: list[tuple[int, list[str]]]  # (line, cells)
    data: list[list[str]]
    data_lines: list[int]
    section_periods: list[str | None]
    ncols: int


def _cells(line: str) -> list[str]:
    if '"' in line:
        return next(csv.reader([line], delimiter=";"))
    return line.split(";")


def _split(path: Path) -> _Parsed:
    text, enc = read_text(path)
    lines = text.splitlines()
    check_columns(lines, path)
    if enc != "utf-8-sig":
        _check_mojibake(lines, enc, path)
    meta = TableMeta(encoding=enc)
    footer_at = next((i for i, ln in enumerate(lines) if _FOOTER_RE.match(ln)), None)
    body = lines if footer_at is None else lines[:footer_at]

    if not any(";" in ln for ln in body):
        sep = "','" if any(ln.count(",") >= 2 for ln in body) else "kein Trennzeichen"
        raise FormatError(
            f"Die Tabelle ist nicht mit ';' getrennt (gefunden: {sep})",
            path=path,
            line=1,
            hint=_HINT_EXPORT,
        )

    headers: list[tuple[int, list[str]]] = []
    data: list[list[str]] = []
    data_lines: list[int] = []
    sections: list[str | None] = []
    section: str | None = None
    title: list[str] = []
    title_lines: list[int] = []
    state = "title"
    ncols = 0
    for i, line in enumerate(body, start=1):
        cells = _cells(line)
        if state == "data" and cells[0].strip() and len(cells) == ncols and cells[1].strip():
            data.append(cells)  # fast path for ordinary data rows
            data_lines.append(i)
            sections.append(section)
            continue
        stripped = [c.strip() for c in cells]
        if not any(stripped):
            continue
        first_only = bool(stripped[0]) and not any(stripped[1:])
        if state == "title":
            if first_only:
                title.append(stripped[0])
                title_lines.append(i)
                continue
            if not title:
                raise FormatError(
                    "Kein Titelblock gefunden (erwartet z. B. 'GENESIS-Tabelle: 12411-01-01-4')",
                    path=path,
                    line=i,
                    hint=_HINT_EXPORT,
                )
            if stripped[0]:
                raise FormatError(
                    "Keine Kopfzeilen vor den Daten gefunden (Kopfzeilen beginnen mit ';')",
                    path=path,
                    line=i,
                    hint=_HINT_EXPORT,
                )
            state = "header"
            ncols = len(cells)
        if state == "header":
            if stripped[0] == "":
                if len(cells) != ncols:
                    raise _field_count(path, i, len(cells), ncols)
                headers.append((i, stripped))
                continue
            if first_only and _parse_period(stripped[0]):
                title.append(stripped[0])
                title_lines.append(i)
                continue
            state = "data"
        # data block
        if first_only:
            period = _parse_period(stripped[0])
            if period is None:
                raise FormatError(
                    f"Unerwartete Zeile im Datenteil: '{stripped[0][:60]}'",
                    path=path,
                    line=i,
                    hint="Im Datenteil stehen nur Zeilen mit Regionalschlüssel und Werten.",
                )
            section = stripped[0]
            continue
        if len(cells) != ncols:
            raise _field_count(path, i, len(cells), ncols)
        data.append(cells)
        data_lines.append(i)
        sections.append(section)

    if not title:
        raise FormatError("Kein Titelblock gefunden", path=path, line=1, hint=_HINT_EXPORT)
    if not headers:
        raise FormatError(
            "Keine Kopfzeilen gefunden (Kopfzeilen beginnen mit ';')",
            path=path,
            line=len(body),
            hint=_HINT_EXPORT,
        )
    if not data:
        raise FormatError(
            "Die Tabelle enthält keine Datenzeilen (nur Titel und Kopfzeilen)",
            path=path,
            line=headers[-1][0],
            hint="Bitte bei GENESIS eine Auswahl mit Regionen und Zeiträumen exportieren.",
        )

    _read_title(meta, title, title_lines)
    if footer_at is not None:
        _read_footer(meta, lines, footer_at, ncols, path)
    return _Parsed(meta, headers, data, data_lines, sections, ncols)


def _unit_label(unit: str, factor: float) -> str:
    return "Tsd." if unit == "Anzahl" and factor == 1000 else unit


def _unsupported_unit(unit: str, path: Path, line: int | None) -> FormatError:
    return FormatError(
        f"Die Einheit '{unit}' wird noch nicht unterstützt",
        path=path,
        line=line,
        hint="Unterstützt sind Anzahl, Tsd., Prozent, km² und Jahre (ibislib.tidy.UNITS).",
    )


def _check_mojibake(lines: list[str], enc: str, path: Path) -> None:
    """Refuse an ISO-8859-1 file with UTF-8 lines in it (pasted together), instead of reading
    'BevÃ¶lkerung'. A German latin-1 line never happens to be valid UTF-8 with umlauts."""
    for i, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.encode(enc).decode("utf-8")
        except UnicodeError:
            continue
        raise FormatError(
            "Gemischte Zeichenkodierung: UTF-8-Umlaute in einer ISO-8859-1-Datei",
            path=path,
            line=i,
            hint="Die Datei wurde wohl aus Teilen zusammenkopiert; bitte den Originalexport verwenden.",
        )


def _field_count(path: Path, line: int, got: int, want: int) -> FormatError:
    return FormatError(
        f"Die Zeile hat {got} statt {want} Felder",
        path=path,
        line=line,
        hint="Jede Zeile der Tabelle braucht gleich viele ';'-getrennte Felder; die Datei ist beschädigt oder von Hand bearbeitet.",
    )


def _read_title(meta: TableMeta, title: list[str], numbers: list[int]) -> None:
    m = _TABLE_RE.match(title[0])
    if m:
        meta.table = m[1]
        title, numbers = title[1:], numbers[1:]
    for line, number in zip(title, numbers, strict=True):
        period = _parse_period(line)
        if period is not None:
            meta.period = line
            continue
        cu = _content_with_unit(line)
        if cu:
            # keep the unit as written ("Tsd."): its factor is applied in read()
            meta.content = cu[0]
            meta.content_unit = _CONTENT_UNIT_RE.match(line.strip())[2].strip()  # type: ignore[index]
            meta.content_line = number
            continue
        meta.title.append(line)
    # a bare year is a school year only for a Stichtag at the start of the school year (pupils,
    # "2015" = 2015/16); leavers ("Absolventen/Abgänger … - Schuljahr -") are counted at its end,
    # so their "2015" stays the calendar year rather than becoming the wrong school year
    meta.school_year = any("schuljahresbeginn" in t.lower() for t in meta.title)


def _read_footer(meta: TableMeta, lines: list[str], footer_at: int, ncols: int, path: Path) -> None:
    reader = csv.reader((ln + "\n" for ln in lines[footer_at + 1 :]), delimiter=";")
    start = footer_at + 1
    for rec in reader:
        line = start + reader.line_num
        cells = [c.strip() for c in rec]
        if not any(cells):
            continue
        if len(rec) == ncols and sum(bool(c) for c in cells) >= 2:
            raise FormatError(
                "Nach der Fußzeile ('__________') folgen weitere Datenzeilen",
                path=path,
                line=line,
                hint="Die Trennlinie gehört ans Ende der Tabelle; bitte die Datei neu exportieren.",
            )
        text = " ".join(c for c in cells if c)
        if text.startswith("©") or text.startswith("(C)"):
            who = text.lstrip("©(C) ").split("\n", 1)[0]
            who = re.sub(r",\s*\d{4}\.?$", "", who).strip()
            meta.copyright = re.sub(r",\s*Deutschland$", "", who.rstrip(".")).strip()
            continue
        m = _STAND_RE.match(text)
        if m:
            meta.stand = m[1]
            continue
        meta.footnotes.append(text)


# ---------------------------------------------------------------------------------------------
# header columns -> dimensions


@dataclass
class _Column:
    measure: str | None = None
    unit: str | None = None
    factor: float = 1.0
    period: str | None = None
    dims: dict[str, str] = field(default_factory=dict)
    cats: dict[str, str] = field(default_factory=dict)
    other_unit: str = ""


def _vocab(cell: str) -> tuple[str, str] | None:
    """A header value recognised without its variable name: ('sex', 'männlich'), ('age_group', '15-20')."""
    low = cell.lower()
    if low == "insgesamt":
        return ("", TOTAL)
    if low in _SEX:
        return ("sex", _SEX[low])
    if low in _NATIONALITY:
        return ("nationality", _NATIONALITY[low])
    age = age_group(cell)
    if age is not None:
        return ("age_group", age)
    return None


def _assign(col: _Column, key: str, cell: str) -> None:
    """Put one header value under the variable `key`."""
    low = cell.lower()
    if key == "sex":
        if low in _SEX:
            col.dims["sex"] = _SEX[low]
        else:
            col.cats["geschlecht"] = cell
    elif key == "nationality":
        if low in _NATIONALITY:
            col.dims["nationality"] = _NATIONALITY[low]
        else:
            col.cats["staatsangehörigkeit"] = cell
    elif key == "age_group":
        age = age_group(cell)
        if age is not None:
            col.dims["age_group"] = age
        else:
            col.cats["alter"] = cell
    elif key == "school_type":
        col.dims["school_type"] = TOTAL if low == "insgesamt" else cell
    elif key == "undzwar":
        hit = _vocab(cell)
        if hit and hit[0]:
            col.dims[hit[0]] = hit[1]
        elif not hit:
            col.cats["personengruppe"] = cell
    elif key.startswith("catnat:"):
        col.cats[key[7:]] = _NATIONALITY.get(low, cell)
    else:
        name = key[4:] if key.startswith("cat:") else key
        col.cats[name] = TOTAL if low == "insgesamt" else cell


def _read_column(cells: list[str], meta: TableMeta) -> _Column:
    """Interpret one column's header cells (top to bottom)."""
    col = _Column()
    pending: str | None = None
    labels = 0  # header labels seen so far (periods and units not counted)
    filled = [c for c in cells if c]
    for n, cell in enumerate(filled):
        below = filled[n + 1] if n + 1 < len(filled) else None
        period = _parse_period(cell, meta.school_year)
        if period is not None and pending in (None, "period"):
            col.period = period
            pending = None
            continue
        unit = _unit(cell)
        if unit:
            col.unit, col.factor = unit
            continue
        if cell.lower() in _OTHER_UNITS:
            col.other_unit = cell
            continue
        cu = _content_with_unit(cell)
        if cu and pending is None:
            col.measure = _measure_from_label(cu[0])
            if cu[1][1]:
                col.unit, col.factor = cu[1]
            else:
                col.other_unit = cu[1][0]
            continue
        first_label = labels == 0
        labels += 1
        var = _variable(cell)
        if var:
            pending = var
            continue
        if pending is not None:
            _assign(col, pending, cell)
            pending = None
            continue
        mid = _measure(cell)
        if mid:
            col.measure = mid
            continue
        hit = _vocab(cell)
        if hit:
            if hit[0]:
                col.dims[hit[0]] = hit[1]
            continue
        # Unknown label. In the top row of a table without a content line it is the content;
        # otherwise its neighbour below tells what it is.
        if first_label and not meta.content and col.measure is None:
            col.measure = slug(cell)
        elif below is not None and (_variable(below) or _content_with_unit(below)):
            col.measure = slug(cell)  # a content above a variable name
        elif below is None or _unit(below):
            col.cats["merkmal"] = cell
        else:
            pending = f"cat:{_key(cell)}"  # an unknown variable name above its values
    return col


# ---------------------------------------------------------------------------------------------
# stub (row label) columns


def _classify_stub(values: pd.Series, label: str) -> tuple[str, dict[str, str]]:
    """Decide what an extra row-label column holds; returns (dimension, value map)."""
    uniq = [u for u in values.unique().tolist()]
    var = _variable(label) if label else None
    ages = {u: age_group(u) for u in uniq}
    if var == "age_group" or (not var and all(a is not None for a in ages.values())):
        if all(a is not None for a in ages.values()):
            return "age_group", {u: a for u, a in ages.items()}  # type: ignore[misc]
    lows = {u: u.lower() for u in uniq}
    if var == "sex" or (not var and all(v in _SEX for v in lows.values())):
        if all(v in _SEX for v in lows.values()):
            return "sex", {u: _SEX[lows[u]] for u in uniq}
    if var == "nationality" or (not var and all(v in _NATIONALITY for v in lows.values())):
        if all(v in _NATIONALITY for v in lows.values()):
            return "nationality", {u: _NATIONALITY[lows[u]] for u in uniq}
    non_total = [u for u in uniq if u.lower() != "insgesamt"]
    schoolish = sum(bool(_SCHOOL_RE.search(u)) for u in non_total)
    if var == "school_type" or (not var and non_total and schoolish * 2 >= len(non_total)):
        return "school_type", {u: TOTAL if u.lower() == "insgesamt" else u for u in uniq}
    key = var[4:] if var and var.startswith("cat") else (_key(label) if label else "merkmal")
    key = key.split(":")[-1]
    return "category", {u: TOTAL if u.lower() == "insgesamt" else f"{key}={u}" for u in uniq}


# ---------------------------------------------------------------------------------------------
# values


def _parse_other(raw: str) -> tuple[float, str] | None:
    """Value and flag of a cell that is not a plain number; None when unreadable."""
    s = raw.strip()
    if s in _SYMBOL_ONLY:
        return np.nan, _SYMBOL_ONLY[s]
    flag = ""
    m = re.match(r"^\((.*)\)$", s)
    if m:
        s, flag = m[1].strip(), "()"
    else:
        m = _TRAILING_FLAG_RE.match(s)
        if m:
            s, flag = m[1].strip(), m[2]
    num = numbers.parse(s, "german")
    if num is None:
        return None
    return num, flag


def _parse_values(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Vectorised: plain numbers via pandas, the few other distinct strings one by one.

    Returns values, flags and the position of the first unreadable cell (or None)."""
    s = raw.str.strip()
    plain = s.str.fullmatch(_PLAIN_NUMBER_RE).fillna(False).to_numpy(dtype=bool)
    values = np.full(len(s), np.nan)
    flags = np.full(len(s), "", dtype=object)
    if plain.any():
        values[plain] = pd.to_numeric(s[plain].str.replace(",", ".", regex=False)).to_numpy(float)
    rest = ~plain
    if rest.any():
        other = s[rest]
        parsed = {u: _parse_other(u) for u in other.unique().tolist()}
        bad = [u for u, p in parsed.items() if p is None]
        if bad:
            pos = int(np.flatnonzero(rest)[other.isin(bad).to_numpy()][0])
            return values, flags, pos
        values[rest] = other.map(lambda u: parsed[u][0]).to_numpy(float)
        flags[rest] = other.map(lambda u: parsed[u][1]).to_numpy(object)
    return values, flags, None


# ---------------------------------------------------------------------------------------------
# public API


def metadata(path: str | Path) -> TableMeta:
    """Title, content, footnotes, copyright and 'Stand' of a classic GENESIS table."""
    return _split(Path(path)).meta


def read(path: str | Path) -> pd.DataFrame:
    """Load a classic GENESIS table CSV into tidy observations (see :mod:`ibislib.tidy`)."""
    path = Path(path)
    p = _split(path)
    meta = p.meta
    ncols = p.ncols
    header_rows = [cells for _, cells in p.headers]
    header_line = p.headers[0][0]

    stub = min(next((i for i, c in enumerate(cells) if c), ncols) for cells in header_rows)
    if stub < 1 or stub >= ncols:
        raise FormatError(
            "Die Kopfzeilen lassen keine Beschriftungsspalten (Regionalschlüssel, Name) erkennen",
            path=path,
            line=header_line,
            hint=_HINT_EXPORT,
        )

    frame = pd.DataFrame(p.data, dtype=object)
    lines = np.asarray(p.data_lines)
    stub_cols = [frame[j].astype(str).str.strip() for j in range(stub)]

    # Period column (first stub column holding only dates / years)?
    pos = 0
    row_period: pd.Series | None = None
    uniq0 = stub_cols[0].unique().tolist()
    per0 = {u: _parse_period(u, meta.school_year) for u in uniq0}
    if all(v is not None for v in per0.values()):
        row_period = stub_cols[0].map(per0)
        pos = 1
    elif any(s is not None for s in p.section_periods):
        row_period = pd.Series(
            [_parse_period(s, meta.school_year) if s else None for s in p.section_periods],
            dtype=object,
        )

    codes, names, first_dim = _regions(stub_cols, pos, meta, lines, path)

    # Extra row-label columns
    row_dims: dict[str, pd.Series] = {}
    for j in range(first_dim, stub):
        label = " ".join(c for c in (cells[j] for cells in header_rows) if c)
        dim, mapping = _classify_stub(stub_cols[j], label)
        mapped = stub_cols[j].map(mapping)
        if dim == "category" and "category" in row_dims:
            mapped = pd.Series(
                [_merge_cats(a, b) for a, b in zip(row_dims["category"], mapped, strict=True)],
                dtype=object,
            )
        if dim in row_dims and dim != "category":
            raise FormatError(
                f"Zwei Beschriftungsspalten gehören zu derselben Gliederung '{dim}'",
                path=path,
                line=header_line,
            )
        row_dims[dim] = mapped

    # Duplicate rows (same region, period and row dimensions twice)
    keyframe = pd.DataFrame({"region": codes, **row_dims})
    if row_period is not None:
        keyframe["period"] = row_period
    dup = keyframe.duplicated(keep=False).to_numpy()
    if dup.any():
        idx = np.flatnonzero(dup)
        first = keyframe.iloc[idx[0]]
        same = idx[(keyframe.iloc[idx] == first).all(axis=1).to_numpy()]
        raise FormatError(
            f"Region '{codes.iloc[idx[0]]}' ({names.iloc[idx[0]]}) kommt doppelt vor "
            f"(Zeilen {', '.join(str(lines[k]) for k in same[:3])})",
            path=path,
            line=int(lines[same[-1]]),
            hint="Jede Region darf je Zeitraum und Gliederung nur einmal vorkommen.",
        )

    # Value columns: header cells -> dimensions
    value_cols = [
        j
        for j in range(stub, ncols)
        # a trailing ';' on every line makes an empty column: no header, no values
        if any(cells[j] for cells in header_rows) or frame[j].astype(str).str.strip().ne("").any()
    ]
    specs = [_read_column([cells[j] for cells in header_rows], meta) for j in value_cols]
    default_measure = _measure_from_label(meta.content) if meta.content else None
    if default_measure is None:
        label = next(
            (t for t in meta.title if not t.lower().startswith("regionale tiefe")), meta.table
        )
        default_measure = _measure_from_label(re.split(r"[:]| nach ", label)[0])
    default_unit = ("Anzahl", 1.0)
    if meta.content_unit:
        if meta.content_unit.lower() not in _UNITS:
            raise _unsupported_unit(meta.content_unit, path, meta.content_line)
        default_unit = _UNITS[meta.content_unit.lower()]
    global_period = _parse_period(meta.period, meta.school_year) if meta.period else None

    col_table = []
    for j, spec in zip(value_cols, specs, strict=True):
        if spec.other_unit:
            raise _unsupported_unit(spec.other_unit, path, header_line)
        for dim in spec.dims:
            if dim in row_dims and spec.dims[dim] != TOTAL:
                raise FormatError(
                    f"Die Gliederung '{dim}' steht sowohl in den Zeilen als auch in Spalte {j + 1}",
                    path=path,
                    line=header_line,
                )
        if spec.period and row_period is not None:
            raise FormatError(
                f"Zeitraum steht sowohl in Spalte 1 als auch im Kopf von Spalte {j + 1}",
                path=path,
                line=header_line,
            )
        unit, factor = (spec.unit, spec.factor) if spec.unit else default_unit
        if (
            meta.content_unit
            and spec.unit
            and spec.measure in (None, default_measure)
            and (unit, factor) != default_unit
        ):
            # "Bevölkerungsstand (Tsd.)" above a column saying "Anzahl": which one holds?
            raise FormatError(
                f"Widersprüchliche Einheit: die Inhaltszeile sagt '{meta.content_unit}', "
                f"der Kopf von Spalte {j + 1} '{_unit_label(spec.unit, spec.factor)}'",
                path=path,
                line=meta.content_line or header_line,
                hint="Ohne eindeutige Einheit (Anzahl oder Tsd.) wäre jede Zahl womöglich um den "
                "Faktor 1.000 falsch; bitte den Originalexport verwenden.",
            )
        col_table.append(
            {
                "measure": spec.measure or default_measure,
                "unit": unit,
                "factor": factor,
                "period": spec.period or global_period,
                **{
                    d: spec.dims.get(d, TOTAL)
                    for d in ("sex", "nationality", "age_group", "school_type")
                },
                "category": _category(spec.cats),
            }
        )
    cols = pd.DataFrame(col_table)
    dupcol = cols.drop(columns="factor").duplicated(keep=False).to_numpy()
    if dupcol.any():
        both = [str(value_cols[k] + 1) for k in np.flatnonzero(dupcol)[:2]]
        raise FormatError(
            f"Die Spalten {' und '.join(both)} haben dieselbe Beschriftung; die Kopfzeilen sind nicht eindeutig",
            path=path,
            line=header_line,
            hint="Bitte prüfen, ob Kopfzeilen fehlen oder doppelt sind.",
        )
    if row_period is None and cols["period"].isna().any():
        raise FormatError(
            "Kein Zeitraum gefunden (weder in Spalte 1 noch in den Kopfzeilen noch im Titelblock)",
            path=path,
            line=header_line,
            hint="Bitte den Stichtag bzw. das Jahr mit exportieren.",
        )

    # Unroll: row r, column c -> one observation (row-major like the file).
    n_rows, n_cols = len(frame), len(value_cols)
    r_idx = np.repeat(np.arange(n_rows), n_cols)
    c_idx = np.tile(np.arange(n_cols), n_rows)
    raw = pd.Series(frame[value_cols].to_numpy(dtype=object).ravel(), dtype=object).astype(str)
    values, flags, bad = _parse_values(raw)
    if bad is not None:
        cell = raw.iloc[bad].strip()
        hint = "Erlaubt sind Zahlen (Dezimalkomma) und die GENESIS-Zeichen - . x / ... ( ) p r s."
        if not cell:
            problem = "Leeres Feld statt Zahl oder Zeichen"
        elif not re.search(r"\d", cell) and not re.search(r"inf|nan", cell, re.I):
            problem = f"Unbekanntes Zeichen '{numbers.excerpt(cell)}'"
        else:
            problem, hint = numbers.why_not(cell, "german")
        raise FormatError(
            f"{problem} in Spalte {value_cols[c_idx[bad]] + 1}",
            path=path,
            line=int(lines[r_idx[bad]]),
            hint=hint,
        )
    factor = cols["factor"].to_numpy(float)[c_idx]
    values = values * factor

    def by_row(series: pd.Series) -> pd.Series:
        return pd.Series(pd.array(series.tolist(), dtype="str").take(r_idx))

    def by_col(name: str) -> pd.Series:
        return pd.Series(pd.array(cols[name].tolist(), dtype="str").take(c_idx))

    out = pd.DataFrame(
        {
            "region": by_row(codes),
            "region_name": by_row(names),
            "measure": by_col("measure"),
            "unit": by_col("unit"),
            "value": values,
            "flag": pd.array(flags.tolist(), dtype="str"),
        }
    )
    if row_period is not None:
        period = row_period.to_numpy(object)[r_idx]
        missing = pd.isna(period)
        if missing.any():
            period[missing] = cols["period"].to_numpy(object)[c_idx][missing]
        out["period"] = pd.array(period.tolist(), dtype="str")
    else:
        out["period"] = by_col("period")
    for dim in ("sex", "nationality", "age_group", "school_type"):
        out[dim] = by_row(row_dims[dim]) if dim in row_dims else by_col(dim)
    if "category" in row_dims:
        # merge row and column categories once per distinct pair, then index
        row_codes, row_uniques = pd.factorize(row_dims["category"])
        merged = [_merge_cats(a, b) for a in row_uniques for b in cols["category"]]
        idx = row_codes[r_idx] * n_cols + c_idx
        out["category"] = pd.Series(pd.array(merged, dtype="str").take(idx))
    else:
        out["category"] = by_col("category")
    unknown = set(out["flag"].unique()) - set(FLAGS)
    if unknown:  # pragma: no cover - _parse_other only yields known flags
        raise FormatError(f"Unbekanntes Zeichen {sorted(unknown)}", path=path)
    return finish(
        out, source=meta.source, table=meta.table or path.stem, note=series_break(meta.footnotes)
    )


def series_break(footnotes: list[str]) -> str:
    """The table-wide footnote on a break in the series (Zensus basis), as one short line.

    E.g. 'ab dem Berichtsjahr 2011: nach dem Zensus 2011' – figures spanning that year need it.
    Land-specific footnotes stay in :func:`metadata`.
    """
    for block in footnotes:
        head, _, body = block.partition("\n")
        if not re.match(r'^zu\s+"gesamte[r]?\s+Tabelle"', head.strip()):
            continue
        first = re.split(r"\n\s*\n", body.strip())[0]
        line = " ".join(first.split())
        if "Zensus" in line:
            return line
    return ""


def _regions(
    stub_cols: list[pd.Series], pos: int, meta: TableMeta, lines: np.ndarray, path: Path
) -> tuple[pd.Series, pd.Series, int]:
    """Region codes and names from the stub: 'code;name' columns (regionalstatistik,
    Landesdatenbanken), a name column of Länder (GENESIS-Online), or one region named in the
    title block ('Deutschland'). Returns codes, names and the index of the next stub column."""
    n = len(stub_cols[0])
    if len(stub_cols) - pos >= 2 and stub_cols[pos].str.fullmatch(r"DG|\d+").any():
        return _region_codes(stub_cols[pos], lines, path), stub_cols[pos + 1], pos + 2
    if len(stub_cols) - pos >= 1 and stub_cols[pos].isin(list(_REGION_NAMES)).all():
        return stub_cols[pos].map(_REGION_NAMES), stub_cols[pos], pos + 1
    named = [t for t in meta.title if t in _REGION_NAMES]
    if len(named) == 1 and (
        len(stub_cols) == pos or not stub_cols[pos].isin(list(_REGION_NAMES)).any()
    ):
        name = named[0]
        return (
            pd.Series([_REGION_NAMES[name]] * n, dtype=object),
            pd.Series([name] * n, dtype=object),
            pos,
        )
    bad = (
        stub_cols[pos][~stub_cols[pos].isin(list(_REGION_NAMES))] if len(stub_cols) > pos else None
    )
    raise FormatError(
        "Keine Spalten für Regionalschlüssel und Regionsname gefunden"
        + (
            f" ('{bad.iloc[0][:40]}' ist kein bekannter Regionsname)"
            if bad is not None and len(bad)
            else ""
        ),
        path=path,
        line=int(lines[0]) if bad is None or not len(bad) else int(lines[bad.index[0]]),
        hint="Erwartet wird z. B. '05566028;Ibbenbüren, Stadt;…'.",
    )


def _region_codes(codes: pd.Series, lines: np.ndarray, path: Path) -> pd.Series:
    """Check region codes and turn regionalstatistik's own Verband codes into official keys.

    regionalstatistik.de writes Gemeinden inside a Gemeindeverband with the Verband number in
    the middle: Niedersachsen '03151401002' (Kreis 03151, Samtgemeinde 401, Gemeinde 002),
    Rheinland-Pfalz '0713101001' (Kreis 07131, Verbandsgemeinde 01, Gemeinde 001; '00' for
    verbandsfreie Gemeinden). These become the official 12-digit Amtlicher Regionalschlüssel
    (ARS: Kreis + 4-digit Verband + Gemeinde, '031515401002', '071315001001', '071310007007';
    checked against BKG VG5000), the Verband rows ('03151401', '0713101') its 9-digit key
    ('031515401', '071315001'). The ARS keeps the Verband, so a Gemeinde that changed its
    Samtgemeinde stays two distinct regions; its AGS is ``ars[:5] + ars[9:]``.
    """
    n = codes.str.len()
    digits = codes.str.fullmatch(r"\d+").fillna(False)
    code8 = set(codes[digits & (n == 8)])
    code7 = set(codes[digits & (n == 7)])
    nds = digits & (n == 11) & codes.str[:8].isin(code8)
    # only Rheinland-Pfalz (07) writes 10-digit Verband codes; another 10-digit key is a typo
    rlp = digits & (n == 10) & codes.str.startswith("07")
    rlp_free = rlp & (codes.str[5:7] == "00")
    rlp_vg = rlp & ~rlp_free
    nds_verband = digits & (n == 8) & codes.isin(set(codes[nds].str[:8]))
    rlp_verband = (
        digits
        & (n == 7)
        & codes.str.startswith("07")
        & codes.isin(set(codes[rlp_vg].str[:7]) & code7)
    )
    fixed = codes.copy()
    fixed[nds] = codes[nds].str[:5] + "5" + codes[nds].str[5:]
    fixed[rlp_vg] = codes[rlp_vg].str[:5] + "50" + codes[rlp_vg].str[5:]
    fixed[rlp_free] = (
        codes[rlp_free].str[:5] + "0" + codes[rlp_free].str[7:] + codes[rlp_free].str[7:]
    )
    fixed[nds_verband] = codes[nds_verband].str[:5] + "5" + codes[nds_verband].str[5:]
    fixed[rlp_verband] = codes[rlp_verband].str[:5] + "50" + codes[rlp_verband].str[5:]
    ok = fixed.str.fullmatch(REGION_RE[1:-1]).fillna(False).to_numpy(dtype=bool)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        code = codes.iloc[i]
        if code.isdigit() and code[0] != "0" and len(code) + 1 in (2, 3, 5, 8, 9, 11, 12):
            problem = f"Regionalschlüssel '{code}' hat {len(code)} Stellen – die führende Null ist verloren gegangen"
            hint = "Die Datei wurde wohl mit Excel geöffnet und gespeichert; bitte die Originaldatei verwenden."
        else:
            problem = f"Ungültiger Regionalschlüssel '{code[:40]}'"
            hint = "Erlaubt sind 'DG' und 2-, 3-, 5-, 8-, 9- oder 12-stellige Schlüssel."
        raise FormatError(problem, path=path, line=int(lines[i]), hint=hint)
    return fixed


def _merge_cats(a: str, b: str) -> str:
    pairs: dict[str, str] = {}
    for part in (a, b):
        if part and part != TOTAL:
            for kv in part.split("|"):
                k, _, v = kv.partition("=")
                pairs[k] = v
    return _category(pairs)


__all__ = ["FORMAT", "KIND", "TableMeta", "metadata", "read", "slug", "sniff"]

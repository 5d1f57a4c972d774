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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError
from ..ingest import normalise as norm
from ..ingest.files import check_columns, read_text
from ..tidy import FLAGS, REGION_RE, TOTAL, finish, unmapped_measures
from . import numbers

FORMAT = "genesis_table"
KIND = "observations"


_HINT_EXPORT = "Bitte die Tabelle erneut als CSV (Semikolon-getrennt) aus GENESIS exportieren."

_FOOTER_RE = re.compile(r"^\s*_{5,}")
_TABLE_RE = re.compile(r"^\s*(?:GENESIS-)?Tabelle\s*:\s*(\S+)", re.IGNORECASE)
_GENESIS_RE = re.compile(r"^\s*GENESIS-Tabelle\s*:", re.IGNORECASE)

#: Regions GENESIS-Online tables name without a code (national and Länder tables).
_REGION_NAMES = norm.region_names()
_STAND_RE = re.compile(r"^\s*Stand\s*:\s*(\d{1,2}\.\d{1,2}\.\d{4})")
_CONTENT_UNIT_RE = re.compile(r"^(.*\S)\s*\(([^()]+)\)$")
_REGION_RE = re.compile(REGION_RE)
_PLAIN_NUMBER_RE = r"-?\d+(?:,\d+)?"  # the fast path of numbers.GERMAN_RE
_SYMBOL_ONLY = norm.symbols(FORMAT)
_TRAILING_FLAG_RE = re.compile(r"^(.*?\d)\s*([prse])$")


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


_parse_period = norm.period
_unit = norm.unit
_variable = norm.variable


def _measure(label: str, table: str) -> str | None:
    return norm.measure("", label, table)


def _measure_from_label(label: str, unmapped: dict[str, str], table: str) -> str:
    # the table code goes along: the vocabulary's with_statistic rules tell apart labels that
    # two statistics share ("Absolvierende/Abgehende" of 21111 and of 21121)
    return norm.measure_or_slug("", label, unmapped, table)


def _content_with_unit(cell: str) -> tuple[str, tuple[str, float]] | None:
    """'Bevölkerungsstand (Anzahl)' -> ('Bevölkerungsstand', ('Anzahl', 1))."""
    m = _CONTENT_UNIT_RE.match(cell.strip())
    if m and _unit(m[2]):
        return m[1], _unit(m[2])  # type: ignore[return-value]
    if m and norm.is_unsupported_unit(m[2]):
        return m[1], (m[2].strip(), 0.0)  # factor 0 marks a unit we cannot hold
    return None


_category = norm.category


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
    meta = TableMeta(encoding=enc)
    footer_at = next((i for i, ln in enumerate(lines) if _FOOTER_RE.match(ln)), None)
    body = lines if footer_at is None else lines[:footer_at]

    _check_separator(body, path)

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

    _check_blocks(path, len(body), title, headers, data)

    _read_title(meta, title, title_lines)
    if footer_at is not None:
        _read_footer(meta, lines, footer_at, ncols, path)
    return _Parsed(meta, headers, data, data_lines, sections, ncols)


_unit_label = norm.unit_label


def _check_separator(body: list[str], path: Path) -> None:
    if not any(";" in ln for ln in body):
        sep = "','" if any(ln.count(",") >= 2 for ln in body) else "kein Trennzeichen"
        raise FormatError(
            f"Die Tabelle ist nicht mit ';' getrennt (gefunden: {sep})",
            path=path,
            line=1,
            hint=_HINT_EXPORT,
        )


def _check_blocks(
    path: Path,
    n_lines: int,
    title: list[str],
    headers: list[tuple[int, list[str]]],
    data: list[list[str]],
) -> None:
    """Title block, header rows and data rows must all be there."""
    if not title:
        raise FormatError("Kein Titelblock gefunden", path=path, line=1, hint=_HINT_EXPORT)
    if not headers:
        raise FormatError(
            "Keine Kopfzeilen gefunden (Kopfzeilen beginnen mit ';')",
            path=path,
            line=n_lines,
            hint=_HINT_EXPORT,
        )
    if not data:
        raise FormatError(
            "Die Tabelle enthält keine Datenzeilen (nur Titel und Kopfzeilen)",
            path=path,
            line=headers[-1][0],
            hint="Bitte bei GENESIS eine Auswahl mit Regionen und Zeiträumen exportieren.",
        )


def _unsupported_unit(unit: str, path: Path, line: int | None) -> FormatError:
    return FormatError(
        f"Die Einheit '{unit}' wird noch nicht unterstützt",
        path=path,
        line=line,
        hint=f"Unterstützt sind Anzahl, Tsd., Prozent, km² und Jahre (Einheiten: {norm.VOCAB_HINT}).",
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
    if norm.is_total(cell):
        return ("", TOTAL)
    for dim, lookup in (("sex", norm.sex), ("nationality", norm.nationality)):
        hit = lookup(cell)
        if hit is not None:
            return (dim, hit)
    age = norm.age_group(cell)
    if age is not None:
        return ("age_group", age)
    return None


#: Category keys for values a known variable cannot place ('Geschlecht: unbekannt').
_UNPLACED_KEY = {"sex": "geschlecht", "nationality": "staatsangehoerigkeit", "age_group": "alter"}


def _assign(col: _Column, key: str, cell: str) -> None:
    """Put one header value under the variable `key`."""
    lookup = {
        "sex": lambda c: norm.sex(c, short=True),
        "nationality": norm.nationality,
        "age_group": norm.age_group,
    }.get(key)
    if lookup is not None:
        hit = lookup(cell)
        if hit is not None:
            col.dims[key] = hit
        else:
            col.cats[_UNPLACED_KEY[key]] = cell
    elif key == "school_type":
        col.dims["school_type"] = norm.school_type(cell)
    elif key == "undzwar":
        hit = _vocab(cell)
        if hit and hit[0]:
            col.dims[hit[0]] = hit[1]
        elif not hit:
            col.cats["personengruppe"] = cell
    elif key.startswith("catnat:"):
        col.cats[key[7:]] = norm.nationality(cell) or cell
    else:
        name = key[4:] if key.startswith("cat:") else key
        col.cats[name] = TOTAL if norm.is_total(cell) else cell


def _read_column(cells: list[str], meta: TableMeta, unmapped: dict[str, str]) -> _Column:
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
        if norm.is_unsupported_unit(cell):
            col.other_unit = cell
            continue
        cu = _content_with_unit(cell)
        if cu and pending is None:
            col.measure = _measure_from_label(cu[0], unmapped, meta.table)
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
        mid = _measure(cell, meta.table)
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
            col.measure = _measure_from_label(cell, unmapped, meta.table)
        elif below is not None and (_variable(below) or _content_with_unit(below)):
            # a content above a variable name
            col.measure = _measure_from_label(cell, unmapped, meta.table)
        elif below is None or _unit(below):
            col.cats["merkmal"] = cell
        else:
            pending = f"cat:{norm.category_key(cell)}"  # an unknown variable name above its values
    return col


# ---------------------------------------------------------------------------------------------
# stub (row label) columns


def _classify_stub(values: pd.Series, label: str) -> tuple[str, dict[str, str]]:
    """Decide what an extra row-label column holds; returns (dimension, value map)."""
    uniq = [u for u in values.unique().tolist()]
    var = _variable(label) if label else None
    for dim, lookup in (
        ("age_group", norm.age_group),
        ("sex", norm.sex),
        ("nationality", norm.nationality),
    ):
        if var == dim or not var:
            hits = {u: lookup(u) for u in uniq}
            if all(h is not None for h in hits.values()):
                return dim, hits  # type: ignore[return-value]
    non_total = [u for u in uniq if not norm.is_total(u)]
    schoolish = sum(bool(norm.school_type_pattern().search(u)) for u in non_total)
    if var == "school_type" or (not var and non_total and schoolish * 2 >= len(non_total)):
        return "school_type", {u: norm.school_type(u) for u in uniq}
    key = (
        var[4:]
        if var and var.startswith("cat")
        else (norm.category_key(label) if label else "merkmal")
    )
    key = key.split(":")[-1]
    return "category", {u: TOTAL if norm.is_total(u) else f"{key}={u}" for u in uniq}


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
            s, flag = m[1].strip(), norm.quality_marks()[m[2]]
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
    header_rows = [cells for _, cells in p.headers]
    header_line = p.headers[0][0]
    stub = _stub_width(header_rows, p.ncols, path, header_line)

    frame = pd.DataFrame(p.data, dtype=object)
    lines = np.asarray(p.data_lines)
    stub_cols = [frame[j].astype(str).str.strip() for j in range(stub)]
    row_period, pos = _row_periods(stub_cols, p)
    codes, names, first_dim = _regions(stub_cols, pos, p.meta, lines, path)
    row_dims = _row_dims(stub_cols, range(first_dim, stub), header_rows, path, header_line)
    _check_duplicate_rows(codes, names, row_dims, row_period, lines, path)

    unmapped: dict[str, str] = {}
    value_cols, cols = _column_table(
        p, frame, stub, row_dims, row_period is not None, path, unmapped
    )
    out = _unroll(frame, value_cols, cols, lines, path)
    r_idx, c_idx = out.attrs.pop("r_idx"), out.attrs.pop("c_idx")
    out["region"] = _by_row(codes, r_idx)
    out["region_name"] = _by_row(names, r_idx)
    if row_period is not None:
        period = row_period.to_numpy(object)[r_idx]
        missing = pd.isna(period)
        if missing.any():
            period[missing] = cols["period"].to_numpy(object)[c_idx][missing]
        out["period"] = pd.array(period.tolist(), dtype="str")
    else:
        out["period"] = _by_col(cols, "period", c_idx)
    for dim in ("sex", "nationality", "age_group", "school_type"):
        out[dim] = _by_row(row_dims[dim], r_idx) if dim in row_dims else _by_col(cols, dim, c_idx)
    out["category"] = _categories(row_dims.get("category"), cols, r_idx, c_idx)
    unknown = set(out["flag"].unique()) - set(FLAGS)
    if unknown:  # pragma: no cover - _parse_other only yields known flags
        raise FormatError(f"Unbekanntes Zeichen {sorted(unknown)}", path=path)
    meta = p.meta
    out = finish(
        out, source=meta.source, table=meta.table or path.stem, note=series_break(meta.footnotes)
    )
    return unmapped_measures(out, unmapped)


def _stub_width(header_rows: list[list[str]], ncols: int, path: Path, header_line: int) -> int:
    """Number of row-label (stub) columns: those empty in every header row."""
    stub = min(next((i for i, c in enumerate(cells) if c), ncols) for cells in header_rows)
    if stub < 1 or stub >= ncols:
        raise FormatError(
            "Die Kopfzeilen lassen keine Beschriftungsspalten (Regionalschlüssel, Name) erkennen",
            path=path,
            line=header_line,
            hint=_HINT_EXPORT,
        )
    return stub


def _row_periods(stub_cols: list[pd.Series], p: _Parsed) -> tuple[pd.Series | None, int]:
    """Periods of the rows (a first stub column of dates/years, or section lines) and the index
    of the next stub column."""
    school_year = p.meta.school_year
    uniq0 = stub_cols[0].unique().tolist()
    per0 = {u: _parse_period(u, school_year) for u in uniq0}
    if all(v is not None for v in per0.values()):
        return stub_cols[0].map(per0), 1
    if any(s is not None for s in p.section_periods):
        periods = [_parse_period(s, school_year) if s else None for s in p.section_periods]
        return pd.Series(periods, dtype=object), 0
    return None, 0


def _row_dims(
    stub_cols: list[pd.Series],
    columns: range,
    header_rows: list[list[str]],
    path: Path,
    header_line: int,
) -> dict[str, pd.Series]:
    """Extra row-label columns (after region code and name) -> tidy dimensions."""
    row_dims: dict[str, pd.Series] = {}
    for j in columns:
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
    return row_dims


def _check_duplicate_rows(
    codes: pd.Series,
    names: pd.Series,
    row_dims: dict[str, pd.Series],
    row_period: pd.Series | None,
    lines: np.ndarray,
    path: Path,
) -> None:
    """The same region, period and row dimensions twice is an error naming both lines."""
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


def _defaults(meta: TableMeta, path: Path, unmapped: dict[str, str]):
    """Measure, (unit, factor) and period the title block gives every column."""
    measure = _measure_from_label(meta.content, unmapped, meta.table) if meta.content else None
    if measure is None:
        label = next(
            (t for t in meta.title if not t.lower().startswith("regionale tiefe")), meta.table
        )
        measure = _measure_from_label(re.split(r"[:]| nach ", label)[0], unmapped, meta.table)
    unit = ("Anzahl", 1.0)
    if meta.content_unit:
        unit = _unit(meta.content_unit)
        if unit is None:
            raise _unsupported_unit(meta.content_unit, path, meta.content_line)
    period = _parse_period(meta.period, meta.school_year) if meta.period else None
    return measure, unit, period


def _column_table(
    p: _Parsed,
    frame: pd.DataFrame,
    stub: int,
    row_dims: dict[str, pd.Series],
    row_periods: bool,
    path: Path,
    unmapped: dict[str, str],
) -> tuple[list[int], pd.DataFrame]:
    """The value columns and, per column, measure, unit, factor, period and dimensions."""
    meta, header_line = p.meta, p.headers[0][0]
    header_rows = [cells for _, cells in p.headers]
    value_cols = [
        j
        for j in range(stub, p.ncols)
        # a trailing ';' on every line makes an empty column: no header, no values
        if any(cells[j] for cells in header_rows) or frame[j].astype(str).str.strip().ne("").any()
    ]
    default_measure, default_unit, global_period = _defaults(meta, path, unmapped)
    col_table = []
    for j in value_cols:
        spec = _read_column([cells[j] for cells in header_rows], meta, unmapped)
        _check_column(
            spec, j, row_dims, row_periods, meta, default_measure, default_unit, path, header_line
        )
        unit, factor = (spec.unit, spec.factor) if spec.unit else default_unit
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
    if not row_periods and cols["period"].isna().any():
        raise FormatError(
            "Kein Zeitraum gefunden (weder in Spalte 1 noch in den Kopfzeilen noch im Titelblock)",
            path=path,
            line=header_line,
            hint="Bitte den Stichtag bzw. das Jahr mit exportieren.",
        )
    return value_cols, cols


def _check_column(
    spec: _Column,
    j: int,
    row_dims: dict[str, pd.Series],
    row_periods: bool,
    meta: TableMeta,
    default_measure: str,
    default_unit: tuple[str, float],
    path: Path,
    header_line: int,
) -> None:
    """Refuse a column whose header contradicts the rows or the content line."""
    if spec.other_unit:
        raise _unsupported_unit(spec.other_unit, path, header_line)
    for dim in spec.dims:
        if dim in row_dims and spec.dims[dim] != TOTAL:
            raise FormatError(
                f"Die Gliederung '{dim}' steht sowohl in den Zeilen als auch in Spalte {j + 1}",
                path=path,
                line=header_line,
            )
    if spec.period and row_periods:
        raise FormatError(
            f"Zeitraum steht sowohl in Spalte 1 als auch im Kopf von Spalte {j + 1}",
            path=path,
            line=header_line,
        )
    unit = (spec.unit, spec.factor) if spec.unit else default_unit
    if (
        meta.content_unit
        and spec.unit
        and spec.measure in (None, default_measure)
        and unit != default_unit
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


def _unroll(
    frame: pd.DataFrame, value_cols: list[int], cols: pd.DataFrame, lines: np.ndarray, path: Path
) -> pd.DataFrame:
    """Row r, column c -> one observation (row-major like the file): values times the unit's
    factor, flags, measure and unit. Row and column indices go along in ``attrs``."""
    n_rows, n_cols = len(frame), len(value_cols)
    r_idx = np.repeat(np.arange(n_rows), n_cols)
    c_idx = np.tile(np.arange(n_cols), n_rows)
    raw = pd.Series(frame[value_cols].to_numpy(dtype=object).ravel(), dtype=object).astype(str)
    values, flags, bad = _parse_values(raw)
    if bad is not None:
        raise _bad_cell(
            raw.iloc[bad].strip(), value_cols[c_idx[bad]] + 1, int(lines[r_idx[bad]]), path
        )
    values = values * cols["factor"].to_numpy(float)[c_idx]
    out = pd.DataFrame(
        {
            "measure": _by_col(cols, "measure", c_idx),
            "unit": _by_col(cols, "unit", c_idx),
            "value": values,
            "flag": pd.array(flags.tolist(), dtype="str"),
        }
    )
    out.attrs["r_idx"], out.attrs["c_idx"] = r_idx, c_idx
    return out


def _bad_cell(cell: str, column: int, line: int, path: Path) -> FormatError:
    hint = "Erlaubt sind Zahlen (Dezimalkomma) und die GENESIS-Zeichen - . x / ... ( ) p r s."
    if not cell:
        problem = "Leeres Feld statt Zahl oder Zeichen"
    elif not re.search(r"\d", cell) and not re.search(r"inf|nan", cell, re.I):
        problem = f"Unbekanntes Zeichen '{numbers.excerpt(cell)}'"
    else:
        problem, hint = numbers.why_not(cell, "german")
    return FormatError(f"{problem} in Spalte {column}", path=path, line=line, hint=hint)


def _by_row(series: pd.Series, r_idx: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(series.tolist(), dtype="str").take(r_idx))


def _by_col(cols: pd.DataFrame, name: str, c_idx: np.ndarray) -> pd.Series:
    return pd.Series(pd.array(cols[name].tolist(), dtype="str").take(c_idx))


def _categories(
    row_cats: pd.Series | None, cols: pd.DataFrame, r_idx: np.ndarray, c_idx: np.ndarray
) -> pd.Series:
    """Row and column categories merged (once per distinct pair, then indexed)."""
    if row_cats is None:
        return _by_col(cols, "category", c_idx)
    row_codes, row_uniques = pd.factorize(row_cats)
    merged = [_merge_cats(a, b) for a in row_uniques for b in cols["category"]]
    idx = row_codes[r_idx] * len(cols) + c_idx
    return pd.Series(pd.array(merged, dtype="str").take(idx))


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
    ('031515401', '071315001'). Then the one region-key rule applies
    (:func:`ibislib.ingest.normalise.collapse_ars`): the ARS becomes the Gemeinde's AGS
    (``ars[:5] + ars[9:]``), except for a Gemeinde listed under two Verbände (it changed its
    Samtgemeinde), which keeps its two ARS as two distinct regions.
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
    return norm.collapse_ars(fixed)


def _merge_cats(a: str, b: str) -> str:
    pairs: dict[str, str] = {}
    for part in (a, b):
        if part and part != TOTAL:
            for kv in part.split("|"):
                k, _, v = kv.partition("=")
                pairs[k] = v
    return _category(pairs)


__all__ = ["FORMAT", "KIND", "TableMeta", "metadata", "read", "sniff"]

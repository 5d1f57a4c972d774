"""GENESIS "ffcsv" (flat CSV) exports from GENESIS-Online, Regionaldatenbank and the Zensus 2022 database.

One header row with English column names::

    statistics_code;statistics_label;time_code;time_label;time;
    1_variable_code;1_variable_label;1_variable_attribute_code;1_variable_attribute_label;
    [2_variable_… 3_variable_… …]
    value;[value_q;]value_unit;value_variable_code;value_variable_label

Older exports of the same REST API (GENESIS-Online and Regionaldatenbank until 2024) use German
column names and one value column per content, named ``CODE__Label__Einheit``::

    Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;
    1_Merkmal_Code;1_Merkmal_Label;1_Auspraegung_Code;1_Auspraegung_Label;[2_Merkmal_… …]
    ERW032__Sozialversicherungspfl._Beschaeftigte_(Arbeitsort)__Anzahl[;BEV036__…__1000 …]

with Stichtage as ``30.06.2023``. They are turned into the long English layout first.

The number of ``N_variable_*`` groups varies by table. Regional variables (DINSG, DLAND, KREISE,
GEOGM4 …) give the region; the others become tidy dimensions (sex, nationality, age group) or
``category`` pairs. ``value`` may hold a GENESIS symbol (``-``, ``.``, ``x``, ``/``, ``...``):
the value is then NaN and the symbol goes into ``flag``.

The helpers at the top are shared with :mod:`ibislib.sources.genesis_json`.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FormatError, ValidationError
from ..ingest import normalise as norm
from ..ingest.files import check_columns, read_text
from ..tidy import KEY, TOTAL, finish, unmapped_measures
from . import numbers, totals

FORMAT = "genesis_flat"
KIND = "observations"

# --------------------------------------------------------------------------------------------
# GENESIS helpers shared with genesis_json (the labels themselves are in ibislib/ingest/vocab.yml)
# --------------------------------------------------------------------------------------------

#: Symbols that replace a number (value NaN, symbol kept as flag).
SYMBOLS = set(norm.symbols(FORMAT))
#: Quality marks that accompany a number (value kept, mark kept as flag). "e" = endgültig: no flag.
QUALITY_FLAGS = norm.quality_marks()


def unit_and_scale(unit: str, path: Path, line: int | None) -> tuple[str, float]:
    """Tidy unit and factor: counts in thousands ('1000', 'Tsd.') become Anzahl times 1000."""
    found = norm.unit(unit)
    if found is None:
        raise FormatError(
            f"Einheit '{str(unit).strip()}' wird nicht unterstützt",
            path=path,
            line=line,
            hint="Unterstützt sind Anzahl, Tsd., Prozent, km² und Jahre "
            f"(Einheiten stehen in {norm.VOCAB_HINT}).",
        )
    return found


def source_for(table: str, statistics_label: str = "") -> str:
    """Citation for a GENESIS table code (Zensus database, Regionaldatenbank or GENESIS-Online)."""
    # "Zensus" as a word: the Mikrozensus (12211) is a GENESIS-Online table, not the Zensus database
    if re.match(r"^\d{4}[A-Z]-\d{4}$", table) or re.search(r"\bzensus", statistics_label.lower()):
        return f"Statistische Ämter des Bundes und der Länder, Zensus 2022, Tabelle {table}"
    if re.match(r"^\d{5}-\d{2}-\d{2}-\d", table):
        return f"Regionaldatenbank Deutschland, Tabelle {table}"
    return f"Statistisches Bundesamt (Destatis), GENESIS-Online, Tabelle {table}"


def table_code_from_name(path: Path) -> str | None:
    """'12411-01-01-4_1773175772751_de_flat.csv' -> '12411-01-01-4'."""
    m = re.match(r"^(\d{4,5}[A-Z]?-\d{2,4}(?:-\d{2}-\d+)?)", path.name)
    return m[1] if m else None


def parse_values(
    raw: pd.Series,
    path: Path,
    lines: pd.Series | None,
    rule: str = "ffcsv",
    symbols: set[str] = SYMBOLS,
) -> tuple[pd.Series, pd.Series]:
    """Numbers by the format's rule (:mod:`ibislib.sources.numbers`) -> (float values, flags).

    Symbols become NaN with the symbol as flag; anything else the rule does not accept raises.
    """
    s = raw.astype(str).str.strip()
    symbol = s.isin(symbols)
    flags = s.where(symbol, "").replace({"…": "..."})
    parsed, ok = numbers.parse_series(s.where(~symbol, ""), rule)
    values = pd.Series(parsed, index=s.index, dtype=float)
    bad = ~ok & ~symbol.to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        shown = s.iloc[i]
        if shown == "":
            problem, hint = (
                "Leerer Wert ohne Zeichen",
                "Erlaubt sind Zahlen und die Zeichen - . x / ... der amtlichen Statistik.",
            )
        else:
            problem, hint = numbers.why_not(shown, rule)
            if re.search(r"[A-Za-zäöüß?!]", shown) and not re.search(r"inf|nan", shown, re.I):
                problem = f"Wert '{numbers.excerpt(shown)}' ist weder Zahl noch bekanntes Zeichen"
                hint = "Erlaubt sind Zahlen und die Zeichen - . x / ... der amtlichen Statistik."
        raise FormatError(
            problem,
            path=path,
            line=int(lines.iloc[i]) if lines is not None else None,
            hint=hint,
        )
    return values, flags


def map_dimension(
    dim: str, codes: pd.Series, labels: pd.Series, var_label: str
) -> tuple[pd.Series, pd.Series]:
    """(dimension values, category parts) for one variable; category part is '' unless used."""
    codes = codes.astype(str).str.strip()
    labels = labels.astype(str).str.strip()
    total = (codes == "") | codes.str.upper().eq("%TOTAL%") | labels.map(norm.is_total)
    key = norm.category_key(var_label)
    empty = pd.Series("", index=codes.index)
    lookup = {
        "sex": norm.sex,
        "nationality": norm.nationality,
        "school_type": lambda label, code: norm.school_type(label),
    }.get(dim)
    pairs = pd.DataFrame({"c": codes, "l": labels})
    if lookup is not None:
        uniq = {
            (c, lab): lookup(lab, c) for c, lab in pairs.drop_duplicates().itertuples(index=False)
        }
        val = pd.Series([uniq[cl] for cl in zip(codes, labels, strict=True)], index=codes.index)
    elif dim == "age_group":
        val = labels.map({lab: norm.age_group(lab) for lab in labels.unique()})
    else:
        val = pd.Series(np.nan, index=codes.index, dtype=object)
    val = val.where(~total, TOTAL)
    # labels we cannot place in the dimension go to category, never dropped
    unplaced = val.isna()
    part = empty.where(~unplaced, key + "=" + labels.map(norm.category_value))
    return val.fillna(TOTAL).astype(str), part


def join_categories(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """Join 'key=value' parts per row, sorted by key; 'insgesamt' when there are none."""
    if not parts:
        return pd.Series(TOTAL, index=index)
    frame = pd.concat(parts, axis=1)
    uniq = frame.drop_duplicates()
    joined = {
        tuple(row): "|".join(sorted(p for p in row if p)) or TOTAL
        for row in uniq.itertuples(index=False)
    }
    return pd.Series([joined[tuple(r)] for r in frame.itertuples(index=False)], index=index)


def check_duplicates(df: pd.DataFrame, lines: pd.Series, path: Path) -> None:
    """Name the line of the first repeated number (the validator only sees the table)."""
    dup = df.duplicated(KEY, keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        row = df.iloc[i]
        same = (df[KEY] == row[KEY]).all(axis=1).to_numpy()
        first = int(lines.iloc[int(np.flatnonzero(same)[0])])
        raise ValidationError(
            f"Zeile wiederholt Zeile {first} (Region {row['region']}, {row['period']}, {row['measure']})",
            path=path,
            line=int(lines.iloc[i]),
            hint="Jede Zahl darf nur einmal vorkommen; bitte Dubletten entfernen.",
        )


# --------------------------------------------------------------------------------------------
# the flat CSV loader
# --------------------------------------------------------------------------------------------

_REQUIRED = [
    "statistics_code",
    "time",
    "value",
    "value_unit",
    "value_variable_code",
    "value_variable_label",
]


def sniff(path: Path, head: str) -> bool:
    return re.match(r"(statistics_code|Statistik_Code)\s*[;,\t]", norm.strip_bom(head)) is not None


_GERMAN_COLUMNS = {
    "Statistik_Code": "statistics_code",
    "Statistik_Label": "statistics_label",
    "Zeit_Code": "time_code",
    "Zeit_Label": "time_label",
    "Zeit": "time",
}
_GERMAN_GROUP_RE = re.compile(r"^(\d+)_(Merkmal|Auspraegung)_(Code|Label)$")
_GROUP_PART = {
    ("Merkmal", "Code"): "variable_code",
    ("Merkmal", "Label"): "variable_label",
    ("Auspraegung", "Code"): "variable_attribute_code",
    ("Auspraegung", "Label"): "variable_attribute_label",
}


def _from_german(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """German-header ffcsv (one column per content 'CODE__Label__Einheit') -> long English layout.

    The line number of the source row is kept in ``_line``.
    """
    rename: dict[str, str] = {}
    value_cols: list[tuple[str, str, str, str]] = []  # column, code, label, unit
    quality: dict[str, str] = {}
    for col in df.columns:
        if col in _GERMAN_COLUMNS:
            rename[col] = _GERMAN_COLUMNS[col]
        elif m := _GERMAN_GROUP_RE.match(col):
            rename[col] = f"{m[1]}_{_GROUP_PART[(m[2], m[3])]}"
        elif col != "_line":
            parts = col.split("__")
            if len(parts) == 4 and parts[3].lower() == "q":
                quality["__".join(parts[:3])] = col
            elif len(parts) == 3 and all(p.strip() for p in parts):
                label = " ".join(parts[1].replace("_", " ").split())
                value_cols.append(
                    (col, parts[0].strip(), label, parts[2].replace("_", " ").strip())
                )
            else:
                raise FormatError(
                    f"Spalte '{col}' ist weder Merkmal noch Wertspalte 'CODE__Bezeichnung__Einheit'",
                    path=path,
                    line=1,
                    hint="Bitte als 'CSV (flat)' / ffcsv exportieren.",
                )
    if not value_cols:
        raise FormatError(
            "Keine Wertspalte 'CODE__Bezeichnung__Einheit' im Kopf der flachen GENESIS-Datei",
            path=path,
            line=1,
            hint="Bitte als 'CSV (flat)' / ffcsv exportieren.",
        )
    ids = [c for c in df.columns if c in rename or c == "_line"]
    pieces = []
    for col, code, label, unit in value_cols:
        piece = df[ids].rename(columns=rename)
        piece["value"] = df[col]
        piece["value_unit"] = unit
        piece["value_variable_code"] = code
        piece["value_variable_label"] = label
        if col in quality:
            piece["value_q"] = df[quality[col]]
        pieces.append(piece)
    long = pd.concat(pieces, ignore_index=True)
    if "value_q" in long:
        long["value_q"] = long["value_q"].fillna("")
    # keep the file's row order (all contents of one line together)
    return long.sort_values("_line", kind="stable").reset_index(drop=True)


def variant_labels(df: pd.DataFrame, groups: list[int]) -> dict[str, str]:
    """Key labels for variables whose category key another variable of the file shares.

    GENESIS exports can carry one dimension in two classification variants (Zensus 2022:
    Einwanderungsgeschichte WDGAT2 and WDGAT1, both labelled "Einwanderungsgeschichte
    (ausführlich)"; Erwerbsstatus ERWST3 next to "Erwerbsstatus (ausführlich)" ERWST4). Their
    rows are different numbers, not duplicates. Such variables get their whole label as key
    ('erwerbsstatus_ausfuehrlich=…'), and where even the labels are the same, the variable code
    too ('einwanderungsgeschichte_ausfuehrlich_wdgat1=…'). Returns {code: key label}.
    """
    by_key: dict[str, dict[str, str]] = {}
    for n in groups:
        pairs = df[[f"{n}_variable_code", f"{n}_variable_label"]].drop_duplicates()
        for code, label in pairs.itertuples(index=False):
            code, label = str(code).strip(), str(label).strip()
            if not code or norm.is_region_variable(code):
                continue
            by_key.setdefault(norm.category_key(label), {}).setdefault(code, label)
    out: dict[str, str] = {}
    for codes in by_key.values():
        if len(codes) < 2:
            continue
        labels = list(codes.values())
        for code, label in codes.items():
            whole = norm.slug(label)
            out[code] = whole if labels.count(label) == 1 else f"{whole}_{code.lower()}"
    return out


def _check_field_counts(text: str, path: Path) -> None:
    """Every line must have as many fields as the header (catches cut rows and stray footers)."""
    lines = text.split("\n")
    if '"' in text:  # quoted fields may contain ';' – leave it to the CSV parser
        return
    expected = lines[0].count(";")
    counts = np.fromiter((ln.count(";") for ln in lines), dtype=np.int64, count=len(lines))
    nonempty = np.fromiter((bool(ln.strip()) for ln in lines), dtype=bool, count=len(lines))
    bad = np.flatnonzero((counts != expected) & nonempty)
    if len(bad):
        i = int(bad[0])
        raise FormatError(
            f"Zeile hat {counts[i] + 1} statt {expected + 1} Felder",
            path=path,
            line=i + 1,
            hint="Die Datei ist abgeschnitten oder verändert; bitte den GENESIS-Export wiederholen.",
        )
    blank = np.flatnonzero(~nonempty)
    if len(blank) and blank[0] < len(lines) - 1 and nonempty[blank[0] + 1 :].any():
        raise FormatError(
            "Leerzeile mitten in der Tabelle",
            path=path,
            line=int(blank[0]) + 1,
            hint="Die flache GENESIS-Datei hat keine Leerzeilen; bitte den Originalexport verwenden.",
        )


def frame(text: str, encoding: str, path: Path) -> pd.DataFrame:
    """The decoded text of a flat file as a frame of strings in the long English layout, with
    the file line of each row in ``_line``; header, field counts and variable groups checked."""
    text = norm.strip_bom(text).replace("\r\n", "\n")
    norm.check_encoding(text, encoding, path)  # text may come from elsewhere than read_text
    check_columns(text.split("\n"), path)
    header = text.split("\n", 1)[0]
    if ";" not in header:
        raise FormatError(
            "Trennzeichen ist nicht das Semikolon",
            path=path,
            line=1,
            hint="GENESIS-Flat-CSV trennt Felder mit ';'; bitte den Originalexport verwenden, "
            "nicht eine in Excel neu gespeicherte Fassung.",
        )
    _check_field_counts(text, path)
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=";", dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise FormatError(
            f"Die CSV-Datei lässt sich nicht lesen ({str(exc).strip()[:120]})",
            path=path,
            line=int(m[1]) if m else None,
        ) from None
    df.columns = [c.strip() for c in df.columns]
    df["_line"] = np.arange(len(df)) + 2
    if "Statistik_Code" in df.columns:
        df = _from_german(df, path)
    missing = [c for c in _REQUIRED if c not in df.columns]
    if missing:
        raise FormatError(
            "Spalte(n) "
            + ", ".join(f"'{c}'" for c in missing)
            + " fehlen im Kopf der flachen GENESIS-Datei",
            path=path,
            line=1,
            hint="Bitte als 'CSV (flat)' / ffcsv exportieren.",
        )
    if df.empty:
        raise FormatError("Die Datei enthält keine Datenzeilen", path=path, line=2)
    for n in sorted(
        int(m[1]) for c in df.columns if (m := re.fullmatch(r"(\d+)_variable_code", c))
    ):
        need = [
            f"{n}_variable_label",
            f"{n}_variable_attribute_code",
            f"{n}_variable_attribute_label",
        ]
        absent = [c for c in need if c not in df.columns]
        if absent:
            raise FormatError(
                f"Spalte(n) {', '.join(absent)} fehlen zur Variable {n}", path=path, line=1
            )
    return df


def read(path: Path) -> pd.DataFrame:
    """Read a GENESIS flat CSV (ffcsv) into a tidy table."""
    path = Path(path)
    text, encoding = read_text(path)
    df = frame(text, encoding, path)
    lines = df["_line"]
    groups = sorted(int(m[1]) for c in df.columns if (m := re.fullmatch(r"(\d+)_variable_code", c)))

    # region: the first regional variable of each row (Deutschland when the table has none)
    region = pd.Series("DG", index=df.index)
    region_name = pd.Series("Deutschland", index=df.index)
    has_region = pd.Series(False, index=df.index)
    dims: dict[str, pd.Series] = {}
    claimed: dict[str, int] = {}
    parts: list[pd.Series] = []
    variant = variant_labels(df, groups)
    for n in groups:
        vcode = df[f"{n}_variable_code"].str.strip()
        is_reg = vcode.map({c: norm.is_region_variable(c) for c in vcode.unique()}).astype(bool)
        take = is_reg & ~has_region
        if take.any():
            region = region.where(~take, df[f"{n}_variable_attribute_code"])
            region_name = region_name.where(~take, df[f"{n}_variable_attribute_label"].str.strip())
            has_region |= take
        for code in vcode[~is_reg].unique():
            rows = vcode == code
            label = df.loc[rows, f"{n}_variable_label"].iloc[0]
            dim = norm.dimension_for(code, label)
            if dim != "category" and claimed.setdefault(dim, n) != n:
                dim = "category"  # a second variable of the same kind keeps its own key
            val, part = map_dimension(
                dim,
                df[f"{n}_variable_attribute_code"],
                df[f"{n}_variable_attribute_label"],
                variant.get(code, label),
            )
            if dim != "category":
                dims[dim] = val.where(rows, dims.get(dim, TOTAL))
            parts.append(part.where(rows, ""))

    region = norm.region_keys(region, path, lines)

    # ISO Stichtag, or German '30.06.2023' (older exports), year, school year
    period = norm.periods(df["time"])
    okp = period.notna()
    if not okp.all():
        i = int(np.flatnonzero(~okp.to_numpy())[0])
        raise FormatError(
            f"Zeitangabe '{df['time'].iloc[i].strip()}' ist weder Stichtag (JJJJ-MM-TT) noch Jahr oder Schuljahr (JJJJ/JJ)",
            path=path,
            line=int(lines.iloc[i]),
        )

    values, flags = _values_and_flags(df, path, lines)
    unmapped: dict[str, str] = {}
    measure, unit, values = _measures_and_units(df, values, path, lines, unmapped)

    table = table_code_from_name(path) or df["statistics_code"].iloc[0].strip()
    source = source_for(table, df["statistics_label"].iloc[0] if "statistics_label" in df else "")

    out = pd.DataFrame(
        {
            "region": region,
            "region_name": region_name.str.strip(),
            "period": period,
            "measure": measure,
            **dims,
            "category": join_categories(parts, df.index),
            "value": values,
            "unit": unit,
            "flag": flags,
            "source": source,
            "table": table,
            "note": "",
        }
    )
    out = finish(out)
    check_duplicates(out, lines, path)
    return unmapped_measures(totals.complete(out), unmapped)


def _values_and_flags(
    df: pd.DataFrame, path: Path, lines: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Numbers (rule 'ffcsv') and flags: symbols in ``value`` or ``value_q``, quality marks."""
    raw_values = df["value"]
    if "value_q" in df.columns:
        q = df["value_q"].str.strip()
        # a symbol may sit in the quality column with the value left empty
        raw_values = raw_values.where(~((raw_values.str.strip() == "") & q.isin(SYMBOLS)), q)
    values, flags = parse_values(raw_values, path, lines)
    if "value_q" in df.columns:
        qual = df["value_q"].str.strip().str.lower()
        unknown = ~qual.isin(set(QUALITY_FLAGS) | SYMBOLS)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise FormatError(
                f"Unbekanntes Qualitätskennzeichen '{df['value_q'].iloc[i]}'",
                path=path,
                line=int(lines.iloc[i]),
            )
        flags = flags.where(flags != "", qual.map(QUALITY_FLAGS).fillna(""))
    return values, flags


def _measures_and_units(
    df: pd.DataFrame, values: pd.Series, path: Path, lines: pd.Series, unmapped: dict[str, str]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Measure per row (vocabulary), tidy unit per row, values times the unit's factor."""
    # the statistic goes along: "Personen" of 2000S (Zensus, Bildung/Erwerb) is not the
    # population of 1000A (vocabulary: with_statistic)
    keys = ["value_variable_code", "value_variable_label", "statistics_code"]
    pairs = df[keys].drop_duplicates()
    mmap = {
        (c, lab, st): norm.measure_or_slug(c, lab, unmapped, st)
        for c, lab, st in pairs.itertuples(index=False)
    }
    measure = pd.Series(
        [mmap[k] for k in zip(*(df[c] for c in keys), strict=True)],
        index=df.index,
    )
    units = {
        u: unit_and_scale(u, path, int(lines[df["value_unit"] == u].iloc[0]))
        for u in df["value_unit"].unique()
    }
    unit = df["value_unit"].map({u: us[0] for u, us in units.items()})
    values = values * df["value_unit"].map({u: us[1] for u, us in units.items()}).astype(float)
    return measure, unit, values

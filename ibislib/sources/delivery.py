"""Municipal delivery format ("Lieferung"): what a city statistics office sends itself.

A semicolon-separated CSV with German column names, one row per number (documented for
users in ``docs/lieferformat.md``, template in ``data/templates/lieferung_vorlage.csv``)::

    # comment lines start with '#'
    ags;gebiet;stichtag;merkmal;stadtteil;nationalitaet;geschlecht;altersgruppe;schulform;kategorie;wert;einheit;zeichen;quelle;anmerkung
    05566028;Ibbenbüren;30.09.2022;bevoelkerung;;ausländisch;;;;;5.263;Anzahl;;Stadt Ibbenbüren;

UTF-8 (BOM tolerated) or ISO-8859-1/cp1252; German numbers ("53.363", "34,4"); empty dimension
cells mean "insgesamt". Every problem raises :class:`FormatError` with the line number.
"""

from __future__ import annotations

import csv
import difflib
import re
from pathlib import Path

import pandas as pd

from ..errors import FormatError, IbisError, RegionError
from ..ingest import normalise as norm
from ..ingest.files import check_columns, read_text
from ..regions import registry
from ..tidy import FLAGS, KEY, MEASURES, TOTAL, empty, finish
from . import numbers

FORMAT = "delivery"
KIND = "observations"

#: Columns in their documented order.
COLUMNS = [
    "ags",
    "gebiet",
    "stichtag",
    "merkmal",
    "stadtteil",
    "nationalitaet",
    "geschlecht",
    "altersgruppe",
    "schulform",
    "kategorie",
    "wert",
    "einheit",
    "zeichen",
    "quelle",
    "anmerkung",
]
REQUIRED = {"stichtag", "merkmal", "wert", "einheit", "quelle"}

#: Category values for marriages (measure ``eheschliessungen``), as in the Ibbenbüren concept:
#: bi-national marriages as a share of marriages with at least one foreign partner.
MARRIAGE_CATEGORIES = {
    "mind_ein_partner_auslaendisch": "partner=mind. ein Partner ausländisch",
    "binational": "partner=binational",
}
#: Category values for integration course results (measure ``ik_abschluesse``).
IK_LEVEL_CATEGORIES = {
    "B1": "niveau=B1",
    "A2": "niveau=A2",
    "unter A2": "niveau=unter A2",
    "ohne Abschluss": "niveau=ohne Abschluss",
}
#: Category for pupils with Zuwanderungsgeschichte (IT.NRW school statistics concept).
ZWG_CATEGORY = "zuwanderungsgeschichte=ja"

#: Symbols that stand for a missing number (the value cell stays empty).
_MISSING_FLAGS = set(norm.symbols(FORMAT))


def _norm(s: str) -> str:
    return norm.slug(s, sep="-", default="")


def _header_key(cell: str) -> str:
    return _norm(cell).replace("-", "_")


def _first_row(text: str) -> tuple[int, str] | None:
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#") or not stripped.strip(";"):
            continue
        return lineno, stripped
    return None


def sniff(path: Path, head: str) -> bool:
    """Header (after comment lines) with the German columns stichtag, merkmal and wert."""
    first = _first_row(head)
    if first is None:
        return False
    cols = {_header_key(c) for c in first[1].split(";")}
    return {"stichtag", "merkmal", "wert"} <= cols and bool({"ags", "gebiet"} & cols)


# --------------------------------------------------------------------------- cell parsers


class _CellError(Exception):
    def __init__(self, problem: str, hint: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint


def parse_number(text: str) -> float:
    """German number (rule ``german`` of :mod:`ibislib.sources.numbers`): '53.363' -> 53363.0,
    '34,4' -> 34.4, '1.139,5' -> 1139.5. A space (also narrow/no-break) or an apostrophe may
    stand for the thousands point ('53 363'), a leading '+' is allowed."""
    s = re.sub(r"[\s\u00a0\u202f']+", ".", text.strip()).removeprefix("+")
    value = numbers.parse(s, "german")
    if value is not None:
        return value
    problem, hint = numbers.why_not(text, "german")
    if problem.startswith("Zahl nicht lesbar"):
        problem = f"'{numbers.excerpt(text)}' ist keine Zahl"
        hint = (
            "Bitte eine Zahl eintragen (z. B. 5.263 oder 34,4) oder die Zelle leer lassen "
            "und in 'zeichen' ein Zeichen setzen ('.', '-', 'x')."
        )
    raise _CellError(problem, hint)


def parse_period(text: str) -> str:
    """'30.09.2022' -> '2022-09-30'; '2021' -> '2021'; '2021/22' or '2021/2022' -> '2021/22'
    (the one period rule, :func:`ibislib.ingest.normalise.period`, with the calendar checked)."""
    problem = norm.period_problem(text)
    if problem:
        raise _CellError(*problem)
    return norm.period(text)  # type: ignore[return-value]


def parse_age_group(text: str) -> str:
    """'18 bis unter 27' / '18-27' -> '18-27'; 'unter 12' -> '0-12'; '80 und älter' -> '80+'.

    Upper bounds are exclusive ("18-27" = 18 bis unter 27 Jahre).
    """
    found = norm.age_group(text)
    if found is None:
        raise _CellError(*norm.age_group_problem(text))
    return found


def _lookup(text: str, lookup, column: str, allowed: str) -> str:
    found = lookup(text)
    if found is not None:
        return found
    raise _CellError(
        f"Unbekannter Wert '{text}' in Spalte '{column}'",
        f"Erlaubt: {allowed} (weitere Schreibweisen: {norm.VOCAB_HINT}).",
    )


def parse_category(text: str) -> str:
    """'niveau=B1' -> 'niveau=B1'; several pairs joined by '|' are sorted by key."""
    s = text.strip()
    if norm.is_total(s):
        return TOTAL
    pairs = {}
    for part in s.split("|"):
        if "=" not in part:
            raise _CellError(
                f"Kategorie '{text}' ist nicht als 'schlüssel=wert' angegeben",
                "Beispiel: 'niveau=B1' oder 'partner=binational'; mehrere mit '|' trennen.",
            )
        k, v = (x.strip() for x in part.split("=", 1))
        k = _header_key(k)
        if not k or not v:
            raise _CellError(f"Kategorie '{text}': Schlüssel oder Wert fehlt")
        if k in pairs:
            raise _CellError(f"Kategorie '{text}': Schlüssel '{k}' doppelt")
        pairs[k] = v
    return "|".join(f"{k}={pairs[k]}" for k in sorted(pairs))


def _text(text: str) -> str:
    s = " ".join(text.split())
    return TOTAL if norm.is_total(s) else s


# --------------------------------------------------------------------------- regions


class _Regions:
    """AGS checks against the registry, if one can be built (else syntax only)."""

    def __init__(self) -> None:
        try:
            self.reg = registry()
        except RegionError:
            self.reg = None  # no directory at all: keys are checked by syntax only

    def resolve(self, ags: str, gebiet: str) -> tuple[str, str]:
        ags = ags.strip()
        gebiet = " ".join(gebiet.split())
        if not ags and not gebiet:
            raise _CellError(
                "AGS und Gebiet fehlen", "Bitte mindestens den AGS (z. B. 05566028) angeben."
            )
        if not ags:
            if self.reg is None:
                raise _CellError("AGS fehlt", "Bitte den AGS angeben (z. B. 05566028).")
            try:
                r = self.reg.resolve(gebiet)
            except IbisError as exc:
                raise _CellError(exc.problem, "Bitte den AGS in Spalte 'ags' eintragen.") from None
            return r.ags, r.name
        if ags.upper() in ("DG", "DE"):
            return "DG", gebiet or "Deutschland"
        if not ags.isdigit():
            raise _CellError(f"AGS '{ags}' enthält andere Zeichen als Ziffern")
        if len(ags) in (1, 4, 7):
            raise _CellError(
                f"AGS '{ags}' ohne führende Null",
                f"Gemeint ist wohl 0{ags}. Excel entfernt führende Nullen: die Spalte 'ags' "
                "bitte als Text formatieren.",
            )
        if len(ags) not in (2, 3, 5, 8, 9, 12):
            raise _CellError(
                f"AGS '{ags}' hat {len(ags)} Stellen",
                "Gemeinden haben 8, Kreise 5, Länder 2 Stellen (z. B. 05566028).",
            )
        known = self.reg.get(ags) if self.reg is not None else None
        if known is None:
            if not gebiet:
                raise _CellError(
                    f"AGS '{ags}' ist im Gemeindeverzeichnis nicht bekannt",
                    "Bitte den AGS prüfen oder den Namen in Spalte 'gebiet' angeben.",
                )
            return ags, gebiet
        if gebiet and all(c.ags != ags for c in self.reg.candidates(gebiet)):
            raise _CellError(
                f"AGS {ags} ist {self.reg.label(known)}, in Spalte 'gebiet' steht aber '{gebiet}'",
                "Bitte AGS und Gebietsname abgleichen.",
            )
        return ags, known.name


# --------------------------------------------------------------------------- reader


def _header(cells: list[str], path: Path, lineno: int) -> list[str]:
    keys = [_header_key(c) for c in cells]
    while keys and not keys[-1]:
        keys.pop()
    for k, raw in zip(keys, cells, strict=False):
        if k not in COLUMNS:
            close = difflib.get_close_matches(k, COLUMNS, n=1)
            raise FormatError(
                f"Unbekannte Spalte '{raw}'" + (f" (meinten Sie '{close[0]}'?)" if close else ""),
                path=path,
                line=lineno,
                hint="Erlaubte Spalten: " + ";".join(COLUMNS) + " (siehe docs/lieferformat.md).",
            )
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise FormatError(f"Spalte '{sorted(dup)[0]}' kommt doppelt vor", path=path, line=lineno)
    missing = REQUIRED - set(keys)
    if not {"ags", "gebiet"} & set(keys):
        missing.add("ags")
    if missing:
        raise FormatError(
            "Pflichtspalten fehlen: " + ", ".join(sorted(missing)),
            path=path,
            line=lineno,
            hint="Bitte die Kopfzeile aus data/templates/lieferung_vorlage.csv übernehmen.",
        )
    return keys


def _measure(text: str) -> str:
    """A measure id ('einbuergerungen', 'Einbürgerungen') or a label the vocabulary knows
    ('Schüler/-innen' -> 'schueler')."""
    key = _header_key(text)
    if key in MEASURES:
        return key
    return norm.measure("", text) or key


def _value(cells: dict[str, str], unit: str, measure: str) -> tuple[float, str]:
    """Value and symbol of a row: a German number or a symbol, checked against the unit."""
    flag = cells.get("zeichen", "").strip()
    raw_value = cells.get("wert", "").strip()
    if not flag and raw_value in FLAGS and raw_value not in ("", "0"):
        flag, raw_value = raw_value, ""  # a symbol typed into the value cell
    if flag not in FLAGS:
        raise _CellError(
            f"Unbekanntes Zeichen '{flag}'",
            "Erlaubt: "
            + " ".join(repr(f) for f in FLAGS if f)
            + " (Zeichenerklärung der amtlichen Statistik).",
        )
    if raw_value:
        if flag in _MISSING_FLAGS:
            raise _CellError(
                f"Zeichen '{flag}' ({FLAGS[flag]}) zusammen mit einem Wert",
                "Bei diesem Zeichen bleibt die Spalte 'wert' leer.",
            )
        value = parse_number(raw_value)
    else:
        if not flag:
            raise _CellError(
                "Wert fehlt",
                "Bitte eine Zahl eintragen oder ein Zeichen in 'zeichen' ('.' unbekannt/geheim, "
                "'-' nichts vorhanden, 'x' nicht sinnvoll).",
            )
        value = float("nan")
    if unit == "Anzahl" and raw_value:
        if value < 0:
            raise _CellError(f"Negative Anzahl {raw_value}", "Anzahlen können nicht negativ sein.")
        if value != int(value):
            raise _CellError(
                f"Anzahl {raw_value} ist keine ganze Zahl",
                "Bei Einheit 'Anzahl' nur ganze Zahlen; Anteile bitte mit Einheit 'Prozent'.",
            )
    if unit == "Prozent" and raw_value and ("anteil" in measure or "quote" in measure):
        if not 0 <= value <= 100:
            raise _CellError(f"Anteil {raw_value} % liegt nicht zwischen 0 und 100")
    return value, flag


def _row(cells: dict[str, str], regions: _Regions) -> dict:
    region, region_name = regions.resolve(cells.get("ags", ""), cells.get("gebiet", ""))
    period = parse_period(cells.get("stichtag", ""))
    measure = _measure(cells.get("merkmal", ""))
    if measure not in MEASURES:
        close = difflib.get_close_matches(measure, MEASURES, n=3)
        raise _CellError(
            f"Unbekanntes Merkmal '{cells.get('merkmal', '')}'"
            + (f" (meinten Sie {', '.join(close)}?)" if close else ""),
            "Erlaubte Merkmale stehen in docs/lieferformat.md (z. B. bevoelkerung, einbuergerungen).",
        )
    unit_raw = cells.get("einheit", "").strip()
    found = norm.unit(unit_raw)
    unit = found[0] if found and found[1] == 1 else None  # no factor: the numbers as delivered
    if unit is None:
        raise _CellError(
            f"Unbekannte Einheit '{unit_raw}'" if unit_raw else "Einheit fehlt",
            "Erlaubt: Anzahl oder Prozent.",
        )
    value, flag = _value(cells, unit, measure)
    source = " ".join(cells.get("quelle", "").split())
    if not source:
        raise _CellError("Quelle fehlt", "Jede Zahl braucht eine Quellenangabe (Spalte 'quelle').")
    return {
        "region": region,
        "region_name": region_name,
        "period": period,
        "measure": measure,
        "sex": _lookup(
            cells.get("geschlecht", ""),
            lambda t: norm.sex(t, short=True),
            "geschlecht",
            "männlich, weiblich, divers, leer",
        ),
        "nationality": _lookup(
            cells.get("nationalitaet", ""),
            norm.nationality,
            "nationalitaet",
            "deutsch, ausländisch, leer",
        ),
        "age_group": parse_age_group(cells.get("altersgruppe", "")),
        "school_type": _text(cells.get("schulform", "")),
        "district": _text(cells.get("stadtteil", "")),
        "category": parse_category(cells.get("kategorie", "")),
        "value": value,
        "unit": unit,
        "flag": flag,
        "source": source,
        "note": " ".join(cells.get("anmerkung", "").split()),
    }


def read(path: Path) -> pd.DataFrame:
    """A delivery file as a tidy table; a bad cell raises FormatError with its line number."""
    path = Path(path)
    text, _ = read_text(path)
    check_columns(text.splitlines(), path)
    header: list[str] | None = None
    header_line = 0
    regions: _Regions | None = None
    rows: list[dict] = []
    lines: list[int] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = next(csv.reader([line], delimiter=";", quotechar='"'))
        if not any(c.strip() for c in cells):
            continue  # ';;;;' rows left by spreadsheet programs
        if header is None:
            header, header_line = _header(cells, path, lineno), lineno
            regions = _Regions()
            continue
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            raise FormatError(
                f"Zeile hat {len(cells)} Zellen, die Kopfzeile (Zeile {header_line}) nur {len(header)}",
                path=path,
                line=lineno,
                hint="Enthält ein Text ein Semikolon? Dann bitte in Anführungszeichen setzen.",
            )
        record = dict(zip(header, cells, strict=False))
        try:
            rows.append(_row(record, regions))
        except _CellError as exc:
            raise FormatError(exc.problem, path=path, line=lineno, hint=exc.hint) from None
        lines.append(lineno)
    if header is None:
        raise FormatError(
            "Keine Kopfzeile gefunden",
            path=path,
            hint="Die erste Zeile ohne '#' muss die Spaltennamen enthalten (siehe Vorlage).",
        )
    if not rows:
        return finish(empty())
    df = pd.DataFrame(rows)
    df["table"] = path.name
    df["line"] = lines
    dup = df.duplicated(KEY, keep=False)
    if dup.any():
        first = df[dup].groupby(KEY, sort=False)["line"].apply(list).iloc[0]
        raise FormatError(
            f"Zeile {first[1]} wiederholt Zeile {first[0]} (gleiches Gebiet, gleicher Stichtag, "
            "gleiches Merkmal und gleiche Gliederung)",
            path=path,
            line=first[1],
            hint="Jede Zahl darf nur einmal vorkommen; bitte eine der Zeilen löschen oder die "
            "Gliederung (z. B. Stadtteil, Kategorie) ergänzen.",
        )
    return finish(df.drop(columns="line"))
